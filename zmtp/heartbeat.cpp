// SPDX-License-Identifier: MIT
#include "zmtp/heartbeat.hpp"

#include "zmtp/error.hpp"

#include <algorithm>

namespace zmtp {

heartbeat::heartbeat(const options& o, time_point now) noexcept
    : opts_(o),
      // libzmq reads the TTL as a 16-bit count of deciseconds: cap it there.
      ttl_ds_(static_cast<std::uint16_t>(std::clamp<std::int64_t>(o.ttl.count() / 100, 0, 655))),
      last_rx_(now)
{
    if (opts_.timeout.count() < 0)
        opts_.timeout = opts_.ivl;
    if (opts_.handshake_ivl.count() > 0)
        handshake_deadline_ = now + opts_.handshake_ivl;
}

void heartbeat::handshake_done(time_point now) noexcept
{
    ready_ = true;
    handshake_deadline_ = never;
    if (opts_.ivl.count() > 0)
        next_ping_ = now + opts_.ivl;
}

void heartbeat::peer_ping(std::uint16_t ttl_ds) noexcept
{
    // In 32 bits: libzmq's 16-bit millisecond arithmetic wraps above 655 ds
    // (libzmq#4226).
    peer_ttl_ = milliseconds(std::uint32_t{ttl_ds} * 100u);
}

heartbeat::time_point heartbeat::deadline() const noexcept
{
    time_point d = handshake_deadline_;
    if (!ready_)
        return d;
    d = std::min(d, next_ping_);
    d = std::min(d, ping_deadline_);
    if (peer_ttl_.count() > 0)
        d = std::min(d, last_rx_ + peer_ttl_);
    return d;
}

heartbeat::action heartbeat::on_timer(time_point now) noexcept
{
    if (now >= handshake_deadline_) {
        error_ = error::handshake_timeout;
        return action::fail;
    }
    if (!ready_)
        return action::none;
    // Traffic since our PING disarms its timeout, as in libzmq.
    if (ping_deadline_ != never && last_rx_ > ping_sent_)
        ping_deadline_ = never;
    if (ping_deadline_ != never && now >= ping_deadline_) {
        error_ = error::heartbeat_timeout;
        return action::fail;
    }
    // The peer's PING announces how long it may go without hearing from
    // us; libzmq applies that TTL to the peer's own silence too, and so do
    // we (any inbound byte restarts it).
    if (peer_ttl_.count() > 0 && now >= last_rx_ + peer_ttl_) {
        error_ = error::heartbeat_timeout;
        return action::fail;
    }
    if (opts_.ivl.count() > 0 && now >= next_ping_) {
        if (ping_deadline_ == never && opts_.timeout.count() > 0) {
            ping_sent_ = now;
            ping_deadline_ = now + opts_.timeout;
        }
        next_ping_ = now + opts_.ivl;
        return action::send_ping;
    }
    return action::none;
}

} // namespace zmtp
