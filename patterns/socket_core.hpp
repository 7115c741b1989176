// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `socket_core`: the state of one socket, living on the socket's strand.

    @par Theory of operation
    Everything a socket owns -- sessions, pipes, the pattern, listeners,
    connectors, parked asynchronous operations -- is touched only on the
    socket's strand (the plain io_context executor when the context has a
    single thread, which is already a strand). There is no mutex on the data
    path.

    Application threads reach the strand through two bounded lock-free
    queues, in batches rather than a hop per message:

    - send: the caller takes one unit of send *credit* (an atomic count of
      free slots in the pipes, kept by the pattern), pushes the message into
      the send queue, and posts a drain job only if none is pending. With no
      credit a blocking send sleeps until the strand adds some: this is how
      "PUSH blocks until a PULL connects" works. Patterns that drop instead
      of blocking (PUB, ROUTER) use no credit.
    - recv: the strand moves messages, in the pattern's fair order, into the
      receive queue while the application has asked for more; the caller
      pops them and asks again when the queue runs low.

    Code already running on the strand (a coroutine on the socket's
    executor, an event handler) bypasses both queues and calls the pattern
    directly: no thread hop at all.
*/

#include "patterns/context.hpp"
#include "patterns/detail/async_op.hpp"
#include "patterns/detail/mpmc_queue.hpp"
#include "patterns/detail/ring.hpp"
#include "patterns/detail/waiter.hpp"
#include "patterns/options.hpp"
#include "patterns/pattern.hpp"
#include "patterns/socket_event.hpp"
#include "transport/engine.hpp"
#include "transport/listener.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zmtp::patterns {

namespace detail {
class context_impl;
}
class session;

class socket_core : public std::enable_shared_from_this<socket_core> {
public:
    using clock = std::chrono::steady_clock;
    using recv_op = detail::async_op<std::error_code, zmtp::message>;
    using send_op = detail::async_op<std::error_code>;
    using event_op = detail::async_op<std::error_code, socket_event>;
    using event_handler = std::function<void(const socket_event&)>;

    socket_core(std::shared_ptr<detail::context_impl> ctx, zmtp::socket_type type,
                socket_options opts);
    ~socket_core();

    /// Registers with the context; call once after construction.
    void start();

    //------------------------------------------------------------------------
    // Entry points for the public API (any thread)

    std::string bind(std::string_view ep, std::error_code& ec);
    void connect(std::string_view ep, std::error_code& ec);
    void unbind(std::string_view ep, std::error_code& ec);
    void disconnect(std::string_view ep, std::error_code& ec);

    /** Sends `m` (consumed on success). `deadline` = now means non-blocking. */
    bool send(zmtp::message& m, clock::time_point deadline, std::error_code& ec);
    /** Receives into `m`. `deadline` = now means non-blocking. */
    bool recv(zmtp::message& m, clock::time_point deadline, std::error_code& ec);

    void start_async_send(zmtp::message m, std::unique_ptr<send_op> op);
    void start_async_recv(std::unique_ptr<recv_op> op);
    void start_async_event(std::unique_ptr<event_op> op);

    using wait_op = detail::async_op<std::error_code>;
    /** Completes `op` once `ready()` (evaluated on the strand) is true: now,
        or after a later handshake, disconnection or subscription. */
    void start_async_wait(std::function<bool()> ready, std::unique_ptr<wait_op> op);
    /// Peers whose handshake is complete and whose connection is up (strand only).
    std::size_t ready_peers() const noexcept { return ready_peers_; }
    /// Re-evaluates parked waits (strand only).
    void check_waits();

    /** Begins closing: no new sends; queued messages get `linger` to go out.
        `done` (optional) runs on the strand when the close has finished. */
    void close(std::function<void()> done = {});
    /// Closes and waits for the close to finish (not on the socket's own thread).
    void close_and_wait();
    bool is_closed() const noexcept { return closing_.load(std::memory_order_acquire); }

