// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `lb`: round-robin over the pipes that have room (PUSH, DEALER, REQ).

    Pipes with room sit at the front of the array (the "active" prefix); a
    pipe that fills up is swapped out of the prefix and comes back when its
    writer drains it. Whole messages are routed, so the turn always advances
    at a message boundary.
*/

#include "patterns/pipe.hpp"

#include <vector>

namespace zmtp::patterns {

class lb {
public:
    void attach(pipe& p);
    void detach(pipe& p);
    /// The pipe has room again.
    void activated(pipe& p);

    /// The pipe whose turn it is, or null if none has room.
    pipe* next() noexcept { return active_ ? pipes_[current_] : nullptr; }
    /// Routes `m` to next(). Precondition: next() != nullptr.
    pipe& send(zmtp::message&& m);
    /** Makes the first pipe with room that satisfies `pred`, in round-robin
        order, the next one; returns it, or null (the turn is unchanged). */
    template <class Pred>
    pipe* select(Pred pred)
    {
        for (std::size_t i = 0; i < active_; ++i) {
            const std::size_t at = (current_ + i) % active_;
            if (pred(*pipes_[at])) {
                current_ = at;
                return pipes_[at];
            }
        }
        return nullptr;
    }

    bool has_room() const noexcept { return active_ != 0; }
    template <class Fn>
    void for_each(Fn&& fn)
    {
        for (pipe* p : pipes_)
            fn(*p);
    }
    std::size_t size() const noexcept { return pipes_.size(); }
    /// Sum of free slots over all pipes.
    std::size_t free_slots() const noexcept;

private:
    void deactivate(pipe& p);
    void swap_slots(std::size_t a, std::size_t b);

    std::vector<pipe*> pipes_;
    std::size_t active_ = 0;
    std::size_t current_ = 0;
};

} // namespace zmtp::patterns
