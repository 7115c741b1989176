// SPDX-License-Identifier: MIT
#pragma once

/** @file
    PUSH: round-robin to the peers with room; blocks when none has room.

    It is a DEALER without a receive side: RFC 30 gives PUSH the same
    outgoing rules (round-robin over peers with room, never discard).

    @see RFC 30/PIPELINE
*/

#include "patterns/dealer.hpp"

namespace zmtp::patterns {

class push_pattern final : public dealer_pattern {
public:
    explicit push_pattern(pattern_host& host) : dealer_pattern(host, false) {}

    bool can_recv() const noexcept override { return false; }
};

} // namespace zmtp::patterns
