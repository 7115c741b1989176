// SPDX-License-Identifier: MIT
#include "zmtp/frame_decoder.hpp"

#include "zmtp/detail/endian.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame_header.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

namespace zmtp {

frame frame_decoder::take_body(detail::block* owner, const std::byte* body, std::size_t n)
{
    // Zero-copy: the frame references the chunk. What such frames keep
    // alive while they are queued is the queue's to bound
    // (message::first_block() says which chunk).
    if (owner != nullptr && n > frame::inline_capacity)
        return frame::share(owner, body, n);
    return frame(body, n);
}

bool frame_decoder::grow_fill()
{
    const auto size = static_cast<std::size_t>(body_size_);
    const std::size_t cap = fill_ == nullptr ? 0 : fill_->capacity;
    const std::size_t want =
        fill_ == nullptr ? std::min(size, initial_body_reserve) : std::min(size, cap * 2);
    detail::block* fresh = nullptr;
    try {
        fresh = detail::allocate_block(want);
    } catch (const std::bad_alloc&) {
        fail(error::frame_too_large);
        return false;
    }
    if (fill_ != nullptr)
        std::memcpy(fresh->data(), fill_->data(), body_have_);
    fill_.reset(fresh);
    return true;
}

frame_decoder::status frame_decoder::decode(std::span<const std::byte> in, detail::block* owner,
                                            std::size_t& consumed)
{
    consumed = 0;
    while (true) {
        switch (state_) {
        case state::failed:
            return status::failed;

        case state::flags: {
            if (consumed == in.size())
                return status::need_more;
            // Fast path: a whole data frame within the input, limits met.
            if (bool done = false; fast_frame(in, owner, consumed, done)) {
                if (done)
                    return status::message;
                break;
            }
            flags_ = std::to_integer<std::uint8_t>(in[consumed++]);
            // RFC 37: bits 7-3 are "reserved for future use and MUST be zero".
            if ((flags_ & frame_flags::reserved) != 0 && !limits_.lenient_flags) {
                fail(error::reserved_flags);
                return status::failed;
            }
            // Sealed: every frame is a MESSAGE box, whatever its flags say
            // (libzmq sends them as plain frames, flags 0, and reads either).
            is_command_ = sealed_ || (flags_ & frame_flags::command) != 0;
            more_ = !sealed_ && (flags_ & frame_flags::more) != 0;
            // RFC 37: command = command-size command-body, whose flags are
            // %x04 or %x06 only -- a command never continues a message.
            if (is_command_ && more_) {
                fail(error::more_on_command);
                return status::failed;
            }
            if (!is_command_ && commands_only_) {
                fail(error::data_before_ready);
                return status::failed;
            }
            size_need_ = (flags_ & frame_flags::long_size) ? 8 : 1;
            size_have_ = 0;
            state_ = state::size;
            break;
        }

        case state::size: {
            const std::size_t n = std::min(size_need_ - size_have_, in.size() - consumed);
            if (n != 0) // an empty span's data() may be null
                std::memcpy(size_buf_ + size_have_, in.data() + consumed, n);
            size_have_ += n;
            consumed += n;
            if (size_have_ < size_need_)
                return status::need_more;
            body_size_ = size_need_ == 1 ? std::to_integer<std::uint64_t>(size_buf_[0])
                                         : detail::get_u64_be(size_buf_);
            if (!start_body())
                return status::failed;
            if (state_ == state::flags) { // an empty body completed the frame
                if (auto s = frame_result(); s != status::need_more)
                    return s;
                break;
            }
            // A body fully present in the input is taken at once.
            if ((!is_command_ || sealed_) && state_ == state::body && in.size() - consumed >= body_size_) {
                const auto n = static_cast<std::size_t>(body_size_);
                body_ = take_body(owner, in.data() + consumed, n);
                consumed += n;
                body_have_ = n;
                finish_frame();
                if (auto s = frame_result(); s != status::need_more)
                    return s;
                break;
            }
            if (state_ == state::body && (!is_command_ || sealed_)) {
                if (body_size_ <= frame::inline_capacity)
                    body_ = frame(static_cast<std::size_t>(body_size_));
                else if (!grow_fill())
                    return status::failed;
            }
            break;
        }

        case state::body: {
            const std::size_t n = std::min<std::size_t>(body_size_ - body_have_, in.size() - consumed);
            if (n > 0 && ((is_command_ && !sealed_) || fill_ == nullptr)) {
                std::byte* dst = is_command_ && !sealed_ ? command_.data() : body_.data();
                std::memcpy(dst + body_have_, in.data() + consumed, n);
                body_have_ += n;
                consumed += n;
            } else if (n > 0) {
                const std::size_t room = fill_->capacity - body_have_;
                const std::size_t k = std::min(n, room);
                std::memcpy(fill_->data() + body_have_, in.data() + consumed, k);
                body_have_ += k;
                consumed += k;
                if (body_have_ < body_size_ && body_have_ == fill_->capacity && !grow_fill())
                    return status::failed;
            }
            if (body_have_ < body_size_)
                return status::need_more;
            finish_frame();
            if (auto s = frame_result(); s != status::need_more)
                return s;
            break;
        }
        }
    }
}

// Decodes one data frame in a single step when its header and body are all in
// `in` and it is within every limit; returns false (consuming nothing) to
// leave anything unusual -- commands, errors, partial frames -- to the state
// machine. `done` is set when the frame completed a message.
bool frame_decoder::fast_frame(std::span<const std::byte> in, detail::block* owner,
                               std::size_t& consumed, bool& done)
{
    const std::size_t avail = in.size() - consumed;
    if (avail < 2 || commands_only_)
        return false;
    const std::byte* p = in.data() + consumed;
    const auto flags = std::to_integer<std::uint8_t>(p[0]);
    if ((flags & (frame_flags::reserved | frame_flags::command)) != 0)
        return false;
    std::size_t header = 2;
    std::uint64_t size = std::to_integer<std::uint64_t>(p[1]);
    if (flags & frame_flags::long_size) {
        if (avail < 9)
            return false;
        header = 9;
        size = detail::get_u64_be(p + 1);
    }
    if (size > avail - header || size > limits_.max_frame_size ||
        size > limits_.max_message_size - std::min(msg_bytes_, limits_.max_message_size) ||
        msg_.size() + 1 > limits_.max_frames_per_message)
        return false;
    const std::byte* body = p + header;
    const auto n = static_cast<std::size_t>(size);
    msg_.push_back(take_body(owner, body, n));
    consumed += header + n;
    if (flags & frame_flags::more) {
        msg_bytes_ += n;
    } else {
        msg_bytes_ = 0;
        done = true;
    }
    return true;
}

// Called when a header is complete: checks limits before any allocation.
bool frame_decoder::start_body()
{
    body_have_ = 0;
    if (is_command_ && sealed_) {
        if (body_size_ > limits_.max_frame_size + sealed_overhead_) {
            fail(error::frame_too_large);
            return false;
        }
        body_ = frame();
        drop_fill();
    } else if (is_command_) {
        if (body_size_ > limits_.max_command_size) {
            fail(error::command_too_large);
            return false;
        }
        try {
            command_.resize(static_cast<std::size_t>(body_size_));
        } catch (const std::bad_alloc&) { // only when max_command_size is huge
            fail(error::command_too_large);
            return false;
        } catch (const std::length_error&) {
            fail(error::command_too_large);
            return false;
        }
    } else {
        if (body_size_ > limits_.max_frame_size) {
            fail(error::frame_too_large);
            return false;
        }
        if (body_size_ > limits_.max_message_size - std::min(msg_bytes_, limits_.max_message_size)) {
            fail(error::message_too_large);
            return false;
        }
        if (msg_.size() + 1 > limits_.max_frames_per_message) {
            fail(error::too_many_frames);
            return false;
        }
        body_ = frame();
        drop_fill();
    }
    state_ = state::body;
    if (body_size_ == 0)
        finish_frame();
    return true;
}

// Called when a body is complete: files the frame and returns to `flags`.
void frame_decoder::finish_frame()
{
    state_ = state::flags;
    if (is_command_ && !sealed_)
        return;
    if (fill_ != nullptr) {
        body_ = frame::share(fill_.get(), fill_->data(), static_cast<std::size_t>(body_size_));
        drop_fill(); // the frame holds its own reference
    }
    if (is_command_) {
        sealed_body_ = std::move(body_);
        return;
    }
    msg_bytes_ += static_cast<std::size_t>(body_size_);
    msg_.push_back(std::move(body_));
}

// After finish_frame(): what, if anything, is ready for the caller.
frame_decoder::status frame_decoder::frame_result() noexcept
{
    if (is_command_)
        return status::command;
    if (more_)
        return status::need_more;
    msg_bytes_ = 0;
    return status::message;
}

std::span<std::byte> frame_decoder::body_window() noexcept
{
    if (state_ != state::body || (is_command_ && !sealed_) || fill_ == nullptr)
        return {};
    return {fill_->data() + body_have_, fill_->capacity - body_have_};
}

frame_decoder::status frame_decoder::commit_body(std::size_t n)
{
    body_have_ += n;
    if (body_have_ < body_size_) {
        if (body_have_ == fill_->capacity && !grow_fill())
            return status::failed;
        return status::need_more;
    }
    finish_frame();
    return frame_result();
}

} // namespace zmtp
