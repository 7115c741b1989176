// SPDX-License-Identifier: MIT
#include "patterns/dealer.hpp"

#include "patterns/error.hpp"
#include "patterns/session.hpp"
#include "patterns/socket_core.hpp"

namespace zmtp::patterns {

void dealer_pattern::attach(pipe& p)
{
    // RFC 31: PAIR "SHALL not accept further connections" once it has a peer.
    if (single_ && (lb_.size() != 0 || fq_.size() != 0)) {
        core_.reject(p);
        return;
    }
    lb_.attach(p);
    fq_.attach(p);
    resync_credit(p);
}

void dealer_pattern::resync_credit(pipe& p, std::int64_t prepaid, std::int64_t prepaid_bytes)
{
    // The socket's send credit is the sum of the free slots of the pipes we
    // route to, minus the sends already paid for but not yet routed. With a
    // byte high-water mark one message can close a pipe entirely, so the
    // pipe's count is resynchronised rather than adjusted by one.
    const bool routed = p.lb_slot != pipe::npos;
    const std::size_t now = routed ? p.free_slots() : 0;
    const std::size_t room = routed ? p.byte_room() : 0;
    const auto delta = static_cast<std::int64_t>(now) - static_cast<std::int64_t>(p.credited);
    const auto delta_bytes =
        static_cast<std::int64_t>(room) - static_cast<std::int64_t>(p.credited_bytes);
    p.credited = now;
    p.credited_bytes = room;
    core_.add_credit(delta + prepaid, delta_bytes + prepaid_bytes);
}

void dealer_pattern::drop_output(pipe& p)
{
    if (p.lb_slot == pipe::npos)
        return;
    lb_.detach(p);
    resync_credit(p);
}

void dealer_pattern::detach(pipe& p)
{
    drop_output(p);
    fq_.detach(p);
}

void dealer_pattern::terminated(pipe& p)
{
    drop_output(p); // what it already delivered can still be read
}

void dealer_pattern::writable(pipe& p, std::size_t)
{
    if (p.lb_slot == pipe::npos)
        return;
    if (p.can_write())
        lb_.activated(p);
    resync_credit(p);
}

pipe* dealer_pattern::send_lb(zmtp::message& m, std::size_t paid_bytes)
{
    if (lb_.next() == nullptr)
        return nullptr;
    pipe& p = lb_.send(std::move(m));
    // The sender paid one message and its bytes of credit for this one.
    resync_credit(p, 1, static_cast<std::int64_t>(paid_bytes));
    return &p;
}

pipe* dealer_pattern::send_lb_connected_first(zmtp::message& m, std::size_t paid_bytes)
{
    lb_.select([](pipe& p) { return p.owner().connected(); });
    return send_lb(m, paid_bytes);
}

std::error_code dealer_pattern::send(zmtp::message& m)
{
    if (send_lb(m, m.bytes()) == nullptr)
        return socket_error::would_block;
    return {};
}

} // namespace zmtp::patterns
