// SPDX-License-Identifier: MIT
#include "patterns/push.hpp"

#include "patterns/error.hpp"
#include "patterns/socket_core.hpp"

namespace zmtp::patterns {

void push_pattern::attach(pipe& p)
{
    lb_.attach(p);
    core_.add_credit(static_cast<std::int64_t>(p.free_slots()));
}

void push_pattern::detach(pipe& p)
{
    if (p.lb_slot == pipe::npos)
        return;
    const auto free = static_cast<std::int64_t>(p.free_slots());
    lb_.detach(p);
    core_.add_credit(-free);
}

void push_pattern::writable(pipe& p, std::size_t freed)
{
    if (p.lb_slot == pipe::npos)
        return;
    lb_.activated(p);
    core_.add_credit(static_cast<std::int64_t>(freed));
}

std::error_code push_pattern::send(zmtp::message& m)
{
    // RFC 30: "SHALL NOT discard messages that it cannot queue" -- with no
    // peer that has room, the caller waits (or is told would_block).
    if (lb_.next() == nullptr)
        return socket_error::would_block;
    lb_.send(std::move(m));
    return {};
}

} // namespace zmtp::patterns
