// SPDX-License-Identifier: MIT
#pragma once

/** @file
    PULL: fair-queues messages from its peers; cannot send.

    @see RFC 30/PIPELINE
*/

#include "patterns/fq.hpp"
#include "patterns/pattern.hpp"

namespace zmtp::patterns {

class pull_pattern final : public pattern {
public:
    using pattern::pattern;

    void attach(pipe& p) override { fq_.attach(p); }
    void detach(pipe& p) override { fq_.detach(p); }
    void terminated(pipe&) override {} // keep delivering what already arrived
    void readable(pipe& p) override { fq_.activated(p); }
    std::error_code send(zmtp::message&) override;
    bool recv(zmtp::message& m) override { return fq_.recv(m); }
    bool can_send() const noexcept override { return false; }
    bool blocks_on_send() const noexcept override { return false; }

private:
    fq fq_;
};

} // namespace zmtp::patterns
