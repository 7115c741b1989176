// SPDX-License-Identifier: MIT
#pragma once

/** @file
    PUSH: round-robin to the peers with room; blocks when none has room.

    @see RFC 30/PIPELINE
*/

#include "patterns/lb.hpp"
#include "patterns/pattern.hpp"

namespace zmtp::patterns {

class push_pattern final : public pattern {
public:
    using pattern::pattern;

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void writable(pipe& p, std::size_t freed) override;
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message&) override { return false; }
    bool can_recv() const noexcept override { return false; }

private:
    lb lb_;
};

} // namespace zmtp::patterns
