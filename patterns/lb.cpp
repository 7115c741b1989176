// SPDX-License-Identifier: MIT
#include "patterns/lb.hpp"

namespace zmtp::patterns {

void lb::swap_slots(std::size_t a, std::size_t b)
{
    std::swap(pipes_[a], pipes_[b]);
    pipes_[a]->lb_slot_ = a;
    pipes_[b]->lb_slot_ = b;
}

void lb::recount(pipe& p)
{
    // With a byte mark one message can close a pipe entirely, so the pipe's
    // room is counted again rather than adjusted by one.
    const bool routed = p.lb_slot_ != pipe::npos;
    const std::size_t now = routed ? p.free_slots() : 0;
    const std::size_t room = routed ? p.byte_room() : 0;
    credit_change_ += static_cast<std::int64_t>(now) - static_cast<std::int64_t>(p.lb_counted_);
    byte_credit_change_ +=
        static_cast<std::int64_t>(room) - static_cast<std::int64_t>(p.lb_counted_bytes_);
    p.lb_counted_ = now;
    p.lb_counted_bytes_ = room;
}

void lb::attach(pipe& p)
{
    p.lb_slot_ = pipes_.size();
    pipes_.push_back(&p);
    if (p.can_write())
        activated(p);
    recount(p);
}

void lb::activated(pipe& p)
{
    if (p.lb_slot_ == pipe::npos)
        return;
    recount(p);
    if (p.lb_slot_ < active_ || !p.can_write())
        return;
    swap_slots(p.lb_slot_, active_);
    ++active_;
}

void lb::deactivate(pipe& p)
{
    if (p.lb_slot_ >= active_)
        return;
    --active_;
    swap_slots(p.lb_slot_, active_);
    if (current_ >= active_)
        current_ = 0;
}

void lb::detach(pipe& p)
{
    if (p.lb_slot_ == pipe::npos)
        return;
    deactivate(p);
    // Now outside the active prefix: move it to the end and drop it.
    swap_slots(p.lb_slot_, pipes_.size() - 1);
    pipes_.pop_back();
    p.lb_slot_ = pipe::npos;
    recount(p);
}

pipe& lb::send(zmtp::message&& m)
{
    pipe& p = *pipes_[current_];
    p.write(std::move(m));
    if (!p.can_write()) {
        deactivate(p);
    } else if (++current_ == active_) {
        // RFC 30: "SHALL route outgoing messages to available peers using a
        // round-robin strategy."
        current_ = 0;
    }
    // One message less room: without a byte mark that is all there is to
    // count (and an unlimited pipe does not change at all).
    if (p.sndhwm_bytes_ == 0) {
        const std::size_t now = p.free_slots();
        credit_change_ += static_cast<std::int64_t>(now) - static_cast<std::int64_t>(p.lb_counted_);
        p.lb_counted_ = now;
    } else {
        recount(p);
    }
    return p;
}

} // namespace zmtp::patterns
