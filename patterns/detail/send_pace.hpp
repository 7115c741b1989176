// SPDX-License-Identifier: MIT
#pragma once

// send_pace: tells a message that comes alone (a request, a reply) from
// one in a run. An application thread writes a lone message itself, at
// once (one system call, no thread woken); a run goes through the hand-off
// queue to the I/O thread, which gathers it into few writes -- and the two
// threads do not take the socket from each other for every message.
//
// A message is alone when the previous send() on the socket was long ago:
// far over the gap between the messages of a run (well under a microsecond
// from a loop of send()), well under a loopback round trip (tens of
// microseconds). The clock is the CPU's time-stamp counter where there is
// one: a few cycles, against tens of nanoseconds for steady_clock, on a
// path that costs about a hundred per message. 2^15 ticks is 8-16 us at
// the 2-4 GHz such counters run at.
//
// A message sent by a thread that last waited in recv() for one is alone
// too, however soon: a reply, or the next request after an answer. That
// matters where the answer comes fast (a ping-pong over inproc:// turns
// around in a microsecond or two), and would otherwise look like a run.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace zmtp::patterns::detail {

class send_pace {
public:
    /// Records a send now; true if the previous one was long enough ago.
    bool alone() noexcept
    {
        const std::uint64_t now = ticks();
        const std::uint64_t last = last_.exchange(now, std::memory_order_relaxed);
        return now - last >= gap || std::exchange(waited_, false);
    }

    /// The calling thread waited in recv() for a message that then came.
    static void note_waited() noexcept { waited_ = true; }

private:
#if defined(__x86_64__) || defined(__i386__)
    static constexpr std::uint64_t gap = std::uint64_t{1} << 15;
    static std::uint64_t ticks() noexcept { return __rdtsc(); }
#else
    static constexpr std::uint64_t gap = 10'000; // ns
    static std::uint64_t ticks() noexcept
    {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now().time_since_epoch())
                .count());
    }
#endif
    std::atomic<std::uint64_t> last_{0};
    static constinit inline thread_local bool waited_ = false;
};

} // namespace zmtp::patterns::detail
