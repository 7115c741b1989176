// SPDX-License-Identifier: MIT
#pragma once

// Counts heap allocations made through the global operator new while an
// alloc_tracker is alive (this thread only), so tests can prove that the
// decoder refuses a huge frame before allocating anything for it.

#include <cstddef>

namespace zmtp::test {

class alloc_tracker {
public:
    alloc_tracker() noexcept;
    ~alloc_tracker();
    alloc_tracker(const alloc_tracker&) = delete;
    alloc_tracker& operator=(const alloc_tracker&) = delete;

    std::size_t count() const noexcept;   ///< allocations so far
    std::size_t largest() const noexcept; ///< largest single request, in bytes
    std::size_t total() const noexcept;   ///< bytes requested so far
};

} // namespace zmtp::test