    socket_options get_options();
    void set_options(const socket_options& o);
    /// sndtimeo / rcvtimeo, readable from any thread.
    std::chrono::milliseconds send_timeout() const noexcept
    {
        return std::chrono::milliseconds(sndtimeo_ms_.load(std::memory_order_relaxed));
    }
    std::chrono::milliseconds recv_timeout() const noexcept
    {
        return std::chrono::milliseconds(rcvtimeo_ms_.load(std::memory_order_relaxed));
    }
    void set_event_handler(event_handler h);
    std::string last_endpoint();

    /// Runs `fn` on the strand and waits for it (inline when already there).
    void run_sync(const std::function<void()>& fn);

    const asio::any_io_executor& executor() const noexcept { return executor_; }
    bool on_strand() const noexcept;
    zmtp::socket_type type() const noexcept { return type_; }

    //------------------------------------------------------------------------
    // Strand side: services for sessions and patterns

    const socket_options& options() const noexcept { return opts_; }
    pattern& pat() noexcept { return *pattern_; }
    transport::engine_options engine_options() const;
    transport::connector_options connector_options() const;

    /** Adjusts the send credit (blocking patterns) by `n` messages and
        `bytes` bytes; wakes senders when it rises. */
    void add_credit(std::int64_t n, std::int64_t bytes = 0);
    /// A pipe has room again (non-credit patterns): wake senders that wait for it.
    void notify_writable();
    /// Turns a pipe's peer away (PAIR's second peer).
    void reject(pipe& p);
    /// req_relaxed, readable from any thread (REQ's front end).
    bool req_relaxed() const noexcept { return req_relaxed_.load(std::memory_order_relaxed); }
    /// Messages arrived (end of an engine's read batch): serve receivers.
    void on_incoming();
    void emit(socket_event::kind k, std::string endpoint, std::error_code reason = {});

    void session_attached(session& s);   // pipe joins the pattern
    void session_connected(session& s);  // handshake done (again)
    void session_disconnected();         // a ready connection ended
    void session_terminated(session& s); // accepted session lost its connection
    void session_drained(session& s);    // terminated session has nothing left to read
    void session_output_idle();          // a writer went idle (linger check)
    void listener_accepted(const void* origin, std::string bound, transport::any_stream&& s,
                           std::string remote);

private:
    /// Deadlines min() and max() (try_ and untimed calls) need no clock reading.
    static bool is_nonblocking(clock::time_point deadline) noexcept
    {
        if (deadline == clock::time_point::max())
            return false;
        return deadline == clock::time_point::min() || deadline <= clock::now();
    }
    void ensure_queues();
    /// True once an application thread has created the queues (any thread).
    bool queues_ready() const noexcept { return queues_ready_.load(std::memory_order_acquire); }
    void post_drain();
    void drain_send_queue();
    /** Hands `m` to the pattern. With `may_backlog`, a message that finds no
        room waits in the backlog (and counts as sent). */
    bool route(zmtp::message& m, std::error_code& ec, bool may_backlog);
    void flush_backlog();
    bool send_sync(zmtp::message& m, clock::time_point deadline, std::error_code& ec);
    bool send_queued(zmtp::message& m, clock::time_point deadline, std::error_code& ec);
    /// Takes credit for one message of `bytes` bytes (any thread); false if there is none.
    bool try_take_credit(std::size_t bytes) noexcept;
    bool has_credit() const noexcept;
    bool take_received(zmtp::message& m, std::error_code& ec);
    /// Pops from the hand-off queue (any thread), keeping its byte count.
    bool pop_received(zmtp::message& m);
    bool next_message(zmtp::message& m);
    void request_refill();
    void refill();
    void serve_async_receivers();
    void serve_async_senders();
    void finish_close();
    void check_linger();
    void remove_session(session* s);
    void post_remove_session(session& s);
    void do_bind(std::string_view ep, std::string& bound, std::error_code& ec);
    /// Pauses or resumes accepting as departed peers' unread messages pile up or drain.
    void check_departed();
    void do_connect(std::string_view ep, std::error_code& ec);

