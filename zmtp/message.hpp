// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::message`: a multipart message, delivered all frames or none.

    The first frame is stored in the object itself, so a single-part message
    of up to `frame::inline_capacity` bytes costs no heap allocation at all.
*/

#include "zmtp/frame.hpp"
#include "zmtp/message_properties.hpp"

#include <cassert>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace zmtp {

/** A message: an ordered list of frames.

    @par Thread Safety
    Distinct objects: safe. Shared objects: unsafe.
*/
class message {
public:
    message() noexcept = default;

    /// A single-frame message holding a copy of `s`.
    explicit message(std::string_view s) : first_(s), count_(1) {}

    /// A single-frame message holding `f` (moved in once, not twice as a
    /// by-value parameter would be: this is on every send's path).
    explicit message(frame&& f) noexcept : first_(std::move(f)), count_(1) {}
    /// A single-frame message sharing `f`'s body (copied when inline).
    explicit message(const frame& f) noexcept : first_(f), count_(1) {}

    /// Copies share bodies too large to be stored inline.
    message(const message& other)
        : first_(other.first_),
          ext_(other.ext_ ? std::make_unique<extension>(*other.ext_) : nullptr),
          count_(other.count_)
    {
    }
    message& operator=(const message& other)
    {
        if (this != &other)
            *this = message(other);
        return *this;
    }
    message(message&& other) noexcept
        : first_(std::move(other.first_)),
          ext_(std::move(other.ext_)),
          count_(other.count_)
    {
        other.count_ = 0;
    }
    message& operator=(message&& other) noexcept
    {
        first_ = std::move(other.first_);
        ext_ = std::move(other.ext_);
        count_ = other.count_;
        other.count_ = 0;
        return *this;
    }

