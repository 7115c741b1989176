// SPDX-License-Identifier: MIT
#include "patterns/context_impl.hpp"

#include "patterns/socket_core.hpp"

#include <algorithm>

namespace zmtp::patterns {

context_impl::context_impl(int threads)
    : own_(std::make_unique<asio::io_context>(std::max(threads, 1))),
      io_(own_.get()),
      external_(false)
{
    work_.emplace(io_->get_executor());
    running_ = std::max(threads, 1);
    for (int i = 0; i < std::max(threads, 1); ++i)
        threads_.emplace_back([this] {
            io_->run();
            std::lock_guard lock(mutex_);
            --running_;
            cv_.notify_all();
        });
}

context_impl::context_impl(asio::io_context& external) : io_(&external), external_(true) {}

context_impl::~context_impl()
{
    shutdown();
}

void context_impl::register_socket(const std::shared_ptr<socket_core>& s)
{
    std::lock_guard lock(mutex_);
    // Forget sockets that are gone, so the list does not grow without bound.
    std::erase_if(sockets_, [](const auto& w) { return w.expired(); });
    sockets_.push_back(s);
}

void context_impl::socket_finished(const socket_core* s)
{
    std::lock_guard lock(mutex_);
    std::erase_if(sockets_, [s](const auto& w) {
        auto p = w.lock();
        return !p || p.get() == s;
    });
    cv_.notify_all();
}

void context_impl::shutdown()
{
    std::vector<std::shared_ptr<socket_core>> open;
    {
        std::lock_guard lock(mutex_);
        if (shut_down_)
            return;
        shut_down_ = true;
        for (auto& w : sockets_)
            if (auto p = w.lock())
                open.push_back(std::move(p));
    }
    if (!external_) {
        // Close what is still open; each socket lingers as configured.
        for (auto& s : open)
            s->close();
        open.clear();
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] {
            return std::all_of(sockets_.begin(), sockets_.end(),
                               [](const auto& w) { return w.expired(); });
        });
        // Let the threads finish what is queued -- cancelled timers, posted
        // cleanups -- so that every handler releases what it holds; stopping
        // at once would strand them, and the sockets they keep alive, in
        // the io_context for good. A handler that never ends is cut short.
        work_.reset();
        if (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return running_ == 0; }))
            io_->stop();
        lock.unlock();
        for (auto& t : threads_)
            if (t.joinable())
                t.join();
    }
}

} // namespace zmtp::patterns
