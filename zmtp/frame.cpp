// SPDX-License-Identifier: MIT
#include "zmtp/frame.hpp"

#include <cstdint>
#include <new>

namespace zmtp {
namespace detail {

block* allocate_block(std::size_t capacity)
{
    // A peer-declared size near SIZE_MAX would wrap the sum below into a
    // small allocation that the body then overruns.
    if (capacity > SIZE_MAX - sizeof(block))
        throw std::bad_alloc();
    void* raw = ::operator new(sizeof(block) + capacity);
    return new (raw) block{{1}, capacity, nullptr, nullptr, nullptr};
}

block* wrap_block(void* data, std::size_t size, void (*deleter)(void*, void*), void* hint)
{
    return new block{{1}, size, deleter, data, hint};
}

void free_block(block* b) noexcept
{
    if (b->deleter) {
        b->deleter(b->external, b->hint);
        delete b;
    } else {
        b->~block();
        ::operator delete(b);
    }
}

} // namespace detail

frame::frame(std::size_t size) : size_(size)
{
    if (!is_inline()) {
        storage_.ref.owner = detail::allocate_block(size);
        storage_.ref.data = storage_.ref.owner->data();
    }
}

frame::frame(const void* data, std::size_t size) : frame(size)
{
    if (size)
        std::memcpy(this->data(), data, size);
}

frame frame::wrap(void* data, std::size_t size, void (*deleter)(void*, void*), void* hint)
{
    if (size <= inline_capacity) {
        frame f(data, size);
        if (deleter)
            deleter(data, hint);
        return f;
    }
    frame f;
    f.storage_.ref.owner = detail::wrap_block(data, size, deleter, hint);
    f.storage_.ref.data = static_cast<std::byte*>(data);
    f.size_ = size;
    return f;
}

frame frame::share(detail::block* owner, const std::byte* data, std::size_t size) noexcept
{
    if (size <= inline_capacity)
        return frame(data, size);
    frame f;
    detail::add_ref(owner);
    f.storage_.ref.owner = owner;
    f.storage_.ref.data = const_cast<std::byte*>(data);
    f.size_ = size;
    return f;
}

frame frame::keep(detail::block* owner, const std::byte* data, std::size_t size) noexcept
{
    if (size == 0 || size > inline_capacity)
        return share(owner, data, size);
    frame f;
    detail::add_ref(owner);
    f.storage_.ref.owner = owner;
    f.storage_.ref.data = const_cast<std::byte*>(data);
    f.size_ = size | kept_bit;
    return f;
}

} // namespace zmtp
