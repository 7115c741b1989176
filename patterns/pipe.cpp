// SPDX-License-Identifier: MIT
#include "patterns/pipe.hpp"

#include "patterns/session.hpp"

namespace zmtp::patterns {

void pipe::write(zmtp::message&& m)
{
    const bool was_empty = out_.empty();
    if (sndhwm_bytes_ != 0)
        out_bytes_ += m.bytes();
    out_.push_back(std::move(m));
    if (was_empty)
        owner_->notify_outbound();
}

zmtp::message pipe::pop_in()
{
    zmtp::message m = in_.pop_front();
    if (rcvhwm_bytes_ != 0)
        in_bytes_ -= m.bytes();
    in_frames_ -= m.size();
    // Resume a reader paused at the high-water mark once the queue is down
    // to half (libzmq's low-water mark), not at every message.
    if (reader_paused && in_.size() <= rcvhwm_ / 2 &&
        in_frames_ <= rcvhwm_ * frames_per_message / 2 && in_bytes_ <= rcvhwm_bytes_ / 2) {
        reader_paused = false;
        owner_->resume_reading();
    }
    if (in_.empty())
        owner_->pipe_emptied();
    return m;
}

} // namespace zmtp::patterns
