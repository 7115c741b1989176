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
    core_.add_credit(static_cast<std::int64_t>(p.free_slots()));
}

void dealer_pattern::drop_output(pipe& p)
{
    if (p.lb_slot == pipe::npos)
        return;
    const auto free = static_cast<std::int64_t>(p.free_slots());
    lb_.detach(p);
    core_.add_credit(-free);
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

void dealer_pattern::writable(pipe& p, std::size_t freed)
{
    if (p.lb_slot == pipe::npos)
        return;
    lb_.activated(p);
    core_.add_credit(static_cast<std::int64_t>(freed));
}

pipe* dealer_pattern::send_lb(zmtp::message& m)
{
    if (lb_.next() == nullptr)
        return nullptr;
    return &lb_.send(std::move(m));
}

pipe* dealer_pattern::send_lb_connected_first(zmtp::message& m)
{
    lb_.select([](pipe& p) { return p.owner().connected(); });
    return send_lb(m);
}

std::error_code dealer_pattern::send(zmtp::message& m)
{
    if (send_lb(m) == nullptr)
        return socket_error::would_block;
    return {};
}

} // namespace zmtp::patterns
