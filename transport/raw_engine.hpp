// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `raw_engine`: a connection without ZMTP, for the STREAM socket: the
    bytes read are handed to the owner as they come, one single-frame
    message per read (up to 64 KiB); the messages the owner gives are
    written as they are, every frame's bytes in order. No greeting, no
    handshake, no heartbeats: the owner hears "ready" at once.

    Bounded like the others: reading stops while the owner's queue is full
    (TCP back-pressure), and the owner's pipe bounds what waits to be
    written.
*/

#include "transport/engine.hpp"
#include "transport/stream.hpp"

#include <memory>
#include <string>

namespace zmtp::transport {

/** Creates a raw engine over a connected stream (on the owner's executor). */
std::shared_ptr<engine> make_raw_engine(any_stream&& stream, engine_owner& owner, std::string remote);

} // namespace zmtp::transport