    std::shared_ptr<detail::context_impl> ctx_;
    zmtp::socket_type type_;
    socket_options opts_;
    asio::any_io_executor executor_;
    std::optional<asio::strand<asio::io_context::executor_type>> strand_;
    asio::io_context::executor_type io_executor_;
    std::unique_ptr<pattern> pattern_;
    bool blocks_on_send_;

    // Strand state.
    std::list<std::unique_ptr<session>> sessions_;
    std::uint64_t next_session_id_ = 1;
    struct bound_listener {
        std::string requested;
        std::string bound;
        std::shared_ptr<transport::listener> listener;
    };
    std::vector<bound_listener> listeners_;
    std::string last_endpoint_;
    std::deque<std::unique_ptr<recv_op>> recv_ops_;
    std::deque<std::pair<zmtp::message, std::unique_ptr<send_op>>> send_ops_;
    std::deque<std::unique_ptr<event_op>> event_ops_;
    std::vector<std::pair<std::function<bool()>, std::unique_ptr<wait_op>>> wait_ops_;
    std::size_t ready_peers_ = 0;
    // Accepted peers that left messages behind, not yet read: each is
    // bounded by the receive HWM, their number by pausing the listeners.
    std::size_t departed_ = 0;
    std::size_t departed_messages_ = 0;
    bool accept_paused_ = false;
    std::deque<socket_event> events_;
    event_handler event_handler_;
    detail::ring<zmtp::message> backlog_; // credited sends that found no room
    detail::ring<zmtp::message> recv_stash_; // taken from the pattern, not yet queued
    std::uint64_t next_op_id_ = 1;
    bool recv_demand_ = false;
    std::optional<asio::steady_timer> linger_timer_;
    std::vector<std::function<void()>> close_done_;
    bool close_started_ = false;
    bool serving_senders_ = false;
    bool finished_ = false;

    // Shared with application threads.
    std::atomic<bool> closing_{false};
    std::atomic<std::int64_t> sndtimeo_ms_{-1};
    std::atomic<std::int64_t> rcvtimeo_ms_{-1};
    std::atomic<bool> req_relaxed_{false};
    // Send credit: free message slots (and free bytes, with a byte HWM) in the
    // pipes we route to, minus sends paid for but not yet routed.
    std::atomic<std::int64_t> credit_{0};
    std::atomic<std::int64_t> byte_credit_{0};
    bool byte_limited_ = false; // sndhwm_bytes set at creation
    std::atomic<bool> drain_posted_{false};
    std::atomic<bool> refill_posted_{false};
    std::unique_ptr<detail::mpmc_queue<zmtp::message>> send_queue_;
    std::unique_ptr<detail::mpmc_queue<zmtp::message>> recv_queue_;
    // The hand-off queue counts against the receive HWMs: refill() stops at
    // min(capacity, rcvhwm) messages and, once rcvhwm_bytes has been set, at
    // rcvhwm_bytes queued bytes, so a reader that stops reading lets the pipe
    // fill and the engine pause.
    // Receive chunks kept alive by the hand-off queue, and its bytes, since
    // the queue was last seen empty (strand only).
    std::size_t handoff_pinned_ = 0;
    std::size_t handoff_bytes_ = 0;
    const zmtp::detail::block* handoff_last_block_ = nullptr;
    std::atomic<std::size_t> recv_refill_below_{1};
    std::atomic<bool> recv_count_bytes_{false};
    std::atomic<std::int64_t> recv_queued_bytes_{0};
    std::once_flag queues_once_;
    std::atomic<bool> queues_ready_{false};
    detail::waiter send_waiter_; // credit or send-queue space
    detail::waiter recv_waiter_; // messages in the receive queue
};

} // namespace zmtp::patterns
