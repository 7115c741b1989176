// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::socket_options`: one plain struct, with libzmq's meanings and
    defaults except where noted (linger, reconnect backoff, size limits).
    Set a whole struct at creation or with socket::set_options(), or one
    field at a time with socket::set().
*/

#include "zmtp/curve_keys.hpp"
#include "zmtp/limits.hpp"
#include "zmtp/metadata.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>

namespace zmtp {

using std::chrono::milliseconds;

/** Options of a socket. Set them before bind/connect; changes apply to
    connections made afterwards. */
struct socket_options {
    /// Messages queued per peer for sending before the peer counts as full; 0 = no limit.
    std::size_t sndhwm = 1000;
    /// Messages queued per peer on receipt before reading from it pauses; 0 = no limit.
    std::size_t rcvhwm = 1000;
    /** Bytes queued per peer for sending before the peer counts as full;
        0 = no limit (ours; libzmq counts messages only). Applies with
        sndhwm: a peer is full when either is reached. */
    std::size_t sndhwm_bytes = 0;
    /// Bytes queued per peer on receipt before reading from it pauses; 0 = no limit.
    std::size_t rcvhwm_bytes = 0;
    /** How long close() keeps trying to deliver queued messages. libzmq's
        default is infinite, which hangs programs at exit; ours is 2 s.
        Negative = forever, 0 = drop at once. */
    milliseconds linger{2000};
    /// Blocking send timeout; negative = forever (libzmq's -1).
    milliseconds sndtimeo{-1};
    /// Blocking recv timeout; negative = forever.
    milliseconds rcvtimeo{-1};
    /// First reconnect delay (plus random jitter of up to the same); negative = never reconnect.
    milliseconds reconnect_ivl{100};
    /** Cap of the exponential reconnect backoff. libzmq's default (0) means no
        backoff; ours doubles the delay up to 5 s, and resets after a handshake. */
    milliseconds reconnect_ivl_max{5000};
    /// Greeting + handshake deadline; 0 = none.
    milliseconds handshake_ivl{30000};
    /// PING interval; 0 = no heartbeats.
    milliseconds heartbeat_ivl{0};
    /// Silence after a PING that drops the connection; negative = heartbeat_ivl.
    milliseconds heartbeat_timeout{-1};
    /// TTL announced in PINGs (at most 65.5 s, libzmq's limit).
    milliseconds heartbeat_ttl{0};
    /** Identity sent in READY (REQ, DEALER, ROUTER): 0..255 bytes, not
        starting with 0x00 (reserved for generated ids); another value is refused
        with socket_error::invalid_argument. */
    std::string routing_id;
    /// Extra READY properties.
    zmtp::metadata metadata;
    /// Frame, message and command size limits applied to every peer.
    zmtp::limits limits;
    /// SO_KEEPALIVE: -1 = OS default, 0 = off, 1 = on; and its parameters.
    int tcp_keepalive = -1;
    int tcp_keepalive_cnt = -1;
    int tcp_keepalive_idle = -1;
    int tcp_keepalive_intvl = -1;
    /// listen() backlog.
    int backlog = 100;
    /** bind() adopts this descriptor, a socket already bound and listening
        (of the endpoint's kind: tcp or ipc), instead of making one
        (libzmq's ZMQ_USE_FD); -1 = make one. The socket owns it from then. */
    int use_fd = -1;
    /// SO_SNDBUF / SO_RCVBUF of TCP connections, bytes; -1 = OS default.
    int sndbuf = -1;
    int rcvbuf = -1;
    /// IP_TOS of TCP connections (DSCP and ECN bits); -1 = OS default.
    int tos = -1;
    /** SO_BINDTODEVICE: TCP connections and listeners use only this network
        interface ("eth0", a VRF); empty = any. At most 15 characters. The
        kernel may demand CAP_NET_RAW: bind() then fails, and connect()
        attempts fail and are retried, with the system's error. */
    std::string bindtodevice;
    /// TCP_USER_TIMEOUT: unacknowledged data older than this drops the connection; 0 = OS default.
    milliseconds tcp_maxrt{0};
    /// A TCP connect not done within this fails and is retried (after reconnect_ivl); 0 = the OS's.
    milliseconds connect_timeout{0};

