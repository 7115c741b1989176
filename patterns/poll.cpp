// SPDX-License-Identifier: MIT
#include "zmtp/poll.hpp"

#include <poll.h>

#include <cerrno>
#include <vector>

namespace zmtp {
namespace {

using clock = std::chrono::steady_clock;

short to_poll(unsigned events)
{
    short e = 0;
    if (events & poll_in)
        e |= POLLIN;
    if (events & poll_out)
        e |= POLLOUT;
    return e;
}

unsigned from_poll(short revents, unsigned wanted)
{
    unsigned r = 0;
    if (revents & POLLIN)
        r |= poll_in;
    if (revents & POLLOUT)
        r |= poll_out;
    r &= wanted;
    if (revents & (POLLERR | POLLHUP | POLLNVAL))
        r |= poll_err;
    return r;
}

} // namespace

std::size_t poll(std::span<poll_item> items, std::chrono::milliseconds timeout,
                 std::error_code& ec)
{
    ec.clear();
    const bool forever = timeout.count() < 0;
    const auto deadline = forever ? clock::time_point::max() : clock::now() + timeout;
    // One pollfd per item: a socket's readiness descriptor, or the item's
    // own. Kept per thread: a poll loop calls this once per message.
    thread_local std::vector<pollfd> fds;
    fds.resize(items.size());
    for (;;) {
        // Sockets first, by asking them: events() arms their descriptors, so
        // a change after this look wakes the poll(2) below.
        std::size_t ready = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            auto& it = items[i];
            it.revents = 0;
            if (it.sock != nullptr) {
                if (it.events != 0)
                    it.revents = it.sock->events() & (it.events | poll_err);
                fds[i] = {it.events != 0 ? it.sock->fd() : -1, POLLIN, 0};
            } else {
                fds[i] = {it.fd, to_poll(it.events), 0};
            }
            ready += it.revents != 0;
        }
        int wait_ms = 0;
        if (ready == 0 && !forever) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
            wait_ms = left.count() > 0 ? static_cast<int>(std::min<long long>(left.count(), 1 << 30)) : 0;
        } else if (ready == 0) {
            wait_ms = -1;
        }
        // The descriptors are polled even when a socket is ready, without
        // waiting, so that their readiness is reported in the same call.
        const int n = ::poll(fds.data(), fds.size(), wait_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ec = std::error_code(errno, std::generic_category());
            return 0;
        }
        std::size_t fd_ready = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            auto& it = items[i];
            if (it.sock == nullptr) {
                it.revents = from_poll(fds[i].revents, it.events);
                fd_ready += it.revents != 0;
            }
        }
        if (ready + fd_ready != 0)
            return ready + fd_ready;
        if (n == 0 && !forever && clock::now() >= deadline)
            return 0;
        // A socket's descriptor fired (or the wait ended early): look again.
    }
}

std::size_t poll(std::span<poll_item> items, std::chrono::milliseconds timeout)
{
    std::error_code ec;
    const auto n = poll(items, timeout, ec);
    if (ec)
        throw std::system_error(ec, "zmtp::poll");
    return n;
}

} // namespace zmtp
