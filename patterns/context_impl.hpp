// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `context_impl`: what a zmtp::context owns -- the io_context, its threads,
    and the list of sockets still open on it.
*/

#include "patterns/inproc_registry.hpp"
#include "zmtp/authenticator.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace zmtp::patterns {

class socket_core;

class context_impl {
public:
    explicit context_impl(int threads);
    explicit context_impl(asio::io_context& external);
    ~context_impl();

    asio::io_context& io() noexcept { return *io_; }
    /// True when exactly one thread of ours runs the io_context: sockets
    /// then need no strand (the thread is one).
    bool single_threaded() const noexcept { return !external_ && threads_.size() == 1; }

    /// The context's inproc:// names.
    inproc_registry& inproc() noexcept { return inproc_; }

    void set_authenticator(std::shared_ptr<zmtp::authenticator> a)
    {
        std::lock_guard lock(mutex_);
        authenticator_ = std::move(a);
    }
    std::shared_ptr<zmtp::authenticator> get_authenticator()
    {
        std::lock_guard lock(mutex_);
        return authenticator_;
    }

    void register_socket(const std::shared_ptr<socket_core>& s);
    /// Called by a socket when its close has finished.
    void socket_finished(const socket_core* s);
    /// Closes every open socket and waits for them to finish; then stops the threads.
    void shutdown();

private:
    inproc_registry inproc_;
    std::unique_ptr<asio::io_context> own_;
    asio::io_context* io_;
    bool external_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::shared_ptr<zmtp::authenticator> authenticator_; // guarded by mutex_
    std::condition_variable cv_;
    std::vector<std::weak_ptr<socket_core>> sockets_;
    bool shut_down_ = false;
    int running_ = 0; // threads still inside io_context::run()
};

} // namespace zmtp::patterns
