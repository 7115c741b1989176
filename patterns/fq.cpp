// SPDX-License-Identifier: MIT
#include "patterns/fq.hpp"

#include <utility>

namespace zmtp::patterns {

void fq::swap_slots(std::size_t a, std::size_t b)
{
    std::swap(pipes_[a], pipes_[b]);
    pipes_[a]->fq_slot_ = a;
    pipes_[b]->fq_slot_ = b;
}

void fq::attach(pipe& p)
{
    p.fq_slot_ = pipes_.size();
    pipes_.push_back(&p);
    if (p.has_in())
        activated(p);
}

void fq::activated(pipe& p)
{
    if (p.fq_slot_ == pipe::npos || p.fq_slot_ < active_)
        return;
    swap_slots(p.fq_slot_, active_);
    ++active_;
}

void fq::detach(pipe& p)
{
    if (p.fq_slot_ == pipe::npos)
        return;
    if (p.fq_slot_ < active_) {
        --active_;
        swap_slots(p.fq_slot_, active_);
        if (current_ >= active_)
            current_ = 0;
    }
    swap_slots(p.fq_slot_, pipes_.size() - 1);
    pipes_.pop_back();
    p.fq_slot_ = pipe::npos;
}

bool fq::recv(zmtp::message& m, pipe** from)
{
    while (active_ != 0) {
        pipe* p = pipes_[current_];
        if (!p->has_in()) {
            // Drained since it was activated: leave the active prefix.
            --active_;
            swap_slots(current_, active_);
            if (current_ >= active_)
                current_ = 0;
            continue;
        }
        m = p->pop_in();
        if (from)
            *from = p;
        // RFC 30: PULL "SHALL receive incoming messages from its peers using
        // a fair-queuing strategy" -- one message per peer per turn.
        if (!p->has_in()) {
            --active_;
            swap_slots(current_, active_);
            if (current_ >= active_)
                current_ = 0;
        } else {
            current_ = (current_ + 1) % active_;
        }
        return true;
    }
    return false;
}

} // namespace zmtp::patterns
