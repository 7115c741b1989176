// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `router_table`: routing ids to pipes, for ROUTER and REP.

    A peer's id is the `Identity` it announced in READY, or, when it sent
    none, a generated one: 5 bytes, 0x00 then a 32-bit big-endian counter
    from a random start -- the format libzmq uses. Ids that start with a
    zero byte are reserved for exactly this (libzmq's zmq_setsockopt manual,
    ZMQ_ROUTING_ID), so a peer announcing one is treated as anonymous: it
    cannot take over the replies meant for a generated id.

    A peer announcing an id that another connection still holds gets a
    generated id for the time being (libzmq leaves it unroutable,
    libzmq#4503), or, with `router_handover`, takes the id over. Without
    handover, the newcomer receives the id it asked for as soon as the old
    holder is gone; its generated id keeps routing to it too, so replies to
    messages it sent before are not lost.
*/

#include "patterns/pipe.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace zmtp::patterns {

class router_table {
public:
    router_table() : next_(static_cast<std::uint32_t>(std::random_device{}())) {}

    /** Gives `p` its routing id: `wanted` if valid and free (or taken over
        when `handover`), else a generated one, and `p` waits for `wanted`.
        Returns the pipe that lost the id to a handover, if any. */
    pipe* assign(pipe& p, const std::string& wanted, bool handover = false);
    /** Forgets `p`; with `keep_id` the pipe keeps its id string (to label
        messages it already delivered) but can no longer be routed to. An id
        it held goes to the first connection waiting for it. */
    void remove(pipe& p, bool keep_id = false);
    pipe* find(std::string_view id) const;

private:
    std::string generate();
    void unwait(pipe& p);
    void release_id(const std::string& id, pipe& holder);

    std::unordered_map<std::string, pipe*> map_;
    std::unordered_map<pipe*, std::string> aliases_; // generated ids kept after a promotion
    std::unordered_map<pipe*, std::string> wants_;   // the id a pipe waits for
    std::unordered_map<std::string, std::vector<pipe*>> waiters_;
    std::uint32_t next_;
};

} // namespace zmtp::patterns
