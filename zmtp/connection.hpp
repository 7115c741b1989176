// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::connection`: one ZMTP peer, sans-IO.

    @par Theory of operation
    The connection owns no socket and no clock. The caller moves bytes:

    - input: `prepare()` gives a buffer to read into, `commit(n)` accounts for
      what was read, `commit_eof()` reports the end of the stream; then
      `next_event()` is called until it returns `need_more`;
    - output: `pending_output()` / `consume_output(n)` drain control bytes
      (greeting, READY, PONG, ERROR, subscriptions, PING), and
      `encode(message, batch)` appends a data message to a write batch.

    The phases are greeting -> handshake -> ready. Our whole 64-octet greeting
    is queued at construction: RFC 37 allows sending it at once, and it cannot
    deadlock against libzmq, which sends its own in three stages and waits for
    ours in between. Our READY is queued once the peer's greeting has been
    checked. The connection is ready when the peer's READY has been accepted;
    only then can data be encoded ("no data before the peer's READY": libzmq
    drops a peer that pipelines data behind its READY). Data that arrives in
    the same read as the peer's READY is decoded as data.

    After the handshake, PING is answered by queueing a PONG that echoes up
    to 16 octets of its context. A peer that sends PINGs and never reads
    cannot make the output grow: a PONG still waiting unsent is replaced by
    the newest one (libzmq likewise keeps one pending PONG), and so is a
    PING of ours. Other control output (subscriptions) is bounded by
    `limits::max_control_output`. PONG and PING are also reported so that the
    caller can run its heartbeat timers; SUBSCRIBE and CANCEL (and their
    ZMTP 3.0 form, a one-frame data message starting with 0x01 or 0x00) are
    reported to PUB and XPUB sockets; other commands are ignored, as libzmq
    does.

    The handshake runs the mechanism of `connection_options::security`
    (zmtp/handshake.hpp: NULL, PLAIN, CURVE client or server). A server
    mechanism that has the peer's credentials reports `auth_requested`
    and waits for `authenticate()`; meanwhile any command from the peer
    fails the connection. Once a CURVE handshake is done the connection is
    "sealed": every frame, commands included, is boxed and unboxed in
    place by the curve_codec (encode() writes the boxes straight into the
    write batch; received boxes are opened where they lie in the chunk).

    Every error is sticky: once `next_event` reports one, it keeps reporting it.
*/

#include "zmtp/frame_decoder.hpp"
#include "zmtp/greeting.hpp"
#include "zmtp/limits.hpp"
#include "zmtp/message.hpp"
#include "zmtp/handshake.hpp"
#include "zmtp/peer_info.hpp"
#include "zmtp/write_batch.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace zmtp {

/** How a connection presents itself. */
struct connection_options {
    socket_type type = socket_type::pair;
    /// Sent as `Identity` by REQ, DEALER and ROUTER (1..255 bytes, or empty).
    std::string routing_id;
    /// Extra READY properties (application metadata, conventionally `X-...`).
    metadata properties;
    zmtp::limits limits;
    /// The mechanism (NULL, PLAIN, CURVE), the role and the credentials.
    security_options security;
};

/// Events reported by connection::next_event().
namespace events {
struct need_more {};           ///< feed more input
struct handshake_complete {};  ///< peer() is valid; data may now flow both ways
struct message_received {      ///< a whole data message
    message msg;
};
struct subscribe {             ///< a subscription (PUB and XPUB only)
    frame topic;
};
struct cancel {                ///< a cancelled subscription (PUB and XPUB only)
    frame topic;
};
struct ping {                  ///< a PING; its PONG is already queued
    std::uint16_t ttl_ds;      ///< peer's TTL in deciseconds, 0 = none
};
struct pong {};                ///< a PONG
struct closed {};              ///< the peer ended the stream at a message boundary
/** A server mechanism needs the caller's decision on the peer's
    credentials (auth_request()); answer with authenticate(). */
struct auth_requested {};
} // namespace events

using event = std::variant<events::need_more, events::handshake_complete,
                           events::message_received, events::subscribe, events::cancel,
                           events::ping, events::pong, events::closed,
                           events::auth_requested>;

class connection {
public:
    enum class phase { greeting, handshake, ready, failed, closed };

    explicit connection(connection_options opts);

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();

    //------------------------------------------------------------------------
    // Input

    /** A writable buffer for the next read; never empty while the connection
        is open. It may be the missing part of a large frame body, so data is
        read straight into the message. */
    std::span<std::byte> prepare();

    /** True if the last prepare() returned the body of a large frame, to be
        read into directly; body_remaining() is how much of it is still to come. */
    bool reading_body() const noexcept { return direct_; }
    std::size_t body_remaining() const noexcept;
    /// Accounts for `n` bytes written into the last prepare() buffer.
    void commit(std::size_t n);

    /// Reports the end of the input stream.
    void commit_eof();

    /** The next event. On error, `ec` is set (sticky) and need_more is returned. */
    event next_event(std::error_code& ec);

