// SPDX-License-Identifier: MIT
#include "patterns/socket_strand.hpp"

#include "patterns/socket_executor.hpp"

#include <asio/post.hpp>

#include <future>

namespace zmtp::patterns {

socket_strand::socket_strand(asio::io_context& io, bool single_threaded)
    : io_executor_(io.get_executor())
{
    if (single_threaded) {
        owner_ = std::make_shared<socket_owner>(io_executor_);
        executor_ = socket_executor<asio::io_context::executor_type>(io_executor_, owner_);
    } else {
        strand_.emplace(asio::make_strand(io));
        owner_ = std::make_shared<socket_owner>(*strand_);
        executor_ = socket_executor<asio::strand<asio::io_context::executor_type>>(*strand_, owner_);
    }
}

bool socket_strand::would_deadlock() const noexcept
{
    return strand_ ? strand_->running_in_this_thread() : io_executor_.running_in_this_thread();
}

void socket_strand::run_sync(const std::function<void()>& fn)
{
    if (owner_->held_here()) {
        fn();
        return;
    }
    if (would_deadlock()) {
        // A handler of another socket, on the thread our handlers need:
        // waiting for a post would never end. Take the socket here (an
        // owner never waits while it owns, so this ends).
        owner_->enter();
        struct leave_on_exit {
            socket_owner& o;
            ~leave_on_exit() { o.leave(); }
        } guard{*owner_};
        fn();
        return;
    }
    // On the socket's own executor, so that what fn() reports (events)
    // reaches the application where handlers always run.
    std::promise<void> done;
    asio::post(executor_, [&] {
        fn();
        done.set_value();
    });
    done.get_future().wait();
}

} // namespace zmtp::patterns
