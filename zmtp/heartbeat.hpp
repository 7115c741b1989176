// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::heartbeat`: when a connection must send a PING, and when it must
    give up on its peer -- the handshake deadline and RFC 37's heartbeats
    as a sans-IO timer plan.

    @par Theory of operation
    It reads no clock: the caller passes the time in. Feed it what happens
    (input arrived, the handshake completed, the peer's PING announced a
    TTL); ask deadline() when to call on_timer() next, and do what
    on_timer() says: nothing, send a PING, or drop the connection.

    - handshake: the greeting and handshake must complete within
      `handshake_ivl` of the start (0 = no limit), else handshake_timeout.
    - after the handshake, with `ivl` > 0, a PING goes out every `ivl`,
      announcing `ttl` (RFC 37: "a time-to-live in tenths of a second";
      libzmq reads it as 16 bits, so it is capped at 655 deciseconds).
    - no input within `timeout` of a PING we sent drops the connection
      (heartbeat_timeout); any input disarms that timeout, as in libzmq.
    - the peer's PINGs announce its TTL: no input for that long drops the
      connection too.
*/

#include <chrono>
#include <cstdint>
#include <system_error>

namespace zmtp {

class heartbeat {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;
    using milliseconds = std::chrono::milliseconds;

    struct options {
        /// Deadline for greeting + handshake; 0 = none.
        milliseconds handshake_ivl{30000};
        /// Interval between our PINGs; 0 = no heartbeats.
        milliseconds ivl{0};
        /// Silence after a PING that drops the connection; negative = ivl.
        milliseconds timeout{-1};
        /// TTL announced in our PINGs.
        milliseconds ttl{0};
    };

    /// What on_timer() asks the caller to do.
    enum class action {
        none,      ///< nothing (a timer fired early, or was superseded)
        send_ping, ///< queue a PING with ttl_ds()
        fail,      ///< drop the connection with error()
    };

    /// Starts the handshake deadline at `now`.
    heartbeat(const options& o, time_point now) noexcept;

    /// Input arrived at `now` (any byte counts as liveness).
    void input(time_point now) noexcept { last_rx_ = now; }
    /// The handshake completed at `now`: the first PING is due after `ivl`.
    void handshake_done(time_point now) noexcept;
    /// The peer's PING announced `ttl_ds` deciseconds (0 = none).
    void peer_ping(std::uint16_t ttl_ds) noexcept;

    /// When on_timer() must be called next; time_point::max() = never.
    time_point deadline() const noexcept;
    /// Called at (or after) deadline().
    action on_timer(time_point now) noexcept;

    /// The TTL to put in the PING that on_timer() asked for, in deciseconds.
    std::uint16_t ttl_ds() const noexcept { return ttl_ds_; }
    /// Why on_timer() said fail: handshake_timeout or heartbeat_timeout.
    std::error_code error() const noexcept { return error_; }

private:
    static constexpr time_point never = time_point::max();

    options opts_;
    std::uint16_t ttl_ds_;
    bool ready_ = false;
    time_point last_rx_;
    time_point handshake_deadline_ = never;
    time_point next_ping_ = never;
    time_point ping_sent_{};
    time_point ping_deadline_ = never;
    milliseconds peer_ttl_{0};
    std::error_code error_;
};

} // namespace zmtp