    /// The credentials to decide on, after events::auth_requested.
    const zmtp::auth_request& auth_request() const noexcept { return mechanism_.request(); }
    /** The caller's decision on auth_request(). Queues the mechanism's
        next command (or the ERROR of a refusal: the connection then fails
        with error::auth_refused, after that output is written). When it
        completes the handshake, the next next_event() reports
        handshake_complete. */
    std::error_code authenticate(const zmtp::auth_reply& reply);
    /// True between events::auth_requested and authenticate().
    bool awaiting_auth() const noexcept { return awaiting_auth_; }

    //------------------------------------------------------------------------
    // Output

    /// Control bytes waiting to be written.
    std::span<const std::byte> pending_output() const noexcept
    {
        return {out_.data() + out_sent_, out_.size() - out_sent_};
    }
    /// Marks `n` control bytes as written.
    void consume_output(std::size_t n) noexcept;
    /// Moves all pending control bytes into `batch`.
    void take_output(write_batch& batch);

    /** Appends `m` to `batch`, after any pending control bytes. Fails with
        error::not_ready before the handshake is complete. */
    std::error_code encode(message&& m, write_batch& batch);

    /** Queues a subscription in the form the peer expects: a SUBSCRIBE
        command to ZMTP 3.1, a data frame `0x01 topic` to ZMTP 3.0.
        Fails with error::not_ready before the handshake is complete, and
        with error::output_backlog (sticky: the connection has failed) when
        the control output waiting for the peer would pass
        `limits::max_control_output`. */
    std::error_code send_subscribe(std::span<const std::byte> topic);
    /// As send_subscribe(), for CANCEL / `0x00 topic`.
    std::error_code send_cancel(std::span<const std::byte> topic);
    /** Queues a PING (TTL in deciseconds; context truncated to 16 octets),
        replacing one of ours that is still waiting unsent. */
    std::error_code send_ping(std::uint16_t ttl_ds, std::span<const std::byte> context = {});

    //------------------------------------------------------------------------
    // State

    phase current_phase() const noexcept { return phase_; }
    bool is_ready() const noexcept { return phase_ == phase::ready; }
    /// The peer, valid after handshake_complete.
    const peer_info& peer() const noexcept { return peer_; }
    /// The reason text of an ERROR command the peer sent.
    const std::string& peer_error_reason() const noexcept { return mechanism_.error_reason(); }
    const connection_options& options() const noexcept { return opts_; }
    std::error_code error() const noexcept { return ec_; }

private:
    event fail(std::error_code ec, std::error_code& out);
    bool on_greeting(std::error_code& ec);
    bool on_command(std::span<const std::byte> body, event& ev, std::error_code& ec);
    bool on_ready_command(const command_view& cmd, event& ev, std::error_code& ec);
    bool on_handshake_status(handshake_status st, event& ev, std::error_code& ec);
    bool on_sealed(event& ev, std::error_code& ec);
    /// Appends one command to out_, boxed in a MESSAGE once CURVE is up.
    template <class Encode>
    void emit(Encode&& encode);
    void seal_into_out(std::uint8_t flags, std::span<const std::byte> body);
    event on_message(message&& m);
    std::error_code send_subscription(bool subscribe, std::span<const std::byte> topic);
    /// A PING or PONG in out_ that no write has started on yet.
    struct queued_command {
        static constexpr std::size_t none = static_cast<std::size_t>(-1);
        std::size_t at = none;
        std::size_t len = 0;
    };
    template <class Encode>
    void queue_replacing(queued_command& mine, queued_command& other, Encode&& encode);
    void output_cleared() noexcept { pong_ = ping_ = queued_command{}; }

    connection_options opts_;
    phase phase_ = phase::greeting;
    greeting_decoder greeting_;
    handshake mechanism_;
    curve_codec* sealed_ = nullptr; // set once a CURVE handshake is done
    frame_decoder decoder_;
    message sealed_msg_;            // CURVE: frames of the message being opened
    std::size_t sealed_msg_bytes_ = 0;
    std::vector<std::byte> scratch_; // a command before it is boxed
    bool awaiting_auth_ = false;
    bool auth_at_start_ = false;     // a NULL server asked before any command
    bool complete_pending_ = false;  // authenticate() finished the handshake
    peer_info peer_;
    std::error_code ec_;

    // Input chunk: bytes [rd_, wr_) are received but not yet decoded.
    detail::block* chunk_ = nullptr;
    std::size_t chunk_size_;
    std::size_t rd_ = 0;
    std::size_t wr_ = 0;
    bool direct_ = false;     // last prepare() returned the decoder's body window
    bool eof_ = false;
    frame_decoder::status direct_done_ = frame_decoder::status::need_more; // what a direct read completed

    // Output: control bytes, [out_sent_, size) still to be written.
    std::vector<std::byte> out_;
    std::size_t out_sent_ = 0;
    queued_command pong_;
    queued_command ping_;
};

} // namespace zmtp
