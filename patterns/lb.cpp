// SPDX-License-Identifier: MIT
#include "patterns/lb.hpp"

#include <utility>

namespace zmtp::patterns {

void lb::swap_slots(std::size_t a, std::size_t b)
{
    std::swap(pipes_[a], pipes_[b]);
    pipes_[a]->lb_slot = a;
    pipes_[b]->lb_slot = b;
}

void lb::attach(pipe& p)
{
    p.lb_slot = pipes_.size();
    pipes_.push_back(&p);
    if (p.can_write())
        activated(p);
}

void lb::activated(pipe& p)
{
    if (p.lb_slot == pipe::npos || p.lb_slot < active_)
        return;
    swap_slots(p.lb_slot, active_);
    ++active_;
}

void lb::deactivate(pipe& p)
{
    if (p.lb_slot >= active_)
        return;
    --active_;
    swap_slots(p.lb_slot, active_);
    if (current_ >= active_)
        current_ = 0;
}

void lb::detach(pipe& p)
{
    if (p.lb_slot == pipe::npos)
        return;
    deactivate(p);
    // Now outside the active prefix: move it to the end and drop it.
    swap_slots(p.lb_slot, pipes_.size() - 1);
    pipes_.pop_back();
    p.lb_slot = pipe::npos;
}

pipe& lb::send(zmtp::message&& m)
{
    pipe& p = *pipes_[current_];
    p.write(std::move(m));
    if (!p.can_write()) {
        deactivate(p);
    } else {
        // RFC 30: "SHALL route outgoing messages to available peers using a
        // round-robin strategy."
        current_ = (current_ + 1) % active_;
    }
    return p;
}

std::size_t lb::free_slots() const noexcept
{
    std::size_t n = 0;
    for (const pipe* p : pipes_)
        n += p->free_slots();
    return n;
}

} // namespace zmtp::patterns