    /// A message with one frame per string.
    message(std::initializer_list<std::string_view> parts)
    {
        for (auto p : parts)
            push_back(frame(p));
    }

    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }

    /// Frame `i`. Precondition: i < size() (at() checks it).
    frame& operator[](std::size_t i) noexcept
    {
        assert(i < count_);
        return i == 0 ? first_ : ext_->frames[i - 1];
    }
    const frame& operator[](std::size_t i) const noexcept
    {
        assert(i < count_);
        return i == 0 ? first_ : ext_->frames[i - 1];
    }
    /// Frame `i`. @throws std::out_of_range if i >= size()
    frame& at(std::size_t i)
    {
        if (i >= count_)
            throw std::out_of_range("zmtp::message::at: no such frame");
        return (*this)[i];
    }
    const frame& at(std::size_t i) const
    {
        if (i >= count_)
            throw std::out_of_range("zmtp::message::at: no such frame");
        return (*this)[i];
    }
    frame& front() noexcept { return first_; }
    const frame& front() const noexcept { return first_; }
    frame& back() noexcept { return (*this)[count_ - 1]; }
    const frame& back() const noexcept { return (*this)[count_ - 1]; }

    void push_back(frame f)
    {
        if (count_ == 0)
            first_ = std::move(f);
        else
            more().push_back(std::move(f));
        ++count_;
    }
    void push_back(std::string_view s) { push_back(frame(s)); }

    /// Inserts `f` before the first frame (a routing envelope, for example).
    void push_front(frame f)
    {
        if (count_ != 0)
            more().insert(ext_->frames.begin(), std::move(first_));
        first_ = std::move(f);
        ++count_;
    }

    /// Removes and returns the first frame. Precondition: !empty().
    frame pop_front()
    {
        frame out = std::move(first_);
        if (ext_ && !ext_->frames.empty()) {
            first_ = std::move(ext_->frames.front());
            ext_->frames.erase(ext_->frames.begin());
        }
        --count_;
        return out;
    }

    /// Removes and returns the last frame. Precondition: !empty().
    frame pop_back()
    {
        frame out;
        if (count_ == 1) {
            out = std::move(first_);
        } else {
            out = std::move(ext_->frames.back());
            ext_->frames.pop_back();
        }
        --count_;
        return out;
    }

    void clear() noexcept
    {
        first_ = frame();
        ext_.reset();
        count_ = 0;
    }

    /** @internal The block holding the first out-of-line body (what a
        queued message keeps alive beyond its own bytes), or null. */
    const detail::block* first_block() const noexcept
    {
        if (count_ == 0)
            return nullptr;
        if (const auto* b = first_.owner_block())
            return b;
        if (ext_)
            for (const auto& f : ext_->frames)
                if (const auto* b = f.owner_block())
                    return b;
        return nullptr;
    }

    /// Total body bytes over all frames.
    std::size_t bytes() const noexcept
    {
        std::size_t n = count_ ? first_.size() : 0;
        if (ext_)
            for (const auto& f : ext_->frames)
                n += f.size();
        return n;
    }

    template <class Frame>
    class basic_iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = frame;
        using difference_type = std::ptrdiff_t;
        using pointer = Frame*;
        using reference = Frame&;
        using owner = std::conditional_t<std::is_const_v<Frame>, const message, message>;

        basic_iterator() = default;
        basic_iterator(owner* m, std::size_t i) : m_(m), i_(i) {}
        reference operator*() const { return (*m_)[i_]; }
        pointer operator->() const { return &(*m_)[i_]; }
        basic_iterator& operator++() { ++i_; return *this; }
        basic_iterator operator++(int) { auto t = *this; ++i_; return t; }
        basic_iterator& operator--() { --i_; return *this; }
        basic_iterator operator--(int) { auto t = *this; --i_; return t; }
        basic_iterator& operator+=(difference_type d) { i_ += static_cast<std::size_t>(d); return *this; }
        basic_iterator& operator-=(difference_type d) { i_ -= static_cast<std::size_t>(d); return *this; }
        friend basic_iterator operator+(basic_iterator a, difference_type d) { return a += d; }
        friend basic_iterator operator+(difference_type d, basic_iterator a) { return a += d; }
        friend basic_iterator operator-(basic_iterator a, difference_type d) { return a -= d; }
        friend difference_type operator-(const basic_iterator& a, const basic_iterator& b)
        {
            return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
        }
        reference operator[](difference_type d) const { return (*m_)[i_ + static_cast<std::size_t>(d)]; }
        friend bool operator==(const basic_iterator& a, const basic_iterator& b) { return a.i_ == b.i_; }
        friend auto operator<=>(const basic_iterator& a, const basic_iterator& b) { return a.i_ <=> b.i_; }

    private:
        owner* m_ = nullptr;
        std::size_t i_ = 0;
    };
    using iterator = basic_iterator<frame>;
    using const_iterator = basic_iterator<const frame>;

    iterator begin() noexcept { return {this, 0}; }
    iterator end() noexcept { return {this, count_}; }
    const_iterator begin() const noexcept { return {this, 0}; }
    const_iterator end() const noexcept { return {this, count_}; }

    friend bool operator==(const message& a, const message& b) noexcept
    {
        if (a.count_ != b.count_)
            return false;
        for (std::size_t i = 0; i < a.count_; ++i)
            if (!(a[i] == b[i]))
                return false;
        return true;
    }

    /** The properties of the peer that sent this message, when its socket
        attaches them (authenticated connections: `User-Id`, `Peer-Address`,
        `Socket-Type`, `Routing-Id`, the authenticator's and the peer's READY
        properties) -- what libzmq's zmq_msg_gets() reads; else null. */
    const metadata* properties() const noexcept { return ext_ ? ext_->props.get() : nullptr; }
    /// The value of one property (case-insensitive), if attached.
    std::optional<std::string_view> property(std::string_view name) const noexcept
    {
        const metadata* md = properties();
        return md ? md->get(name) : std::nullopt;
    }
    /// The sender's properties as a shared set (empty if none).
    message_properties shared_properties() const
    {
        return ext_ ? ext_->props : message_properties();
    }
    /// Attaches the sender's properties (shared by all its messages).
    void set_properties(const message_properties& p)
    {
        if (!p && !ext_)
            return;
        if (!ext_)
            ext_ = std::make_unique<extension>();
        ext_->props = p;
    }

private:
    std::vector<frame>& more()
    {
        if (!ext_)
            ext_ = std::make_unique<extension>();
        return ext_->frames;
    }

    // Frames after the first, and the sender's properties, live on the heap:
    // a one-frame message without properties (the common case) needs none,
    // and moving a message moves one pointer for both.
    struct extension {
        std::vector<frame> frames;
        message_properties props;
    };
    frame first_;
    std::unique_ptr<extension> ext_;
    std::size_t count_ = 0;
};

} // namespace zmtp
