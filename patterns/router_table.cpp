// SPDX-License-Identifier: MIT
#include "patterns/router_table.hpp"

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
    if (!wanted.empty()) {
        auto it = map_.find(wanted);
        if (it == map_.end()) {
            id = wanted;
        } else if (handover) {
            displaced = it->second;
            displaced->routing_id.clear();
            map_.erase(it);
            id = wanted;
        }
    }
    if (id.empty())
        id = generate();
    p.routing_id = id;
    map_.emplace(std::move(id), &p);
    return displaced;
}

void router_table::remove(pipe& p, bool keep_id)
{
    if (p.routing_id.empty())
        return;
    auto it = map_.find(p.routing_id);
    if (it != map_.end() && it->second == &p)
        map_.erase(it);
    if (!keep_id)
        p.routing_id.clear();
}

pipe* router_table::find(std::string_view id) const
{
    auto it = map_.find(std::string(id));
    return it == map_.end() ? nullptr : it->second;
}

} // namespace zmtp::patterns
