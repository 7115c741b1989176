// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `listener`: a bound endpoint and its accept loop.
*/

#include "transport/connector.hpp"
#include "transport/endpoint.hpp"
#include "transport/stream.hpp"

#include <asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace zmtp::transport {

class listener : public std::enable_shared_from_this<listener> {
public:
    using accept_handler = std::function<void(any_stream&&, std::string remote)>;
    using error_handler = std::function<void(std::error_code)>;

    /** Binds and listens. A `*` host binds every interface (IPv6 dual-stack
        where available, else IPv4); port 0 or `*` picks a free port, and
        bound() then names it. For ipc, a stale socket file at the path is
        removed first and the file is removed again on close, as libzmq does.
        Returns null and sets `ec` on failure. */
    static std::shared_ptr<listener> open(asio::any_io_executor ex, const endpoint& ep,
                                          const tcp_options& tcp, int backlog,
                                          std::error_code& ec);

    /** Adopts `fd`, a socket already bound and listening (libzmq's
        ZMQ_USE_FD: a descriptor passed by systemd, a parent process ...),
        instead of binding `ep`; `ep` says which kind it must be (tcp or
        ipc). The listener owns it from here. Fails (and leaves `fd` open)
        if it is not a listening socket of that kind. */
    static std::shared_ptr<listener> adopt(asio::any_io_executor ex, const endpoint& ep, int fd,
                                           const tcp_options& tcp, std::error_code& ec);

    virtual ~listener() = default;

    /** Starts accepting; handlers run on the listener's executor. When an
        accept fails (out of descriptors, say) `on_error` hears of it and the
        listener waits before trying again -- 100 ms, doubling up to 1.6 s,
        back to 100 ms after an accept succeeds -- instead of retrying in a
        tight loop (as libzmq does). Connections wait in the kernel's backlog
        meanwhile. */
    virtual void start(accept_handler on_accept, error_handler on_error) = 0;
    /// Stops accepting for now (connections wait in the backlog).
    virtual void pause() = 0;
    /// Accepts again after pause().
    virtual void resume() = 0;
    /// Stops accepting and closes the listening socket.
    virtual void close() = 0;
    /// The endpoint actually bound, with the port resolved ("tcp://127.0.0.1:41234").
    virtual const std::string& bound() const noexcept = 0;
};

} // namespace zmtp::transport
