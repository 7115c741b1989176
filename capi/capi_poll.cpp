// SPDX-License-Identifier: MIT
// zmq_poll over sockets and plain descriptors, on zmtp::poll. A socket
// with frames of a received message still to hand out is readable at once.
#include "capi_msg.hpp"

#include "zmtp/poll.hpp"

#include <zmq.h>

#include <thread>
#include <vector>

using namespace zmtp::capi;

extern "C" {

int zmq_poll(zmq_pollitem_t* items, int nitems, long timeout)
{
    return guarded([&]() -> int {
        if (nitems < 0 || (nitems > 0 && !items))
            return fail_errno(EFAULT);
        if (nitems == 0) {
            // libzmq: with nothing to wait on, sleep out the timeout.
            if (timeout > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(timeout));
            return 0;
        }
        thread_local std::vector<zmtp::poll_item> ours;
        ours.assign(static_cast<std::size_t>(nitems), {});
        int pending = 0;
        for (int i = 0; i < nitems; ++i) {
            auto& it = items[i];
            it.revents = 0;
            auto& p = ours[static_cast<std::size_t>(i)];
            if (it.socket) {
                auto* s = live_socket(it.socket);
                if (!s)
                    return -1;
                p.sock = s->s.get();
                if ((it.events & ZMQ_POLLIN) && s->in_next < s->in.size())
                    ++pending;
            } else {
                p.fd = it.fd;
            }
            if (it.events & ZMQ_POLLIN)
                p.events |= zmtp::poll_in;
            if (it.events & ZMQ_POLLOUT)
                p.events |= zmtp::poll_out;
        }
        std::error_code ec;
        // Frames already waiting: look without waiting.
        const auto wait = pending ? std::chrono::milliseconds(0) : std::chrono::milliseconds(timeout);
        zmtp::poll(ours, wait, ec);
        if (ec)
            return fail(ec);
        int ready = 0;
        for (int i = 0; i < nitems; ++i) {
            auto& it = items[i];
            const auto& p = ours[static_cast<std::size_t>(i)];
            short r = 0;
            if (p.revents & zmtp::poll_in)
                r |= ZMQ_POLLIN;
            if (p.revents & zmtp::poll_out)
                r |= ZMQ_POLLOUT;
            if (p.revents & zmtp::poll_err)
                r |= ZMQ_POLLERR;
            if (it.socket && (it.events & ZMQ_POLLIN)) {
                auto* s = static_cast<socket_obj*>(it.socket);
                if (s->in_next < s->in.size())
                    r |= ZMQ_POLLIN;
            }
            it.revents = static_cast<short>(r & (it.events | ZMQ_POLLERR));
            if (it.revents)
                ++ready;
        }
        for (auto& p : ours)
            p.sock = nullptr;
        return ready;
    });
}

} // extern "C"
