// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `socket_core`: one socket, behind the public zmtp::socket -- the
    coordinator of its parts.

    @par Theory of operation
    Everything a socket owns lives on its strand (socket_strand). The parts,
    each in its own file:

    - the pattern (pattern.hpp and one class per socket type): where
      messages are routed and fair-queued;
    - send_handoff: from the caller of send() to the pattern;
    - recv_handoff: from the pattern to the caller of recv();
    - session_set: the listeners and the sessions (peers), each session a
      pipe, an engine and maybe a connector;
    - socket_events: the event handler and async_next_event();
    - parked_ops: every asynchronous wait.

    socket_core keeps the options, closing and linger, and the coordination
    between the parts: the pattern sees it as its pattern_host, the
    sessions as their session_host.
*/

#include "patterns/parked_ops.hpp"
#include "patterns/pattern.hpp"
#include "patterns/pattern_host.hpp"
#include "patterns/recv_handoff.hpp"
#include "patterns/send_handoff.hpp"
#include "patterns/session_host.hpp"
#include "patterns/session_set.hpp"
#include "patterns/socket_events.hpp"
#include "patterns/socket_strand.hpp"
#include "zmtp/socket.hpp"

#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zmtp::patterns {

class context_impl;

class socket_core final : public std::enable_shared_from_this<socket_core>,
                          private pattern_host,
                          private session_host {
public:
    using clock = std::chrono::steady_clock;
    using send_op = zmtp::detail::send_op;
    using recv_op = zmtp::detail::recv_op;
    using event_op = zmtp::detail::event_op;
    using event_handler = std::function<void(const socket_event&)>;

    /// `opts` must be valid (socket_options::validate()).
    socket_core(std::shared_ptr<context_impl> ctx, zmtp::socket_type type, socket_options opts);
    ~socket_core();

    /// Registers with the context; call once, right after construction.
    void start();

    //------------------------------------------------------------------------
    // Entry points of the public API (any thread)

    std::string bind(std::string_view ep, std::error_code& ec);
    void connect(std::string_view ep, std::error_code& ec);
    void unbind(std::string_view ep, std::error_code& ec);
    void disconnect(std::string_view ep, std::error_code& ec);
    std::string last_endpoint();

    /// Sends `m` (consumed on success); `deadline` = time_point::min() never waits.
    bool send(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
    {
        return send_.send(m, deadline, ec);
    }
    /// Receives into `m`; `deadline` = time_point::min() never waits.
    bool recv(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
    {
        return recv_.recv(m, deadline, ec);
    }

    void start_async_send(zmtp::message m, std::unique_ptr<send_op> op);
    void start_async_recv(std::unique_ptr<recv_op> op);
    void start_async_event(std::unique_ptr<event_op> op);
    void start_async_wait(zmtp::detail::wait_condition c, std::unique_ptr<send_op> op);
    /** Waits for `c` up to `timeout` (negative: no limit). A wait that times
        out leaves nothing behind. */
    bool wait_until(zmtp::detail::wait_condition c, std::chrono::milliseconds timeout);
    std::size_t peer_count();
    /// The readiness descriptor (libzmq's ZMQ_FD; see detail/readiness.hpp).
    int poll_fd() { return readiness_.fd(); }
    /// poll_in / poll_out now, arming the descriptor for the next change (ZMQ_EVENTS).
    unsigned poll_events();
    /// Waits parked now (for tests: a wait that timed out leaves none).
    std::size_t parked_waits();

    socket_options get_options();
    /// Applies `change` to the options on the strand, unless the result is invalid.
    void update_options(const std::function<void(socket_options&)>& change, std::error_code& ec);
    void set_event_handler(event_handler h);
    /// Runs `fn` with the pattern, on the strand, and waits (SUB's subscribe).
    void with_pattern(const std::function<void(pattern&)>& fn);

    /** Begins closing: no new sends; queued messages get `linger` to go out.
        `done` (optional) runs on the strand when the close has finished. */
    void close(std::function<void()> done = {});
    /// Closes and waits for the close to finish (not on the socket's own thread).
    void close_and_wait();

    std::chrono::milliseconds send_timeout() const noexcept
    {
        return std::chrono::milliseconds(sndtimeo_ms_.load(std::memory_order_relaxed));
    }
    std::chrono::milliseconds recv_timeout() const noexcept
    {
        return std::chrono::milliseconds(rcvtimeo_ms_.load(std::memory_order_relaxed));
    }
    const asio::any_io_executor& executor() const noexcept override { return strand_.executor(); }
    zmtp::socket_type type() const noexcept override { return type_; }

private:
    // pattern_host and session_host
    const socket_options& options() const noexcept override { return opts_; }
    std::weak_ptr<void> lifetime() const override
    {
        return std::const_pointer_cast<socket_core>(weak_from_this().lock());
    }
    void add_credit(std::int64_t n, std::int64_t bytes) override { send_.add_credit(n, bytes); }
    void writable() override { send_.writable(); }
    void readable() override { recv_.incoming(); }
    void reject(pipe& p, std::error_code reason) override;
    void subscriptions_changed() override { check_waits(); }

    // session_host
    inproc_registry& inproc() const noexcept override;
    std::shared_ptr<transport::inproc_gate> gate() const override { return strand_.owner_ptr(); }
    bool closing() const noexcept override { return closing_.load(std::memory_order_acquire); }
    void emit(socket_event::kind k, std::string endpoint, std::error_code reason,
              std::string detail, std::string local) override
    {
        events_.emit(k, std::move(endpoint), reason, std::move(detail), std::move(local));
    }
    std::shared_ptr<zmtp::authenticator> authenticator() const override;
    void session_ready(session& s) override;
    void session_lost(session& s) override;
    void session_terminated(session& s) override { sessions_.departed(s); }
    void session_drained(session& s) override { sessions_.remove_later(s); }
    void output_idle() override { check_linger(); }
    void incoming() override { recv_.incoming(); }

    bool satisfied(const zmtp::detail::wait_condition& c);
    /// Completes the waits whose condition now holds.
    void check_waits();
    void check_linger();
    void finish_close();

    std::shared_ptr<context_impl> ctx_;
    zmtp::socket_type type_;
    socket_options opts_; // strand only
    std::atomic<bool> closing_{false};
    socket_strand strand_;
    // The parts, in the order they are built (the pattern first: the
    // others use it) and torn down (sessions first: they detach their pipes).
    std::unique_ptr<pattern> pattern_;
    detail::readiness readiness_; // signalled by both hand-offs' waiters
    send_handoff send_;
    recv_handoff recv_;
    socket_events events_;
    parked_ops<zmtp::detail::wait_condition> waits_;
    session_set sessions_;

    // Closing (strand).
    std::optional<asio::steady_timer> linger_timer_;
    std::vector<std::function<void()>> close_done_;
    /// Itself, from the start of a lingering close to its end: the socket
    /// object may be gone meanwhile (a destructor, zmq_close), and with an
    /// infinite linger no timer would hold the core.
    std::shared_ptr<socket_core> lingering_;
    bool close_started_ = false;
    bool finished_ = false;

    // Read from any thread.
    std::atomic<std::int64_t> sndtimeo_ms_{-1};
    std::atomic<std::int64_t> rcvtimeo_ms_{-1};
};

} // namespace zmtp::patterns
