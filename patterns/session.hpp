// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `session`: one peer of a socket -- its pipe, its engine, and, for a
    connecting socket, its connector.

    A connecting session exists from connect() to disconnect(); its pipe
    outlives each TCP connection, so queued messages wait for the next one.
    An accepted session lives as long as its connection; when the connection
    ends, messages already received stay readable, and the session goes away
    once they have been read.

    What the engine delivers goes into the pipe, and what happens to the
    pipe goes to the pattern (pipe_events); what happens to the connection
    goes to the socket (session_host).
*/

#include "patterns/inproc_registry.hpp"
#include "patterns/pipe.hpp"
#include "transport/connector.hpp"
#include "transport/engine.hpp"
#include "transport/inproc_engine.hpp"
#include "zmtp/socket_options.hpp"

#include <asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace zmtp::patterns {

class pipe_events;
class session_host;

/// The connector settings (reconnection, TCP) of a socket's options.
transport::connector_options connector_options_of(const socket_options& o);
/// What an inproc peer learns of the socket `host` (its READY, in effect).
transport::inproc_side inproc_side_of(const session_host& host);

class session final : public transport::engine_owner {
public:
    /** `endpoint` is the connect() string, or the bound endpoint that
        accepted; `listener` the id of the listener that accepted (0 when
        connecting). */
    session(session_host& host, pipe_events& pattern, std::uint64_t id, std::string endpoint,
            bool connecting, std::uint64_t listener);
    ~session();

    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Connecting side: creates the pipe and starts connecting.
    void start_connect(const transport::endpoint& ep);
    /// Connecting side of `inproc://name`: creates the pipe and connects
    /// now, or when the name is bound; ec: incompatible_socket_type.
    void start_connect_inproc(const std::string& name, std::error_code& ec);
    /// Runs an engine over a connected or accepted stream.
    void adopt(transport::any_stream&& stream, std::string remote);
    /// Runs an inproc connection's engine (either side).
    void adopt_inproc(std::shared_ptr<transport::inproc_engine> e);
    /// Stops connecting and closes the connection (no events); the pipe leaves the pattern.
    void stop();

    // Called by the pipe.
    void notify_outbound();
    /// The inbound queue fell to the low-water mark: resume the engine (deferred).
    void resume_reading();
    /// The inbound queue became empty.
    void pipe_emptied();
    /// The socket is closing and lingers: output moves now if it can.
    void release_output()
    {
        if (engine_)
            engine_->release_output();
    }
    /// The application took an inbound message (inproc flow control).
    void message_consumed(bool queue_empty)
    {
        if (engine_)
            engine_->consumed(queue_empty);
    }
    /// Sends a subscription to the peer, if connected (SUB/XSUB).
    void send_subscription(bool subscribe, std::span<const std::byte> topic);
    /** Drops the current connection with `reason` (a peer past a limit the
        pattern enforces); events and reconnection follow as for any loss. */
    void drop_connection(std::error_code reason);

    /// Unique within its socket, never reused.
    std::uint64_t id() const noexcept { return id_; }
    pipe* get_pipe() noexcept { return pipe_.get(); }
    bool connecting() const noexcept { return connecting_; }
    /// True while a connection is up with its handshake done.
    bool connected() const noexcept { return engine_ != nullptr && ready_; }
    const std::string& endpoint() const noexcept { return endpoint_; }
    /// The listener that accepted this session (0 when connecting).
    std::uint64_t listener() const noexcept { return listener_; }
    /// True when nothing is waiting to be written (for linger).
    bool output_idle() const noexcept;
    /// True once the connection has ended and the session only drains its inbound queue.
    bool terminated() const noexcept { return terminated_; }

    /// Messages it left, if counted by the socket among departed peers whose
    /// messages wait to be read (0: not counted).
    std::size_t lingering = 0;

private:
    // transport::engine_owner
    void on_engine_auth(transport::engine& e, const zmtp::auth_request& r) override;
    void on_engine_ready(transport::engine& e) override;
    bool on_engine_message(transport::engine& e, zmtp::message&& m) override;
    bool on_engine_subscription(transport::engine& e, bool subscribe, zmtp::frame topic) override;
    void on_engine_batch_end(transport::engine& e) override;
    void pull_outbound(transport::engine& e, zmtp::connection& conn, zmtp::write_batch& batch,
                       std::size_t max_bytes) override;
    std::size_t take_outbound(transport::engine& e, std::vector<zmtp::message>& out,
                              std::size_t max_messages) override;
    void on_engine_drained(transport::engine& e) override;
    void on_engine_closed(transport::engine& e, std::error_code reason) override;

    void make_pipe();
    /// Registers (again) to connect to inproc_name_.
    void connect_inproc(std::error_code& ec);
    /// The inproc connection ended: connect again later.
    void retry_inproc(std::error_code reason);

    session_host& host_;
    pipe_events& pattern_;
    std::uint64_t id_;
    std::string endpoint_;
    bool connecting_;
    std::uint64_t listener_;
    std::unique_ptr<pipe> pipe_;
    std::shared_ptr<transport::engine> engine_;
    std::shared_ptr<transport::connector> connector_;
    // inproc connecting side: the name, the registration, the retry delay
    std::string inproc_name_;
    std::shared_ptr<inproc_registry::connecter> inproc_connecter_;
    std::unique_ptr<asio::steady_timer> inproc_retry_;
    bool ready_ = false;       // current engine finished its handshake
    zmtp::message_properties props_; // attached to each message (secured sockets)
    bool terminated_ = false;  // accepted session whose connection ended
    bool attached_ = false;    // pipe is part of the pattern
};

} // namespace zmtp::patterns
