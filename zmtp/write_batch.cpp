// SPDX-License-Identifier: MIT
#include "zmtp/write_batch.hpp"

#include "zmtp/frame_header.hpp"

#include <cstring>

namespace zmtp {

void write_batch::add_staged(std::size_t off, std::size_t len)
{
    // Adjacent staged bytes share one gather entry.
    if (!segs_.empty() && segs_.back().ext == nullptr &&
        segs_.back().off + segs_.back().len == off)
        segs_.back().len += len;
    else
        segs_.push_back({nullptr, off, len});
    bytes_ += len;
}

void write_batch::append(std::span<const std::byte> bytes)
{
    if (bytes.empty())
        return;
    const std::size_t off = staging_.size();
    staging_.insert(staging_.end(), bytes.begin(), bytes.end());
    add_staged(off, bytes.size());
}

void write_batch::append_header(std::uint64_t size, bool more, bool command)
{
    const std::size_t off = staging_.size();
    staging_.resize(off + max_frame_header_size);
    const std::size_t n = encode_frame_header(staging_.data() + off, size, more, command);
    staging_.resize(off + n);
    add_staged(off, n);
}

void write_batch::append_message(message&& m)
{
    bool hold = false;
    const std::size_t count = m.size();
    for (std::size_t i = 0; i < count; ++i) {
        const frame& f = m[i];
        const std::size_t off = staging_.size();
        // An inline body lives inside the message object, which moves into
        // held_ below (and again when held_ grows): never reference it.
        const bool copy = f.size() <= copy_threshold_ || f.is_inline();
        staging_.resize(off + max_frame_header_size + (copy ? f.size() : 0));
        std::size_t n = encode_frame_header(staging_.data() + off, f.size(), i + 1 < count, false);
        if (copy) {
            if (f.size())
                std::memcpy(staging_.data() + off + n, f.data(), f.size());
            n += f.size();
        }
        staging_.resize(off + n);
        add_staged(off, n);
        if (!copy) {
            segs_.push_back({f.data(), 0, f.size()});
            bytes_ += f.size();
            hold = true;
        }
    }
    if (hold)
        held_.push_back(std::move(m));
    ++messages_;
}

const std::vector<std::span<const std::byte>>& write_batch::buffers()
{
    resolved_.clear();
    resolved_.reserve(segs_.size());
    for (const auto& s : segs_)
        resolved_.emplace_back(s.ext ? s.ext : staging_.data() + s.off, s.len);
    return resolved_;
}

void write_batch::clear() noexcept
{
    staging_.clear();
    segs_.clear();
    held_.clear();
    resolved_.clear();
    bytes_ = 0;
    messages_ = 0;
}

} // namespace zmtp
