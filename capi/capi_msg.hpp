// SPDX-License-Identifier: MIT
#pragma once
// The zmq_msg_t helpers the socket functions share with capi_msg.cpp.

#include "capi_objects.hpp"

#include <zmq.h>

#include <cerrno>
#include <cstring>

// Inline: every zmq_msg_send / zmq_msg_recv goes through them.
namespace zmtp::capi {

/// The representation of a live message, or null (errno EFAULT).
inline msg_rep* rep_of(zmq_msg_t* m) noexcept
{
    auto* r = reinterpret_cast<msg_rep*>(m);
    if (!m || r->tag != msg_live) {
        errno = EFAULT;
        return nullptr;
    }
    return r;
}

inline const msg_rep* rep_of(const zmq_msg_t* m) noexcept
{
    return rep_of(const_cast<zmq_msg_t*>(m));
}

/// Makes `m` a live, empty message (whatever it held is not released).
inline void init_empty(zmq_msg_t* m) noexcept
{
    auto* r = reinterpret_cast<msg_rep*>(m);
    r->tag = msg_live;
    r->large = 0;
    r->more = 0;
    r->small_size = 0;
    r->props = nullptr;
}

/// Drops what `r` holds; it is no longer live.
inline void release(msg_rep* r) noexcept
{
    if (r->large)
        zmtp::detail::release(r->big.owner);
    if (r->props)
        (void)zmtp::message_properties::adopt(r->props); // drops the reference
    r->tag = dead_tag;
}

inline std::byte* data_of(msg_rep* r) noexcept
{
    return r->large ? r->big.data : r->small;
}

inline std::size_t size_of(const msg_rep* r) noexcept
{
    return r->large ? r->big.size : r->small_size;
}

/// A frame sharing the message's body (the message keeps its own reference).
inline zmtp::frame to_frame(msg_rep* r)
{
    if (r->large) {
        // An application's buffer (zmq_msg_init_data) is used until written,
        // whatever its size, as libzmq does: its free function is the
        // application's sign that the library is done with it (pyzmq's
        // MessageTracker). Our own small blocks are cheaper copied.
        if (r->big.owner->deleter != nullptr)
            return zmtp::frame::keep(r->big.owner, r->big.data, r->big.size);
        return zmtp::frame::share(r->big.owner, r->big.data, r->big.size);
    }
    // A fixed-size copy of the whole small[] (a few vector moves, no
    // memcpy call): the frame's inline storage is larger.
    static_assert(zmtp::frame::inline_capacity >= msg_rep::small_capacity);
    zmtp::frame f(static_cast<std::size_t>(r->small_size));
    std::memcpy(f.data(), r->small, msg_rep::small_capacity);
    return f;
}

/// from_frame() beyond its common case.
void from_frame_slow(zmq_msg_t* m, const zmtp::frame& f, const zmtp::message_properties& props);

/// Makes `m` a live message holding `f` (shared, not copied, when large) and `props`.
inline void from_frame(zmq_msg_t* m, const zmtp::frame& f, const zmtp::message_properties& props)
{
    // The common case: a small body inline in the frame, no properties.
    // The frame's inline storage is larger than small[], so a fixed-size
    // copy (a few vector moves, no memcpy call) stays inside it.
    static_assert(zmtp::frame::inline_capacity >= msg_rep::small_capacity);
    const std::size_t n = f.size();
    if (n <= msg_rep::small_capacity && f.is_inline() && !props) {
        init_empty(m);
        auto* r = reinterpret_cast<msg_rep*>(m);
        std::memcpy(r->small, f.data(), msg_rep::small_capacity);
        r->small_size = static_cast<std::uint16_t>(n);
        return;
    }
    from_frame_slow(m, f, props);
}

} // namespace zmtp::capi
