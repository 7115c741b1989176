// SPDX-License-Identifier: MIT
#include "patterns/socket_events.hpp"

#include "patterns/socket_strand.hpp"
#include "zmtp/socket_error.hpp"

#include <asio/post.hpp>

namespace zmtp {

std::string_view to_string(socket_event::kind k) noexcept
{
    switch (k) {
    case socket_event::kind::listening: return "listening";
    case socket_event::kind::bind_failed: return "bind-failed";
    case socket_event::kind::accept_failed: return "accept-failed";
    case socket_event::kind::accepted: return "accepted";
    case socket_event::kind::connected: return "connected";
    case socket_event::kind::connect_retried: return "connect-retried";
    case socket_event::kind::handshake_succeeded: return "handshake-succeeded";
    case socket_event::kind::handshake_failed: return "handshake-failed";
    case socket_event::kind::disconnected: return "disconnected";
    case socket_event::kind::closed: return "closed";
    }
    return "unknown";
}

} // namespace zmtp

namespace zmtp::patterns {

void socket_events::emit(socket_event::kind k, std::string endpoint, std::error_code reason,
                         std::string detail, std::string local)
{
    socket_event ev{k, std::move(endpoint), reason, std::move(detail), std::move(local)};
    if (handler_) {
        if (strand_.on_io_thread()) {
            // A copy: the handler may close the socket, which drops handler_.
            const auto h = handler_;
            h(ev);
        } else {
            // An application thread doing the socket's I/O inside send() or
            // recv() saw this (a write failed, the peer closed): the handler
            // still runs on the socket's executor, as documented, and not
            // inside the caller's send() or recv().
            asio::post(strand_.executor(), [h = handler_, ev] { h(ev); });
        }
    }
    if (!waiting_.empty()) {
        waiting_.pop_front().op->complete({}, std::move(ev));
        return;
    }
    buffered_.push_back(std::move(ev));
    if (buffered_.size() > max_buffered)
        buffered_.pop_front();
}

void socket_events::next(std::unique_ptr<event_op> op)
{
    if (!buffered_.empty()) {
        auto ev = std::move(buffered_.front());
        buffered_.pop_front();
        op->complete({}, std::move(ev));
        return;
    }
    if (finished_) {
        op->complete(socket_error::closed, socket_event{});
        return;
    }
    waiting_.park(std::move(op));
}

void socket_events::finish()
{
    emit(socket_event::kind::closed, "");
    finished_ = true;
    waiting_.complete_all(socket_error::closed);
    handler_ = nullptr;
}

} // namespace zmtp::patterns
