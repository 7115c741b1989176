// SPDX-License-Identifier: MIT
#pragma once

/** @file
    A gather list for one vectored write: many messages per system call.

    Frame headers and small bodies are packed into one staging buffer; a body
    above the copy threshold is referenced where it lies (the batch keeps its
    message alive until clear()), so large messages are never copied on send.
    Small bodies are copied on purpose: an iovec entry costs the kernel more
    than copying a few dozen bytes, and one system call then carries
    thousands of small messages.
*/

#include "zmtp/message.hpp"

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace zmtp {

class write_batch {
public:
    /// Bodies of at most this many bytes (and inline bodies, whatever the
    /// threshold) are copied into the staging buffer.
    static constexpr std::size_t default_copy_threshold = 512;

    explicit write_batch(std::size_t copy_threshold = default_copy_threshold)
        : copy_threshold_(copy_threshold)
    {
    }

    /// Appends a copy of `bytes` (control output, for example).
    void append(std::span<const std::byte> bytes);

    /// Appends one frame header.
    void append_header(std::uint64_t size, bool more, bool command);

    /// Appends the frames of `m` with their headers; takes `m` to keep large bodies alive.
    void append_message(message&& m);

    /** Appends `n` bytes the caller writes at the returned address before
        the batch is next modified (a sealed CURVE frame, written in place). */
    std::byte* append_in_place(std::size_t n);
    /// Counts one message appended through append_in_place().
    void count_message() noexcept { ++messages_; }
    /// Total bytes in the batch.
    std::size_t size_bytes() const noexcept { return bytes_; }
    /// Messages appended since the last clear().
    std::size_t message_count() const noexcept { return messages_; }
    /// Number of gather buffers (iovec entries) the batch needs.
    std::size_t buffer_count() const noexcept { return segs_.size(); }
    bool empty() const noexcept { return bytes_ == 0; }

    /** The gather list, in order. Valid until the batch is next modified. */
    const std::vector<std::span<const std::byte>>& buffers();

    /// Empties the batch, releasing held messages; keeps the capacity.
    void clear() noexcept;

private:
    struct segment {
        const std::byte* ext; // null: staging_[off, off + len)
        std::size_t off;
        std::size_t len;
    };
    void add_staged(std::size_t off, std::size_t len);
    /// Room for `n` more staged bytes (not zero-filled); returns where they go.
    std::byte* stage(std::size_t n);

    std::size_t copy_threshold_;
    std::unique_ptr<std::byte[]> staging_;
    std::size_t staged_ = 0;
    std::size_t staging_cap_ = 0;
    std::vector<segment> segs_;
    std::vector<message> held_;
    std::vector<std::span<const std::byte>> resolved_;
    std::size_t bytes_ = 0;
    std::size_t messages_ = 0;
};

} // namespace zmtp
