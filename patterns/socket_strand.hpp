// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `socket_strand`: where a socket's state lives, and how other threads get
    there.

    Everything a socket owns -- sessions, pipes, the pattern, listeners,
    parked operations -- is touched only on the socket's strand: the plain
    io_context executor when the context has a single thread (one thread is
    already a strand), a strand of it otherwise. There is no mutex on the
    data path; application threads hand work over (send_handoff,
    recv_handoff) or, for rare calls (bind, options), run it on the strand
    and wait (run_sync).
*/

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

    const asio::any_io_executor& executor() const noexcept { return executor_; }
    /// True on the thread running the strand now.
    bool on_strand() const noexcept;
    /// True on any thread running the socket's io_context (a strand or not).
    bool on_io_thread() const noexcept { return io_executor_.running_in_this_thread(); }

    /// Runs `fn` on the strand and waits for it (inline when already there).
    void run_sync(const std::function<void()>& fn) const;

    /** Ties posted work to its owner's lifetime: work posted through
        post_alive() runs only if `owner` is still alive then. */
    void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
    const std::weak_ptr<void>& owner() const noexcept { return owner_; }

    /// Posts `fn` to the strand; it runs only if the owner is still alive.
    template <class Fn>
    void post_alive(Fn&& fn) const;

private:
    asio::any_io_executor executor_;
    std::optional<asio::strand<asio::io_context::executor_type>> strand_;
    asio::io_context::executor_type io_executor_;
    std::weak_ptr<void> owner_;
};

} // namespace zmtp::patterns

#include <asio/post.hpp>

template <class Fn>
void zmtp::patterns::socket_strand::post_alive(Fn&& fn) const
{
    asio::post(executor_, [w = owner_, fn = std::forward<Fn>(fn)]() mutable {
        if (auto keep = w.lock())
            fn();
    });
}
