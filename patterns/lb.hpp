// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `lb`: where PUSH, DEALER, REQ and PAIR choose the peer of each message --
    round-robin over the pipes that have room.

    Pipes with room sit at the front of the array (the "active" prefix); a
    pipe that fills up is swapped out of the prefix and comes back when its
    writer drains it. Whole messages are routed, so the turn always advances
    at a message boundary.

    lb also keeps the total room of its pipes, in messages and bytes: the
    socket's send credit, which lets an application thread know whether a
    send can go through without asking the socket's strand. Each change is
    collected and handed out by take_credit_change().
*/

#include "patterns/pipe.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace zmtp::patterns {

class lb {
public:
    void attach(pipe& p);
    void detach(pipe& p);
    /// The pipe may have room again (its writer took messages).
    void activated(pipe& p);

    /// The pipe whose turn it is, or null if none has room.
    pipe* next() noexcept { return active_ ? pipes_[current_] : nullptr; }
    /// Routes `m` to next() and passes the turn on. Precondition: next() != nullptr.
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
    bool contains(const pipe& p) const noexcept { return p.lb_slot_ != pipe::npos; }

    /** How much the pipes' room (messages, bytes) changed since the last
        call; the caller adds it to the socket's send credit. */
    std::pair<std::int64_t, std::int64_t> take_credit_change() noexcept
    {
        return {std::exchange(credit_change_, 0), std::exchange(byte_credit_change_, 0)};
    }

private:
    void deactivate(pipe& p);
    void swap_slots(std::size_t a, std::size_t b);
    /// Brings the room counted for `p` up to date (none once detached).
    void recount(pipe& p);

    std::vector<pipe*> pipes_;
    std::size_t active_ = 0;
    std::size_t current_ = 0;
    std::int64_t credit_change_ = 0;
    std::int64_t byte_credit_change_ = 0;
};

} // namespace zmtp::patterns
