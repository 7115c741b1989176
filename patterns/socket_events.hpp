// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `socket_events`: a socket's events, for its event handler and for
    async_next_event(). Events nobody waits for are kept, up to
    `max_buffered` (the oldest go first): peers make events, and a socket
    whose application never asks for them must not keep them all.
*/

#include "patterns/parked_ops.hpp"
#include "zmtp/socket_event.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace zmtp::patterns {

class socket_events {
public:
    using handler = std::function<void(const socket_event&)>;
    using event_op = zmtp::detail::async_op<std::error_code, socket_event>;
    static constexpr std::size_t max_buffered = 1024;

    explicit socket_events(const socket_strand& strand) : strand_(strand), waiting_(strand) {}

    /// Reports an event: to the handler, then to the oldest waiter or the buffer.
    void emit(socket_event::kind k, std::string endpoint, std::error_code reason = {},
              std::string detail = {}, std::string local = {});
    void set_handler(handler h) { handler_ = std::move(h); }
    /// The next event, now if one is buffered; `closed` once the socket has closed.
    void next(std::unique_ptr<event_op> op);
    /// The socket has closed: the last event, then waiters fail with `closed`.
    void finish();

private:
    const socket_strand& strand_;
    handler handler_;
    std::deque<socket_event> buffered_;
    parked_ops<no_extra, socket_event> waiting_;
    bool finished_ = false;
};

} // namespace zmtp::patterns
