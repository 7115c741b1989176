// SPDX-License-Identifier: MIT
#pragma once
// The zmq_msg_t helpers the socket functions share with capi_msg.cpp.

#include "capi_objects.hpp"

#include <zmq.h>

namespace zmtp::capi {

/// The representation of a live message, or null (errno EFAULT).
msg_rep* rep_of(zmq_msg_t* m) noexcept;
const msg_rep* rep_of(const zmq_msg_t* m) noexcept;
/// Makes `m` a live, empty message (whatever it held is not released).
void init_empty(zmq_msg_t* m) noexcept;
/// Drops what `r` holds; it is no longer live.
void release(msg_rep* r) noexcept;
std::byte* data_of(msg_rep* r) noexcept;
std::size_t size_of(const msg_rep* r) noexcept;
/// A frame sharing the message's body (the message keeps its own reference).
zmtp::frame to_frame(msg_rep* r);
/// Makes `m` a live message holding `f` (shared, not copied, when large) and `props`.
void from_frame(zmq_msg_t* m, const zmtp::frame& f, const zmtp::message_properties& props);

} // namespace zmtp::capi
