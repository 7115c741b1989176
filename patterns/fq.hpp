// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `fq`: where PULL, DEALER, ROUTER, REP, SUB ... take the next message
    from -- fair queueing over the pipes that hold messages.

    One whole message per pipe per turn; pipes with messages sit in the
    active prefix.
*/

#include "patterns/pipe.hpp"

#include <vector>

namespace zmtp::patterns {

class fq {
public:
    void attach(pipe& p);
    void detach(pipe& p);
    /// The pipe received a message (call on every arrival; cheap when already active).
    void activated(pipe& p);

    /// Takes the next message in fair order; `from` receives its pipe.
    bool recv(zmtp::message& m, pipe** from = nullptr);
    bool has_in() const noexcept { return active_ != 0; }
    std::size_t size() const noexcept { return pipes_.size(); }
    bool contains(const pipe& p) const noexcept { return p.fq_slot_ != pipe::npos; }

private:
    void swap_slots(std::size_t a, std::size_t b);

    std::vector<pipe*> pipes_;
    std::size_t active_ = 0;
    std::size_t current_ = 0;
};

} // namespace zmtp::patterns
