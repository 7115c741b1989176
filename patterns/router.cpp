// SPDX-License-Identifier: MIT
#include "patterns/router.hpp"

#include "zmtp/socket_error.hpp"

namespace zmtp::patterns {

router_pattern::router_pattern(pattern_host& host, bool use_identities)
    : pattern(host), use_identities_(use_identities), mandatory_(host.options().router_mandatory)
{
}

void router_pattern::options_changed(const socket_options& o)
{
    mandatory_.store(o.router_mandatory, std::memory_order_relaxed);
}

bool router_pattern::sync_send() const noexcept
{
    return mandatory_.load(std::memory_order_relaxed);
}

void router_pattern::detach(pipe& p)
{
    table_.remove(p);
    fq_.detach(p);
}

void router_pattern::attach(pipe& p)
{
    fq_.attach(p);
    // connect_routing_id: routable from connect() on, under the given id.
    if (!p.given_id().empty() && p.routing_id().empty())
        table_.assign(p, p.given_id(), false);
}

void router_pattern::connected(pipe& p)
{
    if (!p.given_id().empty() && !p.routing_id().empty())
        return; // known by the id we gave it, whatever it announces
    const std::string wanted = !p.given_id().empty() ? p.given_id()
                               : use_identities_     ? p.peer().identity
                                                     : std::string();
    table_.assign(p, wanted, host_.options().router_handover);
}

void router_pattern::writable(pipe&, std::size_t)
{
    host_.writable();
}

std::error_code router_pattern::send(zmtp::message& m)
{
    const bool mandatory = host_.options().router_mandatory;
    // libzmq: a first frame without MORE (a lone id) is ignored.
    if (m.size() < 2)
        return {};
    pipe* p = table_.find(m.front().view());
    if (p == nullptr)
        return mandatory ? make_error_code(socket_error::host_unreachable) : std::error_code{};
    if (!p->can_write()) {
        if (mandatory)
            return socket_error::would_block;
        p->count_drop();
        m.clear();
        return {};
    }
    m.pop_front();
    p->write(std::move(m));
    return {};
}

bool router_pattern::recv(zmtp::message& m)
{
    pipe* from = nullptr;
    while (fq_.recv(m, &from)) {
        if (from->routing_id().empty())
            continue; // its peer is gone: nobody could be answered
        m.push_front(zmtp::frame(from->routing_id()));
        return true;
    }
    return false;
}

} // namespace zmtp::patterns
