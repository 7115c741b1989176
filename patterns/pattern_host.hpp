// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `pattern_host`: what a pattern sees of the socket it serves -- and no
    more. The socket (socket_core) implements it.
*/

#include "zmtp/socket_options.hpp"

#include <asio/any_io_executor.hpp>

#include <cstdint>
#include <memory>
#include <system_error>

namespace zmtp::patterns {

class pipe;

class pattern_host {
public:
    /// The socket's options (strand only).
    virtual const socket_options& options() const noexcept = 0;
    /// The socket's strand, for the pattern's own timers (REQ's resends).
    virtual const asio::any_io_executor& executor() const noexcept = 0;
    /// Alive as long as the socket: timers check it before touching the pattern.
    virtual std::weak_ptr<void> lifetime() const = 0;

    /** A blocking pattern's room changed by `n` messages and `bytes` bytes
        (see send_handoff: the send credit). */
    virtual void add_credit(std::int64_t n, std::int64_t bytes) = 0;
    /// A pattern that drops rather than blocks has room again.
    virtual void writable() = 0;
    /// The pattern has something new to deliver (a message, or an error).
    virtual void readable() = 0;
    /** Turns the peer of `p` away: with a `reason`, its connection is
        dropped (and reported) as a failure; without one, it is removed. */
    virtual void reject(pipe& p, std::error_code reason) = 0;
    /// Subscriptions changed: waits for a subscriber may be over.
    virtual void subscriptions_changed() = 0;

protected:
    ~pattern_host() = default;
};

} // namespace zmtp::patterns
