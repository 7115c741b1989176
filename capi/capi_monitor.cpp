// SPDX-License-Identifier: MIT
// zmq_socket_monitor: the socket's events, as libzmq sends them, on a PAIR
// bound to an inproc:// endpoint: frame 1 = event (uint16, native order) +
// value (uint32); frame 2 = the endpoint.
#include "capi_objects.hpp"

#include "zmtp/error.hpp"

#include <zmq.h>

#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <set>

namespace zmtp::capi {
namespace {

using kind = zmtp::socket_event::kind;

// libzmq's protocol error value for one of our handshake failures.
std::uint32_t protocol_error_of(const std::error_code& ec)
{
    using zmtp::error;
    switch (static_cast<error>(ec.value())) {
    case error::mechanism_mismatch: return ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH;
    case error::unexpected_command:
    case error::data_before_ready: return ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND;
    case error::bad_nonce: return ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE;
    case error::bad_box:
    case error::bad_cookie:
    case error::bad_vouch:
    case error::unencrypted_frame: return ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC;
    case error::malformed_command: return ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED;
    case error::malformed_metadata:
    case error::missing_socket_type:
    case error::incompatible_socket_type: return ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA;
    default: return ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED;
    }
}

// (event, value) of one of our events, libzmq's numbers.
std::pair<std::uint16_t, std::uint32_t> translate(const zmtp::socket_event& e)
{
    const auto err = static_cast<std::uint32_t>(e.reason ? e.reason.value() : 0);
    switch (e.what) {
    case kind::listening: return {ZMQ_EVENT_LISTENING, 0};
    case kind::bind_failed: return {ZMQ_EVENT_BIND_FAILED, err};
    case kind::accept_failed: return {ZMQ_EVENT_ACCEPT_FAILED, err};
    case kind::accepted: return {ZMQ_EVENT_ACCEPTED, 0};
    case kind::connected: return {ZMQ_EVENT_CONNECTED, 0};
    case kind::connect_retried: return {ZMQ_EVENT_CONNECT_RETRIED, 0};
    case kind::handshake_succeeded: return {ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0};
    case kind::disconnected: return {ZMQ_EVENT_DISCONNECTED, 0};
    case kind::closed: return {ZMQ_EVENT_CLOSED, 0};
    case kind::handshake_failed:
        if (e.reason == zmtp::error::auth_refused || e.reason == zmtp::error::auth_failed_by_peer) {
            const int status = e.detail.empty() ? 400 : std::atoi(e.detail.c_str());
            return {ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, static_cast<std::uint32_t>(status)};
        }
        if (e.reason.category() == zmtp::error_category() &&
            e.reason != zmtp::error::handshake_timeout && e.reason != zmtp::error::unexpected_eof)
            return {ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, protocol_error_of(e.reason)};
        return {ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, err};
    }
    return {0, 0};
}

} // namespace

// What a monitor keeps: the endpoints the socket listens on (libzmq reports
// each as CLOSED when the socket is closed, before MONITOR_STOPPED), and
// the events not yet taken by the monitor's PAIR. Our inproc connect
// completes in the background, so the application's PAIR may not be there
// yet when the first events (LISTENING) come: they wait here, bounded, and
// go out in order once it is.
struct monitor_state {
    static constexpr std::size_t max_pending = 1024;
    std::mutex mutex;
    std::set<std::string> listening;
    std::deque<zmtp::message> pending;
    std::uint32_t mask = 0;

    // With the mutex held: sends what waits, in order, while the PAIR takes it.
    void flush(zmtp::socket& monitor)
    {
        std::error_code ignored;
        while (!pending.empty() && monitor.try_send(pending.front(), ignored))
            pending.pop_front();
    }

    void post(zmtp::socket& monitor, std::uint16_t event, std::uint32_t value, const std::string& ep)
    {
        std::byte head[6];
        std::memcpy(head, &event, 2);
        std::memcpy(head + 2, &value, 4);
        zmtp::message m;
        m.push_back(zmtp::frame(head, sizeof head));
        m.push_back(zmtp::frame(ep));
        std::lock_guard lock(mutex);
        flush(monitor);
        // A monitor that does not read loses the oldest events; it never blocks the socket.
        pending.push_back(std::move(m));
        if (pending.size() > max_pending)
            pending.pop_front();
        flush(monitor);
    }
};

void stop_monitor(socket_obj* s)
{
    if (!s->monitor)
        return;
    s->s->on_event(nullptr);
    auto& state = *s->monitor_state;
    std::set<std::string> listening;
    {
        std::lock_guard lock(state.mutex);
        listening = state.listening;
    }
    if (state.mask & ZMQ_EVENT_CLOSED)
        for (const auto& ep : listening)
            state.post(*s->monitor, ZMQ_EVENT_CLOSED, 0, ep);
    state.post(*s->monitor, ZMQ_EVENT_MONITOR_STOPPED, 0, "");
    // Lingers in the background, as every socket of zmq_close: what is
    // queued still reaches the reader, and zmq_close does not wait for it.
    s->monitor->close(std::function<void()>{});
    s->monitor.reset();
    s->monitor_state.reset();
}

} // namespace zmtp::capi

using namespace zmtp::capi;

extern "C" {

int zmq_socket_monitor(void* socket, const char* addr, int events)
{
    return guarded([&]() -> int {
        auto* s = live_socket(socket);
        if (!s)
            return -1;
        stop_monitor(s);
        if (!addr)
            return 0;
        if (std::strncmp(addr, "inproc://", 9) != 0)
            return fail_errno(EPROTONOSUPPORT); // libzmq: monitors are inproc only
        try {
            auto mon = std::make_shared<zmtp::socket>(*s->owner->ctx, zmtp::socket_type::pair);
            std::error_code ec;
            mon->bind(addr, ec);
            if (ec)
                return fail(ec);
            s->monitor = mon;
            auto state = std::make_shared<monitor_state>();
            state->mask = static_cast<std::uint32_t>(events);
            s->monitor_state = state;
            s->s->on_event([mon, state](const zmtp::socket_event& e) {
                const auto [event, value] = translate(e);
                // libzmq names the listener for what its connections do.
                const std::string& ep = e.local.empty() ? e.endpoint : e.local;
                if (event == ZMQ_EVENT_LISTENING || event == ZMQ_EVENT_CLOSED) {
                    std::lock_guard lock(state->mutex);
                    if (event == ZMQ_EVENT_LISTENING)
                        state->listening.insert(ep);
                    else
                        state->listening.erase(ep);
                }
                if (event && (state->mask & event))
                    state->post(*mon, event, value, ep);
            });
            // The application's PAIR has joined: what waited goes out now.
            std::weak_ptr<zmtp::socket> weak_mon = mon;
            mon->on_event([weak_mon, state](const zmtp::socket_event& e) {
                if (e.what != kind::handshake_succeeded)
                    return;
                if (auto m = weak_mon.lock()) {
                    std::lock_guard lock(state->mutex);
                    state->flush(*m);
                }
            });
        } catch (const std::system_error& e) {
            return fail(e.code());
        }
        return 0;
    });
}

} // extern "C"
