// SPDX-License-Identifier: MIT
#include "patterns/router_table.hpp"

#include <algorithm>

namespace zmtp::patterns {

std::string router_table::generate()
{
    for (;;) {
        const std::uint32_t n = next_++;
        std::string id(5, '\0');
        id[1] = static_cast<char>(n >> 24);
        id[2] = static_cast<char>(n >> 16);
        id[3] = static_cast<char>(n >> 8);
        id[4] = static_cast<char>(n);
        if (!map_.contains(id))
            return id;
    }
}

pipe* router_table::assign(pipe& p, const std::string& wanted, bool handover)
{
    remove(p);
    pipe* displaced = nullptr;
    std::string id;
    // Ids starting with a zero byte are reserved for generated ones (as in
    // libzmq): a peer claiming one stays anonymous.
    const bool valid = !wanted.empty() && wanted[0] != '\0';
    if (valid) {
        auto it = map_.find(wanted);
        if (it == map_.end()) {
            id = wanted;
        } else if (handover) {
            displaced = it->second;
            displaced->routing_id_.clear();
            map_.erase(it);
            if (auto a = aliases_.find(displaced); a != aliases_.end()) {
                map_.erase(a->second);
                aliases_.erase(a);
            }
            id = wanted;
        } else {
            wants_[&p] = wanted;
            waiters_[wanted].push_back(&p);
        }
    }
    if (id.empty())
        id = generate();
    p.routing_id_ = id;
    map_.emplace(std::move(id), &p);
    return displaced;
}

void router_table::unwait(pipe& p)
{
    auto w = wants_.find(&p);
    if (w == wants_.end())
        return;
    auto q = waiters_.find(w->second);
    if (q != waiters_.end()) {
        std::erase(q->second, &p);
        if (q->second.empty())
            waiters_.erase(q);
    }
    wants_.erase(w);
}

void router_table::release_id(const std::string& id, pipe& holder)
{
    auto it = map_.find(id);
    if (it == map_.end() || it->second != &holder)
        return;
    map_.erase(it);
    // The id is free: the first connection that asked for it gets it, and
    // keeps its generated id as an alias.
    auto q = waiters_.find(id);
    if (q == waiters_.end())
        return;
    pipe* next = q->second.front();
    q->second.erase(q->second.begin());
    if (q->second.empty())
        waiters_.erase(q);
    wants_.erase(next);
    aliases_[next] = next->routing_id_;
    next->routing_id_ = id;
    map_.emplace(id, next);
}

void router_table::remove(pipe& p, bool keep_id)
{
    unwait(p);
    if (auto a = aliases_.find(&p); a != aliases_.end()) {
        if (auto it = map_.find(a->second); it != map_.end() && it->second == &p)
            map_.erase(it);
        aliases_.erase(a);
    }
    if (p.routing_id_.empty())
        return;
    const std::string id = p.routing_id_;
    if (!keep_id)
        p.routing_id_.clear();
    release_id(id, p);
}

pipe* router_table::find(std::string_view id) const
{
    auto it = map_.find(std::string(id));
    return it == map_.end() ? nullptr : it->second;
}

} // namespace zmtp::patterns
