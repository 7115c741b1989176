// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `socket_strand`: where a socket's state lives, and how threads get
    there.

    Everything a socket owns -- sessions, pipes, the pattern, listeners,
    parked operations -- is touched by one thread at a time, its owner
    (socket_owner.hpp has the rules): the I/O thread running one of the
    socket's handlers, through the socket's executor; or an application
    thread inside send() or recv() that took ownership to do the work
    itself. The handlers run on the plain io_context executor when the
    context has a single thread (one thread is already a strand), on a
    strand of it otherwise. There is no mutex on the data path.
*/

#include "patterns/socket_owner.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace zmtp::patterns {

class socket_strand {
public:
    /// `single_threaded`: the io_context has one thread, which serialises everything.
    socket_strand(asio::io_context& io, bool single_threaded);

    /// The socket's executor: its handlers run on it, owning the socket.
    const asio::any_io_executor& executor() const noexcept { return executor_; }
    socket_owner& owner() noexcept { return *owner_; }
    const std::shared_ptr<socket_owner>& owner_ptr() const noexcept { return owner_; }

    /// True if this thread owns the socket now: it may touch its state.
    bool on_strand() const noexcept { return owner_->held_here(); }
    /** True if a blocking call here would wait for this very thread: on
        the context's only thread, or on the socket's strand. */
    bool would_deadlock() const noexcept;
    /// True on any thread running the socket's io_context.
    bool on_io_thread() const noexcept { return io_executor_.running_in_this_thread(); }

    /// Runs `fn` owning the socket (waiting for ownership; for rare calls).
    void run_sync(const std::function<void()>& fn);

    /** Ties posted work to its owner's lifetime: work posted through
        post_alive() runs only if `lifetime` is still alive then. */
    void set_lifetime(std::weak_ptr<void> lifetime) { lifetime_ = std::move(lifetime); }
    const std::weak_ptr<void>& lifetime() const noexcept { return lifetime_; }

    /// Posts `fn` to the socket's executor; it runs only if the socket is still alive.
    template <class Fn>
    void post_alive(Fn&& fn) const;

private:
    asio::io_context::executor_type io_executor_;
    std::optional<asio::strand<asio::io_context::executor_type>> strand_;
    std::shared_ptr<socket_owner> owner_;
    asio::any_io_executor executor_;
    std::weak_ptr<void> lifetime_;
};

} // namespace zmtp::patterns

#include <asio/post.hpp>

template <class Fn>
void zmtp::patterns::socket_strand::post_alive(Fn&& fn) const
{
    asio::post(executor_, [w = lifetime_, fn = std::forward<Fn>(fn)]() mutable {
        if (auto keep = w.lock())
            fn();
    });
}
