// SPDX-License-Identifier: MIT
#pragma once
// libsodium for the core: initialised once, before the first use of any
// primitive (sodium_init() picks implementations and seeds the RNG; it is
// thread-safe and idempotent).

#include <sodium.h>

#include <cstddef>

namespace zmtp::detail {

inline void sodium_ready() noexcept
{
    static const int once = sodium_init();
    (void)once; // -1 only when no random source exists; randombytes then aborts, as everywhere
}

inline unsigned char* uc(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }
inline const unsigned char* uc(const std::byte* p) noexcept
{
    return reinterpret_cast<const unsigned char*>(p);
}

} // namespace zmtp::detail
