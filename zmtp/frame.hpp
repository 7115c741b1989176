// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::frame`: one part of a message, with small-buffer storage.

    Bodies of up to `frame::inline_capacity` bytes live inside the object, so
    small messages never touch the heap. Larger bodies live in a
    reference-counted block: copying such a frame shares the body (this is how
    PUB fans one message out to many peers without copying it), and frames
    decoded from the network reference the receive buffer they arrived in.
*/

#include "zmtp/detail/block.hpp"

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace zmtp {

/** One frame (message part). Copies share large bodies; see the file comment.

    @par Thread Safety
    Distinct objects: safe. Shared objects: unsafe. Frames that share a body
    may be used and destroyed from different threads.
*/
class frame {
public:
    /// Bodies up to this size are stored inside the frame object.
    static constexpr std::size_t inline_capacity = 64;

    /// An empty frame.
    frame() noexcept : size_(0) {}

    /// A frame with `size` bytes of uninitialised body, to be filled through data().
    explicit frame(std::size_t size);

    /// A frame holding a copy of `size` bytes at `data`.
    frame(const void* data, std::size_t size);

    /// A frame holding a copy of `s`.
    explicit frame(std::string_view s) : frame(s.data(), s.size()) {}

    /// A frame holding a copy of `s`.
    explicit frame(std::span<const std::byte> s) : frame(s.data(), s.size()) {}

    /** A frame that uses `size` bytes at `data` without copying (zero-copy send).
        `deleter(data, hint)` is called, on any thread, when the last frame
        sharing the body is destroyed. Bodies that fit inline are copied and
        the deleter runs at once. */
    static frame wrap(void* data, std::size_t size, void (*deleter)(void* data, void* hint),
                      void* hint = nullptr);

    /// @internal A frame of `size` bytes at `data` inside `owner` (adds a reference).
    static frame share(detail::block* owner, const std::byte* data, std::size_t size) noexcept;

    /** @internal As share(), but a small body is not copied either: the
        owner's memory is used until the last frame is gone. For a buffer
        lent by the application (libzmq's zmq_msg_init_data), whose free
        function tells it when the library is done with it. */
    static frame keep(detail::block* owner, const std::byte* data, std::size_t size) noexcept;

    frame(const frame& other) noexcept { copy_from(other); }
    frame(frame&& other) noexcept { steal(other); }
    frame& operator=(const frame& other) noexcept
    {
        if (this != &other) {
            reset();
            copy_from(other);
        }
        return *this;
    }
    frame& operator=(frame&& other) noexcept
    {
        if (this != &other) {
            reset();
            steal(other);
        }
        return *this;
    }
    ~frame() { reset(); }

    /// Pointer to the body. Write through it only while no other frame shares it.
    std::byte* data() noexcept { return is_inline() ? storage_.bytes : storage_.ref.data; }
    const std::byte* data() const noexcept
    {
        return is_inline() ? storage_.bytes : storage_.ref.data;
    }
    std::size_t size() const noexcept { return size_ & ~kept_bit; }
    bool empty() const noexcept { return size() == 0; }

    std::span<const std::byte> bytes() const noexcept { return {data(), size()}; }
    std::string_view view() const noexcept
    {
        return {reinterpret_cast<const char*>(data()), size()};
    }
    std::string to_string() const { return std::string(view()); }

    /// True if the body is stored inside the object.
    bool is_inline() const noexcept { return size_ <= inline_capacity; }

    /// True if the body is an application's buffer kept without copying (keep()).
    bool is_kept() const noexcept { return (size_ & kept_bit) != 0; }

    /** @internal The block an out-of-line body lives in -- often a whole
        receive chunk, which a queued frame keeps alive -- or null. */
    const detail::block* owner_block() const noexcept
    {
        return is_inline() ? nullptr : storage_.ref.owner;
    }

    friend bool operator==(const frame& a, const frame& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const frame& a, std::string_view b) noexcept { return a.view() == b; }

private:
    // Marks, in size_, a small body kept out of line (keep()): such a size_
    // is above inline_capacity, so is_inline() stays one comparison, and
    // size() masks the bit off.
    static constexpr std::size_t kept_bit = std::size_t(1) << (sizeof(std::size_t) * 8 - 1);

    void reset() noexcept
    {
        if (!is_inline())
            detail::release(storage_.ref.owner);
        size_ = 0;
    }
    // The whole storage is copied, whatever the body size: a fixed 64-byte
    // copy compiles to a few vector moves, cheaper than a memcpy call. The
    // bytes past the body are indeterminate, which copying them (as bytes)
    // is allowed to be; GCC cannot tell, hence the pragma.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
    void copy_from(const frame& other) noexcept
    {
        size_ = other.size_;
        std::memcpy(&storage_, &other.storage_, sizeof storage_);
        if (!other.is_inline())
            detail::add_ref(storage_.ref.owner);
    }
    void steal(frame& other) noexcept
    {
        size_ = other.size_;
        std::memcpy(&storage_, &other.storage_, sizeof storage_);
        other.size_ = 0;
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

    struct shared_ref {
        std::byte* data;
        detail::block* owner;
    };
    union storage {
        std::byte bytes[inline_capacity];
        shared_ref ref;
    } storage_;
    std::size_t size_;
};

} // namespace zmtp
