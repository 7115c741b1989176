// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::context`: the I/O threads sockets run on.
*/

#include <memory>

namespace asio {
class io_context;
}

namespace zmtp {

class authenticator;

namespace patterns {
class context_impl;
}

/** Owns the I/O thread(s) that run its sockets' connections, or runs them on
    an `asio::io_context` the application supplies and runs itself.

    Destroying a context closes the sockets still open on it and waits for
    their linger period (bounded: see socket_options::linger), then stops its
    threads.

    @par Thread Safety
    Distinct objects: safe. Shared objects: safe.
*/
class context {
public:
    /// A context with `io_threads` threads of its own (libzmq's default is 1).
    explicit context(int io_threads = 1);
    /// A context whose sockets run on `ioc`; the application runs `ioc`.
    explicit context(asio::io_context& ioc);
    ~context();

    context(const context&) = delete;
    context& operator=(const context&) = delete;

    /** The authenticator (ZAP) of this context's server sockets; null
        removes it. Applies to handshakes that reach authentication after
        the call (zmtp/authenticator.hpp). */
    void set_authenticator(std::shared_ptr<authenticator> a);

    /// The io_context the sockets run on.
    asio::io_context& get_io_context() noexcept;

    /// @internal
    const std::shared_ptr<patterns::context_impl>& impl() const noexcept { return impl_; }

private:
    std::shared_ptr<patterns::context_impl> impl_;
};

} // namespace zmtp
