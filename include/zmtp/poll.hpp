// SPDX-License-Identifier: MIT
#pragma once

/** @file
    zmtp::poll(): waits on several sockets and plain file descriptors at
    once, from any thread, without busy-waiting (libzmq's zmq_poll).

    @code
    zmtp::poll_item items[] = {{&tasks, -1, zmtp::poll_in}, {&control, -1, zmtp::poll_in},
                               {nullptr, STDIN_FILENO, zmtp::poll_in}};
    while (zmtp::poll(items, 1000ms) != 0) {
        if (items[0].revents & zmtp::poll_in)
            handle(tasks.recv());
        ...
    }
    @endcode

    A socket's readiness is level-triggered here (poll() asks events()
    itself): poll_in means a recv() would not block now. Built on
    socket::fd() and socket::events(), which a foreign event loop uses
    directly (edge-triggered: see socket::fd()).
*/

#include "zmtp/socket.hpp"

#include <chrono>
#include <cstddef>
#include <span>
#include <system_error>

namespace zmtp {

/** One thing to wait on: a socket (`sock`), or else a file descriptor
    (`fd`), and what for (`events`: poll_in, poll_out). poll() sets
    `revents` (poll_err too: a closed socket, a descriptor in error or
    hung up). */
struct poll_item {
    socket* sock = nullptr;
    int fd = -1;
    unsigned events = 0;
    unsigned revents = 0;
};

/** Waits until at least one item is ready, or for `timeout` (0: just
    looks; negative: no limit). Returns the number of items ready.
    A descriptor poll(2) refuses sets `ec` (and returns 0). */
std::size_t poll(std::span<poll_item> items, std::chrono::milliseconds timeout,
                 std::error_code& ec);
/// As above; @throws std::system_error
std::size_t poll(std::span<poll_item> items,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));

} // namespace zmtp
