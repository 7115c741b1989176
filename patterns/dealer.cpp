// SPDX-License-Identifier: MIT
#include "patterns/dealer.hpp"

#include "zmtp/socket_error.hpp"
#include "patterns/session.hpp"

namespace zmtp::patterns {

void dealer_pattern::attach(pipe& p)
{
    // RFC 31: PAIR "SHALL not accept further connections" once it has a peer.
    // A peer that is gone (terminated: out of lb_, only its unread messages
    // left in fq_) no longer counts: refusing its successor then -- a race
    // between our cleanup and the peer's reconnect -- leaves a libzmq PAIR
    // stuck for good (it refuses its own new pipe while the old one ends).
    if (single_ && lb_.size() != 0) {
        host_.reject(p, {});
        return;
    }
    lb_.attach(p);
    fq_.attach(p);
    publish_credit();
}

void dealer_pattern::publish_credit(std::int64_t prepaid, std::int64_t prepaid_bytes)
{
    // The socket's send credit is the sum of the room of the pipes we route
    // to, minus the sends already paid for but not yet routed.
    const auto [n, bytes] = lb_.take_credit_change();
    host_.add_credit(n + prepaid, bytes + prepaid_bytes);
}

void dealer_pattern::drop_output(pipe& p)
{
    if (!lb_.contains(p))
        return;
    lb_.detach(p);
    publish_credit();
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
    if (!lb_.contains(p))
        return;
    lb_.activated(p);
    publish_credit();
}

pipe* dealer_pattern::send_lb(zmtp::message& m, std::size_t paid_bytes)
{
    if (lb_.next() == nullptr)
        return nullptr;
    pipe& p = lb_.send(std::move(m));
    // The sender paid one message and its bytes of credit for this one.
    publish_credit(1, static_cast<std::int64_t>(paid_bytes));
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
