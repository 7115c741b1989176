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

std::byte* write_batch::stage(std::size_t n)
{
    if (staging_cap_ - staged_ < n) {
        std::size_t cap = staging_cap_ ? staging_cap_ * 2 : 2 * 1024; // idle peers stay small
        while (cap - staged_ < n)
            cap *= 2;
        // Default-initialised: staged bytes are always written before use.
        std::unique_ptr<std::byte[]> grown(new std::byte[cap]);
        if (staged_)
            std::memcpy(grown.get(), staging_.get(), staged_);
        staging_ = std::move(grown);
        staging_cap_ = cap;
    }
    return staging_.get() + staged_;
}

void write_batch::append(std::span<const std::byte> bytes)
{
    if (bytes.empty())
        return;
    const std::size_t off = staged_;
    std::memcpy(stage(bytes.size()), bytes.data(), bytes.size());
    staged_ += bytes.size();
    add_staged(off, bytes.size());
}

std::byte* write_batch::append_in_place(std::size_t n)
{
    const std::size_t off = staged_;
    std::byte* w = stage(n);
    staged_ += n;
    add_staged(off, n);
    return w;
}

void write_batch::append_header(std::uint64_t size, bool more, bool command)
{
    const std::size_t off = staged_;
    const std::size_t n = encode_frame_header(stage(max_frame_header_size), size, more, command);
    staged_ += n;
    add_staged(off, n);
}

void write_batch::append_message(message&& m)
{
    bool hold = false;
    const std::size_t count = m.size();
    for (std::size_t i = 0; i < count; ++i) {
        const frame& f = m[i];
        const std::size_t off = staged_;
        // An inline body lives inside the message object, which moves into
        // held_ below (and again when held_ grows): never reference it.
        const bool copy = f.size() <= copy_threshold_ || f.is_inline();
        std::byte* w = stage(max_frame_header_size + (copy ? f.size() : 0));
        std::size_t n = encode_frame_header(w, f.size(), i + 1 < count, false);
        if (copy) {
            if (f.size())
                std::memcpy(w + n, f.data(), f.size());
            n += f.size();
        }
        staged_ += n;
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
        resolved_.emplace_back(s.ext ? s.ext : staging_.get() + s.off, s.len);
    return resolved_;
}

void write_batch::clear() noexcept
{
    staged_ = 0;
    segs_.clear();
    held_.clear();
    resolved_.clear();
    bytes_ = 0;
    messages_ = 0;
}

} // namespace zmtp
