// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `send_handoff`: how a message gets from the caller of send() to the
    pattern, which routes it on the socket's strand.

    @par Theory of operation
    - A sender on the strand (an async_send, a coroutine on the socket's
      executor) routes the message at once.
    - A sender on another thread takes one unit of send *credit* -- an
      atomic count of the free slots (and bytes) in the pipes the pattern
      routes to, kept up to date by the pattern through pattern_host --
      pushes the message into a bounded lock-free queue, and posts a drain
      to the strand only if none is pending: one strand turn carries many
      messages. With no credit, a blocking send sleeps until the strand adds
      some: this is how "PUSH blocks until a PULL connects" works. Patterns
      that drop rather than block (PUB, ROUTER) take no credit.
    - A message that comes alone (send_pace.hpp), from a thread that finds
      the socket free, is routed on that thread, and written there too if
      its connection is idle (same-thread I/O: no thread woken).
    - Patterns whose sends can fail on the strand (ROUTER with
      router_mandatory) route on the strand and wait for the outcome.
    - A credited message that finds no room after all (its pipe went away
      meanwhile) waits in the backlog, in order, ahead of everything else:
      the credit it was paid with bounds the backlog.
    - Async senders that cannot complete are parked, in order, until room
      comes.
*/

#include "patterns/detail/mpmc_queue.hpp"
#include "patterns/detail/ring.hpp"
#include "patterns/detail/send_pace.hpp"
#include "patterns/detail/waiter.hpp"
#include "patterns/parked_ops.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_options.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>

namespace zmtp::patterns {

class pattern;

class send_handoff {
public:
    using clock = std::chrono::steady_clock;
    using send_op = zmtp::detail::async_op<std::error_code>;

    send_handoff(socket_strand& strand, pattern& pat, const std::atomic<bool>& closing,
                 bool byte_limited);

    //------------------------------------------------------------------------
    // Any thread

    /** Sends `m` (consumed on success), waiting for room up to `deadline`;
        `deadline` = time_point::min() never waits. */
    bool send(zmtp::message& m, clock::time_point deadline, std::error_code& ec);
    /// Wakes every blocked sender (the socket is closing).
    void wake_all() noexcept { waiter_.notify(); }
    /// True if a send now would not wait (credit, or a pattern that never blocks).
    bool writable_now() const noexcept { return !closing() && (!blocks_ || has_credit()); }
    /// Signal `r` whenever credit or queue space comes (before the socket is shared).
    void also_signal(detail::readiness* r) noexcept { waiter_.also_signal(r); }

    //------------------------------------------------------------------------
    // Strand

    /// An async_send: completes now if it can, else parks in order.
    void start_async(zmtp::message m, std::unique_ptr<send_op> op);
    /** The pattern's room changed by `n` messages and `bytes` bytes (blocking
        patterns); when it grows, waiting messages and senders move on. */
    void add_credit(std::int64_t n, std::int64_t bytes);
    /// A pattern that drops rather than blocks has room again.
    void writable();
    /// Closing: routes what the queue still holds, fails the parked senders.
    void close();
    /// True when no credited message waits for room (closing waits for it).
    bool idle() const noexcept { return backlog_.empty(); }
    /// Drops what waits for room (the close is over).
    void clear() noexcept { backlog_.clear(); }

private:
    static bool is_nonblocking(clock::time_point deadline) noexcept
    {
        if (deadline == clock::time_point::max())
            return false;
        return deadline == clock::time_point::min() || deadline <= clock::now();
    }
    bool on_strand() const noexcept { return strand_.on_strand(); }
    bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }

    // Owning the socket (a handler, or an application thread that took it).
    /// Routes now if there is room; would_block otherwise.
    bool send_owned(zmtp::message& m, std::error_code& ec);
    /// Drains the queue; false if messages stay in it (behind the backlog).
    bool queue_drained();

    // Any thread.
    bool send_queued(zmtp::message& m, clock::time_point deadline, std::error_code& ec);
    bool send_sync(zmtp::message& m, clock::time_point deadline, std::error_code& ec);
    /// Takes credit for one message of `bytes` bytes; false if there is none.
    bool try_take_credit(std::size_t bytes) noexcept;
    bool has_credit() const noexcept;
    void ensure_queue();
    void post_drain();

    // Strand.
    /** Hands `m` to the pattern. With `may_backlog`, a message that finds no
        room waits in the backlog (and counts as sent). */
    bool route(zmtp::message& m, std::error_code& ec, bool may_backlog);
    void drain_queue();
    /// Moves what waits (the backlog, then parked senders) on, while there is room.
    void pump();
    void flush_backlog();
    void serve_parked();

    socket_strand& strand_;
    pattern& pattern_;
    const std::atomic<bool>& closing_;
    const bool blocks_;       // the pattern blocks when full (takes credit)
    const bool byte_limited_; // sndhwm_bytes was set at creation

    // Strand state.
    detail::ring<zmtp::message> backlog_; // credited sends that found no room
    parked_ops<zmtp::message> parked_;    // async senders waiting for room
    bool pumping_ = false;
    bool pump_again_ = false;

    // Shared with application threads.
    // Send credit: free message slots (and free bytes, with a byte HWM) in the
    // pipes we route to, minus sends paid for but not yet routed.
    std::atomic<std::int64_t> credit_{0};
    std::atomic<std::int64_t> byte_credit_{0};
    std::atomic<bool> drain_posted_{false};
    detail::send_pace pace_;
    // Created on first use by a thread other than the strand: sockets used
    // only from coroutines on their own executor never pay for it.
    std::unique_ptr<detail::mpmc_queue<zmtp::message>> queue_;
    std::once_flag queue_once_;
    std::atomic<bool> queue_ready_{false};
    detail::waiter waiter_; // credit or queue space
};

} // namespace zmtp::patterns
