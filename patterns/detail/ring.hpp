// SPDX-License-Identifier: MIT
#pragma once

// A growable FIFO on a circular array: a pipe's queue. Unlike std::deque it
// allocates only when it grows past its high-water capacity, never per
// element, and it keeps its storage when drained.

#include <cstddef>
#include <memory>
#include <utility>

namespace zmtp::patterns::detail {

template <class T>
class ring {
public:
    ring() = default;
    ring(const ring&) = delete;
    ring& operator=(const ring&) = delete;
    ~ring() { clear(); }

    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }

    void push_back(T&& v)
    {
        if (size_ == cap_)
            grow();
        new (slot(head_ + size_)) T(std::move(v));
        ++size_;
    }

    void push_front(T&& v)
    {
        if (size_ == cap_)
            grow();
        head_ = (head_ + cap_ - 1) & (cap_ - 1);
        new (slot(head_)) T(std::move(v));
        ++size_;
    }

    T& front() noexcept { return *slot(head_); }
    T& back() noexcept { return *slot(head_ + size_ - 1); }

    T pop_front()
    {
        T* p = slot(head_);
        T v(std::move(*p));
        p->~T();
        head_ = (head_ + 1) & (cap_ - 1);
        --size_;
        return v;
    }

    void clear() noexcept
    {
        while (size_) {
            slot(head_)->~T();
            head_ = (head_ + 1) & (cap_ - 1);
            --size_;
        }
        head_ = 0;
    }

    /// Frees the storage of an empty ring (idle pipes stay small).
    void shrink() noexcept
    {
        if (size_ == 0) {
            buf_.reset();
            cap_ = 0;
            head_ = 0;
        }
    }

private:
    T* slot(std::size_t i) noexcept { return reinterpret_cast<T*>(buf_.get()) + (i & (cap_ - 1)); }

    void grow()
    {
        const std::size_t cap = cap_ ? cap_ * 2 : 16;
        auto buf = std::make_unique<std::byte[]>(cap * sizeof(T));
        T* dst = reinterpret_cast<T*>(buf.get());
        for (std::size_t i = 0; i < size_; ++i) {
            T* src = slot(head_ + i);
            new (dst + i) T(std::move(*src));
            src->~T();
        }
        buf_ = std::move(buf);
        cap_ = cap;
        head_ = 0;
    }

    std::unique_ptr<std::byte[]> buf_;
    std::size_t cap_ = 0; // a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace zmtp::patterns::detail
