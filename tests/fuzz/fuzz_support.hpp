// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Helpers shared by the fuzz harnesses: a check that survives NDEBUG, a
    reader for the control bytes at the front of an input, and a tiny PRNG
    that turns a seed taken from the input into chunk sizes, so that the
    same stream bytes are replayed under many different splits.
*/

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace zmtp::fuzz {

/// Aborts (which libFuzzer reports as a crash) when an invariant is broken.
/// assert() would vanish in RelWithDebInfo builds, hence a macro of our own.
#define ZMTP_FUZZ_CHECK(cond)                                                               \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                   \
        }                                                                                   \
    } while (false)

/** Reads control bytes from the front of the input; missing bytes read as 0,
    so every input, however short, is valid. */
class control_reader {
public:
    explicit control_reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}

    std::uint8_t byte() noexcept { return pos_ < in_.size() ? in_[pos_++] : 0; }
    std::uint16_t u16() noexcept
    {
        const unsigned hi = byte();
        return static_cast<std::uint16_t>((hi << 8) | byte());
    }
    /// The bytes after the control bytes read so far.
    std::span<const std::uint8_t> rest() const noexcept
    {
        return in_.subspan(pos_ < in_.size() ? pos_ : in_.size());
    }

private:
    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
};

/** Chunk sizes from a 16-bit seed: a mix of single bytes, small pieces,
    medium pieces and "everything that is left", the shapes a TCP stream
    takes. Seed 0 means "one chunk": the whole input at once. */
class splitter {
public:
    explicit splitter(std::uint16_t seed) noexcept
        : whole_(seed == 0), state_(0x9E3779B97F4A7C15ull ^ seed)
    {
    }

    std::size_t next(std::size_t remaining) noexcept
    {
        if (remaining == 0)
            return 0;
        if (whole_)
            return remaining;
        std::size_t n = remaining;
        switch (rand() % 4) {
        case 0: n = 1; break;
        case 1: n = 1 + rand() % 8; break;
        case 2: n = 1 + rand() % 512; break;
        default: break;
        }
        return n < remaining ? n : remaining;
    }

    std::uint32_t rand() noexcept
    {
        // xorshift64*: quality is irrelevant, determinism is what matters.
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return static_cast<std::uint32_t>((state_ * 0x2545F4914F6CDD1Dull) >> 32);
    }

private:
    bool whole_;
    std::uint64_t state_;
};

} // namespace zmtp::fuzz
