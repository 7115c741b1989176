// SPDX-License-Identifier: MIT
// zmq_msg_t: a frame in 64 bytes. Bodies up to 40 bytes live inside it;
// larger ones in a reference-counted block -- ours, or the application's
// memory (zmq_msg_init_data), released through its free function -- which
// a send shares with the engine and a receive shares with the decoder, so
// no body is copied on the way.
#include "capi_msg.hpp"

#include <zmq.h>

#include <cstring>
#include <new>

namespace zmtp::capi {

void from_frame_slow(zmq_msg_t* m, const zmtp::frame& f, const zmtp::message_properties& props)
{
    init_empty(m);
    auto* r = reinterpret_cast<msg_rep*>(m);
    const std::size_t n = f.size();
    if (n <= msg_rep::small_capacity) {
        if (n)
            std::memcpy(r->small, f.data(), n);
        r->small_size = static_cast<std::uint16_t>(n);
    } else if (const auto* owner = f.owner_block()) {
        auto* b = const_cast<zmtp::detail::block*>(owner);
        zmtp::detail::add_ref(b);
        r->large = 1;
        r->big = {b, const_cast<std::byte*>(f.data()), n};
    } else { // 41..64 bytes, inline in the frame: a block of its own
        auto* b = zmtp::detail::allocate_block(n);
        std::memcpy(b->data(), f.data(), n);
        r->large = 1;
        r->big = {b, b->data(), n};
    }
    if (props) {
        zmtp::message_properties copy = props;
        r->props = copy.release_handle();
    }
}

// Drops what `dest` holds and gives it `src`'s bytes (references not yet
// counted); null (EFAULT) if src is not a live message.
msg_rep* overwrite(zmq_msg_t* dest, zmq_msg_t* src) noexcept
{
    if (!rep_of(src) || !dest) {
        errno = EFAULT;
        return nullptr;
    }
    auto* d = reinterpret_cast<msg_rep*>(dest);
    if (d->tag == msg_live)
        release(d);
    std::memcpy(dest, src, sizeof(zmq_msg_t));
    return d;
}

} // namespace zmtp::capi

using namespace zmtp::capi;

extern "C" {

int zmq_msg_init(zmq_msg_t* msg)
{
    if (!msg)
        return fail_errno(EFAULT);
    init_empty(msg);
    return 0;
}

int zmq_msg_init_size(zmq_msg_t* msg, size_t size)
{
    if (!msg)
        return fail_errno(EFAULT);
    init_empty(msg);
    auto* r = reinterpret_cast<msg_rep*>(msg);
    if (size <= msg_rep::small_capacity) {
        r->small_size = static_cast<std::uint16_t>(size);
        return 0;
    }
    try {
        auto* b = zmtp::detail::allocate_block(size);
        r->large = 1;
        r->big = {b, b->data(), size};
    } catch (const std::bad_alloc&) {
        r->tag = dead_tag;
        return fail_errno(ENOMEM);
    }
    return 0;
}

int zmq_msg_init_data(zmq_msg_t* msg, void* data, size_t size, zmq_free_fn* ffn, void* hint)
{
    if (!msg)
        return fail_errno(EFAULT);
    if (!data && size != 0)
        return fail_errno(EINVAL); // libzmq asserts here
    init_empty(msg);
    auto* r = reinterpret_cast<msg_rep*>(msg);
    if (!ffn) {
        // No free function: the memory stays the application's, used as it is.
        auto* b = zmtp::detail::wrap_block(data, size, [](void*, void*) {}, nullptr);
        r->large = 1;
        r->big = {b, static_cast<std::byte*>(data), size};
        return 0;
    }
    auto* b = zmtp::detail::wrap_block(data, size, ffn, hint);
    r->large = 1;
    r->big = {b, static_cast<std::byte*>(data), size};
    return 0;
}

int zmq_msg_close(zmq_msg_t* msg)
{
    auto* r = rep_of(msg);
    if (!r)
        return -1;
    release(r);
    return 0;
}

int zmq_msg_move(zmq_msg_t* dest, zmq_msg_t* src)
{
    if (dest == src)
        return rep_of(src) ? 0 : -1;
    if (!overwrite(dest, src))
        return -1;
    init_empty(src); // the body moved: src is a live, empty message
    return 0;
}

int zmq_msg_copy(zmq_msg_t* dest, zmq_msg_t* src)
{
    if (dest == src)
        return rep_of(src) ? 0 : -1;
    auto* d = overwrite(dest, src);
    if (!d)
        return -1;
    if (d->large)
        zmtp::detail::add_ref(d->big.owner);
    if (d->props) {
        auto p = zmtp::message_properties::adopt(d->props);
        zmtp::message_properties again = p;
        (void)p.release_handle();   // src keeps its reference
        d->props = again.release_handle();
    }
    return 0;
}

void* zmq_msg_data(zmq_msg_t* msg)
{
    auto* r = rep_of(msg);
    return r ? data_of(r) : nullptr;
}

size_t zmq_msg_size(const zmq_msg_t* msg)
{
    const auto* r = rep_of(msg);
    return r ? size_of(r) : 0;
}

int zmq_msg_more(const zmq_msg_t* msg)
{
    const auto* r = rep_of(msg);
    return r ? r->more : 0;
}

int zmq_msg_get(const zmq_msg_t* msg, int property)
{
    const auto* r = rep_of(msg);
    if (!r)
        return -1;
    switch (property) {
    case ZMQ_MORE: return r->more;
    case ZMQ_SRCFD: return fail_errno(EINVAL); // deprecated in libzmq; we keep no descriptor
    case ZMQ_SHARED: return r->large && r->big.owner->refs.load() > 1 ? 1 : 0;
    default: return fail_errno(EINVAL);
    }
}

int zmq_msg_set(zmq_msg_t* msg, int property, int value)
{
    (void)value;
    if (!rep_of(msg))
        return -1;
    (void)property;
    return fail_errno(EINVAL); // libzmq has no settable property either
}

const char* zmq_msg_gets(const zmq_msg_t* msg, const char* property)
{
    const auto* r = rep_of(msg);
    if (!r)
        return nullptr;
    if (!property || !r->props) {
        errno = EINVAL;
        return nullptr;
    }
    auto p = zmtp::message_properties::adopt(r->props);
    const char* v = p.c_str(property);
    (void)p.release_handle();
    if (!v)
        errno = EINVAL;
    return v;
}

} // extern "C"
