// SPDX-License-Identifier: MIT
#include "patterns/socket_strand.hpp"

#include <future>

namespace zmtp::patterns {

socket_strand::socket_strand(asio::io_context& io, bool single_threaded)
    : io_executor_(io.get_executor())
{
    if (single_threaded) {
        executor_ = io_executor_;
    } else {
        strand_.emplace(asio::make_strand(io));
        executor_ = *strand_;
    }
}

bool socket_strand::on_strand() const noexcept
{
    return strand_ ? strand_->running_in_this_thread() : io_executor_.running_in_this_thread();
}

void socket_strand::run_sync(const std::function<void()>& fn) const
{
    if (on_strand()) {
        fn();
        return;
    }
    std::promise<void> done;
    asio::post(executor_, [&] {
        fn();
        done.set_value();
    });
    done.get_future().wait();
}

} // namespace zmtp::patterns
