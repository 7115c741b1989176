// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `engine`: drives one `zmtp::connection` over one connected stream.

    @par Theory of operation
    An engine runs a read loop and a write loop on its owner's executor
    (the socket's strand), so neither needs a lock:

    - read: `async_read_some` into `connection::prepare()`, `commit(n)`, then
      drain `next_event()`, handing messages and subscriptions to the owner.
      When the owner's receive queue is full the engine stops draining and
      stops reading (TCP back-pressure) until `resume_reading()`.
    - write: when notified that output is waiting, the engine posts one write
      job; by the time it runs, many messages are usually queued, and it pulls
      as many as fit one batch from the owner and writes them with a single
      gather write. Control output (greeting, READY, PONG, PING, ERROR,
      subscriptions) goes first in each batch, at message boundaries.
    - one timer serves the handshake deadline and, once the handshake is done,
      the heartbeats; when to PING and when to give up is decided by
      zmtp::heartbeat (zmtp/heartbeat.hpp), which the engine feeds with the
      time of every read.

    The engine is a template over its stream (basic_engine.hpp), so that
    tests can run it over a stream of their own.

    The owner sees exactly one `on_engine_closed`, after which the engine
    never calls it again.
*/

#include "transport/stream.hpp"
#include "zmtp/connection.hpp"

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace zmtp::transport {

class engine;

/** Timing and batching settings of an engine. */
struct engine_options {
    zmtp::connection_options connection;
    /// Deadline for greeting + handshake; 0 = none. libzmq's default is 30 s.
    std::chrono::milliseconds handshake_ivl{30000};
    /// Interval between PINGs; 0 = no heartbeats (libzmq's default).
    std::chrono::milliseconds heartbeat_ivl{0};
    /// Silence after a PING that drops the connection; negative = heartbeat_ivl.
    std::chrono::milliseconds heartbeat_timeout{-1};
    /// TTL announced in our PINGs (the peer drops us after this much silence).
    std::chrono::milliseconds heartbeat_ttl{0};
    /// Upper bound of bytes gathered into one write.
    std::size_t max_batch_bytes = 512 * 1024;
};

/** Implemented by whoever owns an engine (a socket's session). All calls
    arrive on the engine's executor. */
class engine_owner {
public:
    /// The handshake completed; engine.peer() is valid.
    virtual void on_engine_ready(engine& e) = 0;
    /** The peer showed its credentials to a server mechanism: decide, now
        or later, with e.authenticate(). The default accepts. */
    virtual void on_engine_auth(engine& e, const zmtp::auth_request& request);
    /** A whole message arrived. Return false when no further message can be
        accepted for now: the engine pauses until resume_reading(). */
    virtual bool on_engine_message(engine& e, zmtp::message&& m) = 0;
    /** A SUBSCRIBE/CANCEL arrived (PUB and XPUB only). Return false, as for
        a message, when no further input can be accepted for now. */
    virtual bool on_engine_subscription(engine& e, bool subscribe, zmtp::frame topic) = 0;
    /// The events of one read have all been delivered.
    virtual void on_engine_batch_end(engine& e) = 0;
    /** The writer can take messages: move up to `max_bytes` worth into
        `batch` through `conn.encode()`. */
    virtual void pull_outbound(engine& e, zmtp::connection& conn, zmtp::write_batch& batch,
                               std::size_t max_bytes) = 0;
    /** The in-process writer can take messages: move up to `max_messages`
        of them, whole, onto the end of `out`; returns how many. */
    virtual std::size_t take_outbound(engine& e, std::vector<zmtp::message>& out,
                                      std::size_t max_messages) = 0;
    /// A write completed and the writer is idle with nothing more to send.
    virtual void on_engine_drained(engine& e) = 0;
    /** The connection ended. `reason` is eof for a clean close by the peer,
        a zmtp::error for protocol and timer failures, or a system error. */
    virtual void on_engine_closed(engine& e, std::error_code reason) = 0;

protected:
    ~engine_owner() = default;
};

/** One ZMTP connection over a stream. Create with make_engine(). */
class engine : public std::enable_shared_from_this<engine> {
public:
    virtual ~engine() = default;

    /// Starts the loops: sends the greeting, reads, arms the handshake timer.
    virtual void start() = 0;
    /// The owner has queued output (or wants control output flushed).
    virtual void notify_outbound() = 0;
    /// The owner can accept messages again after returning false.
    virtual void resume_reading() = 0;
    /** Closes the connection now. The owner gets no on_engine_closed for a
        close it asked for. */
    virtual void close() = 0;
    /** Closes the connection on a fresh turn, and reports it to the owner
        through on_engine_closed(`reason`) like any failure (a peer that
        broke a limit the owner enforces, say). */
    virtual void abort(std::error_code reason) = 0;
    /// Stops calling the owner (its lifetime is ending); implies close().
    virtual void detach() = 0;

    /** The owner's decision on the peer's credentials (after
        on_engine_auth). Ignored once the connection is gone. */
    virtual void authenticate(const zmtp::auth_reply& reply) { (void)reply; }
    /** Why the handshake failed, in the peer's or the authenticator's words:
        the ZAP status ("400") of a refusal either way, or the reason text of
        the peer's ERROR; empty if neither. */
    virtual std::string failure_detail() const { return {}; }

    /// Queue a subscription (PUB/SUB wire form chosen for the peer's version).
    virtual void send_subscription(bool subscribe, std::span<const std::byte> topic) = 0;

    /** True when the engine needs to hear of every message the application
        takes (consumed()): an in-process connection's flow control, where
        no kernel buffer stands between the two queues. */
    virtual bool counts_consumption() const noexcept { return false; }
    /** The application took a message this engine delivered; `queue_empty`
        when none is left queued. Only when counts_consumption(). */
    virtual void consumed(bool queue_empty) { (void)queue_empty; }
    /** The owner is closing and lingers: an in-process connection moves
        all its output now, beyond the peer's credit, so that what was sent
        stays readable after the close (the sum of both high-water marks,
        as libzmq's shared inproc pipe holds). A stream has nothing to do. */
    virtual void release_output() {}

    virtual const zmtp::peer_info& peer() const noexcept = 0;
    virtual bool is_ready() const noexcept = 0;
    /// True while a write is in progress or output is waiting.
    virtual bool is_busy_writing() const noexcept = 0;
    /// "tcp://addr:port" or "ipc://path" of the remote end, for events.
    virtual const std::string& remote() const noexcept = 0;

    /// Messages received and sent, for statistics.
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
};

/** Creates an engine over a connected stream. The stream's executor must be
    the owner's executor (the socket's strand). */
std::shared_ptr<engine> make_engine(any_stream&& stream, const engine_options& opts,
                                    engine_owner& owner, std::string remote);

} // namespace zmtp::transport