    // Queueing options (libzmq's names and meanings).
    /** Keep only the latest message: in the inbound queue (a new one
        replaces what is unread) and in each outbound queue (a send replaces
        what is not yet written; sends then never block). For PUSH, PULL,
        PUB, SUB and DEALER with single-frame messages, as in libzmq. */
    bool conflate = false;
    /** Queue messages only to connections that are up: a connect() does
        not create a queue until its handshake completes, and a lost
        connection's queue is dropped, so sends go to (or wait for) peers
        that are there. */
    bool immediate = false;
    /** ROUTER, DEALER, REQ: send an empty message to every new peer as
        soon as its connection is up (a ROUTER peer learns our routing id). */
    bool probe_router = false;
    /** ROUTER: the routing id of the peer the next connect() reaches, in
        place of the one it announces; it can be sent to at once (messages
        queue until the connection is up). Consumed by that connect(). */
    std::string connect_routing_id;
    /// STREAM: announce each connection and disconnection with [id, empty].
    bool stream_notify = true;
    /// XPUB: a message sent to every new subscriber as it connects (empty = none).
    std::string xpub_welcome_msg;
    /** PUB, XPUB, SUB, XSUB: a message goes to the subscribers whose
        subscriptions do NOT match it (set it on both sides, as in libzmq). */
    bool invert_matching = false;

    // Pattern options (libzmq's names and meanings).
    /// REQ: allow a new request before the reply to the last one arrived.
    bool req_relaxed = false;
    /// REQ: prefix requests with a 4-byte id and drop replies that do not echo it.
    bool req_correlate = false;
    /// ROUTER: report unroutable sends (host_unreachable) and full peers (would_block).
    bool router_mandatory = false;
    /// ROUTER: a new peer with an identity in use takes the identity over.
    bool router_handover = false;
    /// XPUB: deliver every subscription, duplicates included.
    bool xpub_verbose = false;
    /// XPUB: deliver every unsubscription too.
    bool xpub_verboser = false;
    /// XPUB: block (or fail with would_block) instead of dropping at the HWM.
    bool xpub_nodrop = false;
    /** XPUB: subscriptions are not applied by themselves: every one (and
        every cancel) is received by the application, which applies what it
        wants with xpub_socket::subscribe() / unsubscribe() -- for the peer
        whose message it received last. */
    bool xpub_manual = false;
    /** PUB/XPUB (ours): what one subscriber's subscriptions may cost, each
        counted as its topic's size plus `subscription_overhead` bytes (the
        publisher's bookkeeping). A peer that subscribes past it is
        disconnected with socket_error::subscription_limit. 0 = no limit
        (libzmq has none). 8 MiB is about 60 000 short topics. */
    std::size_t max_subscription_bytes = std::size_t{8} << 20;
    static constexpr std::size_t subscription_overhead = 128;

    // REQ recovery (ours; wire-compatible with any REP or ROUTER).
    /** REQ: when the connection that carried the outstanding request is lost
        (closed by the peer, or a heartbeat timeout), recv() fails at once
        with socket_error::request_lost instead of waiting for a reply that
        cannot come; the socket is ready to send again. */
    bool req_fail_on_disconnect = false;
    /** REQ lazy-pirate mode: if no reply arrives within this time, or the
        connection carrying the request is lost, the request is sent again
        (to the reconnected peer or another one), up to req_retries times;
        then recv() fails with socket_error::retries_exhausted. Implies
        req_correlate, so a late reply to an earlier attempt is discarded.
        0 = off. Requests may thus be handled more than once: at-least-once
        delivery, so handlers must be idempotent. */
    milliseconds req_timeout{0};
    /// REQ lazy-pirate mode: resends after the first attempt.
    int req_retries = 3;

    // Security (README "Security"; libzmq's ZMQ_PLAIN_* / ZMQ_CURVE_* / ZMQ_ZAP_DOMAIN).
    /** PLAIN server: each client's user name and password go to the
        context's authenticator (zmtp/authenticator.hpp); without one,
        every client is refused, as libzmq does without a ZAP handler. */
    bool plain_server = false;
    /// PLAIN client: a non-empty user name makes the socket a PLAIN client (at most 255 bytes).
    std::string plain_username;
    /// PLAIN client's password (at most 255 bytes). Sent in clear: PLAIN authenticates, it does not encrypt.
    std::string plain_password;
    /** CURVE server: needs curve_secretkey (without one, every handshake
        fails with error::missing_credentials). Each client's long-term public
        key goes to the authenticator; without one, any key is accepted
        (encrypted, not authenticated -- libzmq's behaviour). */
    bool curve_server = false;
    /** CURVE: this socket's long-term key pair (zmtp::parse_curve_key
        reads the 40-character Z85 form). A client without one uses a
        fresh pair per socket; a missing public key is derived from the
        secret one. */
    std::optional<curve_key> curve_publickey;
    std::optional<curve_key> curve_secretkey;
    /// CURVE client: the server's long-term public key; setting it makes the socket a CURVE client.
    std::optional<curve_key> curve_serverkey;
    /** The ZAP domain passed to the authenticator. On a NULL socket, a
        non-empty domain makes it ask the authenticator too (libzmq's rule). */
    std::string zap_domain;

    /// Checks the values no socket can use; socket_error::invalid_argument if one is wrong.
    std::error_code validate() const;
};

} // namespace zmtp
