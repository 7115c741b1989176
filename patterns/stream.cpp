// SPDX-License-Identifier: MIT
#include "patterns/stream.hpp"

#include "zmtp/socket_error.hpp"

namespace zmtp::patterns {

void stream_pattern::attach(pipe& p)
{
    fq_.attach(p);
    // Routable from the start (a connecting peer can be written to before
    // its connection is up): by the id connect_routing_id gave, or a new one.
    table_.assign(p, p.given_id(), false);
}

void stream_pattern::connected(pipe& p)
{
    if (p.routing_id().empty())
        table_.assign(p, p.given_id(), false);
    up_.insert(&p);
    announce(p);
}

void stream_pattern::announce(const pipe& p)
{
    if (!host_.options().stream_notify)
        return;
    zmtp::message m{zmtp::frame(p.routing_id())};
    m.push_back(zmtp::frame());
    notices_.push_back(std::move(m));
    host_.readable();
}

void stream_pattern::announce_gone(pipe& p)
{
    if (up_.erase(&p) != 0)
        announce(p);
}

void stream_pattern::detach(pipe& p)
{
    // After everything the peer sent was read: its end comes last.
    announce_gone(p);
    table_.remove(p);
    fq_.detach(p);
}

void stream_pattern::writable(pipe&, std::size_t)
{
    host_.writable();
}

std::error_code stream_pattern::send(zmtp::message& m)
{
    // libzmq: [routing id, data], nothing else.
    if (m.size() != 2)
        return socket_error::invalid_argument;
    pipe* p = table_.find(m.front().view());
    if (p == nullptr)
        return socket_error::host_unreachable;
    if (m[1].size() == 0) {
        // [id, empty]: close that connection (its end is announced as usual).
        host_.reject(*p, socket_error::closed);
        m.clear();
        return {};
    }
    if (!p->can_write())
        return socket_error::would_block;
    m.pop_front();
    p->write(std::move(m));
    return {};
}

bool stream_pattern::recv(zmtp::message& m)
{
    if (!notices_.empty()) {
        m = notices_.pop_front();
        return true;
    }
    pipe* from = nullptr;
    while (fq_.recv(m, &from)) {
        if (from->routing_id().empty())
            continue;
        m.push_front(zmtp::frame(from->routing_id()));
        return true;
    }
    return false;
}

} // namespace zmtp::patterns
