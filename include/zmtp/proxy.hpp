// SPDX-License-Identifier: MIT
#pragma once

/** @file
    zmtp::proxy(): forwards messages between two sockets until told to
    stop (libzmq's zmq_proxy and zmq_proxy_steerable).

    @code
    zmtp::xsub_socket publishers(ctx);   // publishers connect here
    zmtp::xpub_socket subscribers(ctx);  // subscribers connect here
    zmtp::pair_socket control(ctx);
    control.bind("inproc://proxy-control");
    ...
    std::thread t([&] { zmtp::proxy(publishers, subscribers, nullptr, &control); });
    // elsewhere: a PAIR connected to inproc://proxy-control sends "TERMINATE"
    @endcode

    Messages read from the frontend go to the backend and back the other
    way, whole (every frame), one direction never starving the other; a
    message is read only when the socket it goes to can take it, so a slow
    side holds messages back at its peers instead of in the proxy. A
    `capture` socket gets a copy of every message forwarded, sent as any
    send on it is, as libzmq's proxy does: a capture that cannot take it
    holds the proxy until it can, or until its sndtimeo (then that copy is
    missed); a PUB capture never waits. `frontend` and `backend` may be one
    socket (libzmq's single-socket QUEUE): each message read from it is sent
    back out through it, so a REP answers every request with itself. A `control`
    socket takes single-frame commands: "PAUSE" (stop forwarding),
    "RESUME", "TERMINATE" (proxy() returns), and "STATISTICS", answered on
    the control socket with eight 8-byte frames in host byte order, as
    libzmq's: frontend messages in, bytes in, messages out, bytes out, then
    the same for the backend. Other commands are ignored.
*/

#include "zmtp/socket.hpp"

#include <cstdint>
#include <system_error>

namespace zmtp {

/// What a proxy has moved, per side (the STATISTICS reply).
struct proxy_statistics {
    struct side {
        std::uint64_t messages_in = 0;
        std::uint64_t bytes_in = 0;
        std::uint64_t messages_out = 0;
        std::uint64_t bytes_out = 0;
    };
    side frontend;
    side backend;
};

/** Forwards between `frontend` and `backend` until "TERMINATE" arrives on
    `control`, or a socket is closed (then returns socket_error::closed) or
    fails. The sockets must not be used by anyone else meanwhile.
    `capture` and `control` are optional. */
std::error_code proxy(socket& frontend, socket& backend, socket* capture = nullptr,
                      socket* control = nullptr);

} // namespace zmtp
