// SPDX-License-Identifier: MIT
#include "alloc_tracker.hpp"

#include <cstdlib>
#include <new>

// Replacing the global allocation functions is the only portable way to see
// every allocation the core makes. All plain and nothrow forms are replaced
// together (on malloc/free) so that new and delete always pair up, which
// also keeps ASan's alloc-dealloc-mismatch check quiet. Aligned forms are
// left to the implementation: they pair with their own deletes.

namespace {

struct counters {
    bool active = false;
    std::size_t count = 0;
    std::size_t largest = 0;
    std::size_t total = 0;
};

thread_local counters tracked;

void note(std::size_t n) noexcept
{
    if (!tracked.active)
        return;
    ++tracked.count;
    tracked.total += n;
    if (n > tracked.largest)
        tracked.largest = n;
}

void* allocate(std::size_t n)
{
    note(n);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}

void* allocate_nothrow(std::size_t n) noexcept
{
    note(n);
    return std::malloc(n ? n : 1);
}

} // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate_nothrow(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate_nothrow(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace zmtp::test {

alloc_tracker::alloc_tracker() noexcept { tracked = counters{true, 0, 0, 0}; }
alloc_tracker::~alloc_tracker() { tracked.active = false; }
std::size_t alloc_tracker::count() const noexcept { return tracked.count; }
std::size_t alloc_tracker::largest() const noexcept { return tracked.largest; }
std::size_t alloc_tracker::total() const noexcept { return tracked.total; }

} // namespace zmtp::test

// Tests feed absurd frame sizes with every limit lifted, to check that a
// failed allocation becomes a typed error: let ASan's malloc return null
// for them (as glibc's does) instead of aborting the run.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZMTP_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(ZMTP_TEST_ASAN)
extern "C" const char* __asan_default_options()
{
    return "allocator_may_return_null=1";
}
#endif
