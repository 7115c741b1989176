// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `write_now`: one gather write that never blocks -- the engine's fast path.

    For a socket it is sendmsg(2) on the native handle, with up to IOV_MAX
    buffers and any number of bytes per call (Asio's write_some stops at 64
    buffers); `MSG_DONTWAIT` makes it try at once, so the engine waits for
    writability only when the kernel is full. Any other stream (a test
    stream, say) supplies its own `write_now` found by argument-dependent
    lookup, with the same contract: write what it takes now, set
    `asio::error::would_block` if it takes nothing, never block.
*/

#include <asio/basic_stream_socket.hpp>
#include <asio/error.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <span>
#include <system_error>

#include <sys/socket.h>
#include <sys/uio.h>

namespace zmtp::transport {

/** Writes from `iov` what the socket takes now. Returns the bytes written;
    on EAGAIN returns 0 with `ec` = would_block; other failures set `ec`. */
template <class Protocol, class Executor>
std::size_t write_now(asio::basic_stream_socket<Protocol, Executor>& s, std::span<const iovec> iov,
                      std::error_code& ec)
{
    ec.clear();
    msghdr mh{};
    mh.msg_iov = const_cast<iovec*>(iov.data());
    mh.msg_iovlen = std::min<std::size_t>(iov.size(), IOV_MAX);
    for (;;) {
        const ssize_t n = ::sendmsg(s.native_handle(), &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            return static_cast<std::size_t>(n);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            ec = asio::error::would_block;
        else
            ec = std::error_code(errno, std::system_category());
        return 0;
    }
}

} // namespace zmtp::transport
