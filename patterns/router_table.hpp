// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `router_table`: routing ids to pipes, for ROUTER and REP.

    A peer's id is the `Identity` it announced in READY, or, when it sent
    none (or one already taken), a generated one: 5 bytes, 0x00 then a
    32-bit big-endian counter from a random start -- the format libzmq
    uses, and RFC 37 reserves ids starting with 0x00 for it.
*/

#include "patterns/pipe.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>

namespace zmtp::patterns {

class router_table {
public:
    router_table() : next_(static_cast<std::uint32_t>(std::random_device{}())) {}

    /** Gives `p` its routing id: `wanted` if non-empty and free (or taken
        over when `handover`), else a generated one. Returns the pipe that
        lost the id to a handover, if any. */
    pipe* assign(pipe& p, const std::string& wanted, bool handover = false);
    /// Forgets `p`; with `keep_id` the pipe keeps its id string (to label
    /// messages it already delivered) but can no longer be routed to.
    void remove(pipe& p, bool keep_id = false);
    pipe* find(std::string_view id) const;

private:
    std::string generate();

    std::unordered_map<std::string, pipe*> map_;
    std::uint32_t next_;
};

} // namespace zmtp::patterns
