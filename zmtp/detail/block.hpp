// SPDX-License-Identifier: MIT
#pragma once

// A reference-counted heap block: the storage behind frame bodies that do
// not fit inline, and behind the connection's receive chunks (frames decoded
// from a chunk reference it instead of copying, as libzmq's decoder does).

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace zmtp::detail {

struct block {
    std::atomic<std::uint32_t> refs;
    std::size_t capacity;
    void (*deleter)(void* data, void* hint); // null: storage follows the header
    void* external;                           // data when deleter is set
    void* hint;

    std::byte* data() noexcept
    {
        return deleter ? static_cast<std::byte*>(external) : reinterpret_cast<std::byte*>(this + 1);
    }
};

/** Allocates a block with `capacity` bytes of storage following the header; refs = 1. */
block* allocate_block(std::size_t capacity);

/** Wraps user memory; `deleter(data, hint)` runs when the last reference goes. refs = 1. */
block* wrap_block(void* data, std::size_t size, void (*deleter)(void*, void*), void* hint);

inline void add_ref(block* b) noexcept { b->refs.fetch_add(1, std::memory_order_relaxed); }

void free_block(block* b) noexcept;

inline void release(block* b) noexcept
{
    // The common case is a single owner: skip the atomic read-modify-write.
    if (b->refs.load(std::memory_order_acquire) == 1 ||
        b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
        free_block(b);
}

} // namespace zmtp::detail
