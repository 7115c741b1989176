// SPDX-License-Identifier: MIT
#include "patterns/pipe.hpp"

#include "patterns/session.hpp"

namespace zmtp::patterns {

void pipe::write(zmtp::message&& m)
{
    if (conflate_ && !out_.empty()) {
        out_.clear(); // the latest replaces what is not written yet
        out_bytes_ = 0;
    }
    enqueue(std::move(m), false);
}

void pipe::write_first(zmtp::message&& m)
{
    enqueue(std::move(m), true);
}

void pipe::enqueue(zmtp::message&& m, bool first)
{
    const bool was_empty = out_.empty();
    if (sndhwm_bytes_ != 0)
        out_bytes_ += m.bytes();
    if (first)
        out_.push_front(std::move(m));
    else
        out_.push_back(std::move(m));
    if (was_empty)
        owner_->notify_outbound();
}

void pipe::pin(const zmtp::detail::block* b, std::size_t bytes)
{
    pin_excess_ -= 2 * static_cast<std::ptrdiff_t>(bytes);
    if (!pinned_.empty() && pinned_.back().block == b) {
        ++pinned_.back().messages;
        return;
    }
    pinned_.push_back({b, 1});
    pinned_bytes_ += b->capacity;
    pin_excess_ += static_cast<std::ptrdiff_t>(b->capacity);
}

void pipe::unpin(const zmtp::detail::block* b, std::size_t bytes)
{
    pin_excess_ += 2 * static_cast<std::ptrdiff_t>(bytes);
    // The queued message still references b, so b is alive and the run at
    // the front is this message's.
    if (pinned_.empty() || pinned_.front().block != b)
        return;
    if (--pinned_.front().messages == 0) {
        pinned_bytes_ -= b->capacity;
        pin_excess_ -= static_cast<std::ptrdiff_t>(b->capacity);
        pinned_.pop_front();
    }
}

zmtp::message pipe::pop_in()
{
    zmtp::message m = in_.pop_front();
    if (rcvhwm_bytes_ != 0)
        in_bytes_ -= m.bytes();
    in_frames_ -= m.size();
    if (const auto* b = m.first_block())
        unpin(b, m.bytes());
    // Resume a reader paused at the high-water mark once the queue is down
    // to half (libzmq's low-water mark), not at every message.
    if (reader_paused_ && in_.size() <= rcvhwm_ / 2 && in_frames_ <= in_frame_mark_ / 2 &&
        in_bytes_ <= rcvhwm_bytes_ / 2 && pin_excess_ <= static_cast<std::ptrdiff_t>(pin_slack / 2)) {
        reader_paused_ = false;
        owner_->resume_reading();
    }
    if (report_consumed_)
        owner_->message_consumed(in_.empty());
    if (in_.empty())
        owner_->pipe_emptied();
    return m;
}

} // namespace zmtp::patterns
