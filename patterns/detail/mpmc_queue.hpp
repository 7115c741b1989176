// SPDX-License-Identifier: MIT
#pragma once

// A bounded lock-free multi-producer multi-consumer queue (the sequence-number
// ring described by Dmitry Vyukov). It carries messages between application
// threads and a socket's strand: one compare-and-swap per operation, no lock,
// no allocation after construction.

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace zmtp::patterns::detail {

template <class T>
class mpmc_queue {
public:
    /// `capacity` is rounded up to a power of two.
    explicit mpmc_queue(std::size_t capacity)
    {
        std::size_t cap = 2;
        while (cap < capacity)
            cap *= 2;
        mask_ = cap - 1;
        cells_ = std::make_unique<cell[]>(cap);
        for (std::size_t i = 0; i < cap; ++i)
            cells_[i].seq.store(i, std::memory_order_relaxed);
    }

    ~mpmc_queue()
    {
        T v;
        while (try_pop(v)) {
        }
    }

    mpmc_queue(const mpmc_queue&) = delete;
    mpmc_queue& operator=(const mpmc_queue&) = delete;

    std::size_t capacity() const noexcept { return mask_ + 1; }

    /// Moves `v` in and returns true, or returns false (v untouched) when full.
    bool try_push(T& v)
    {
        std::size_t pos = tail_.load(std::memory_order_relaxed);
        for (;;) {
            cell& c = cells_[pos & mask_];
            const std::size_t seq = c.seq.load(std::memory_order_acquire);
            const auto dif = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
            if (dif == 0) {
                if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    new (c.storage) T(std::move(v));
                    c.seq.store(pos + 1, std::memory_order_release);
                    return true;
                }
            } else if (dif < 0) {
                return false;
            } else {
                pos = tail_.load(std::memory_order_relaxed);
            }
        }
    }

    /// Moves the oldest element into `out` and returns true, or returns false when empty.
    bool try_pop(T& out)
    {
        std::size_t pos = head_.load(std::memory_order_relaxed);
        for (;;) {
            cell& c = cells_[pos & mask_];
            const std::size_t seq = c.seq.load(std::memory_order_acquire);
            const auto dif =
                static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
            if (dif == 0) {
                if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    T* p = std::launder(reinterpret_cast<T*>(c.storage));
                    out = std::move(*p);
                    p->~T();
                    c.seq.store(pos + mask_ + 1, std::memory_order_release);
                    return true;
                }
            } else if (dif < 0) {
                return false;
            } else {
                pos = head_.load(std::memory_order_relaxed);
            }
        }
    }

    /// Approximate number of elements (exact when no operation is in flight).
    std::size_t size_approx() const noexcept
    {
        const std::size_t t = tail_.load(std::memory_order_acquire);
        const std::size_t h = head_.load(std::memory_order_acquire);
        return t >= h ? t - h : 0;
    }

private:
    struct cell {
        std::atomic<std::size_t> seq;
        alignas(T) unsigned char storage[sizeof(T)];
    };

    std::unique_ptr<cell[]> cells_;
    std::size_t mask_ = 0;
    alignas(64) std::atomic<std::size_t> head_{0};
    alignas(64) std::atomic<std::size_t> tail_{0};
};

} // namespace zmtp::patterns::detail
