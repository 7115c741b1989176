// SPDX-License-Identifier: MIT
#pragma once

// An event count: lets application threads sleep until the strand changes
// something, with a deadline. The notifier pays one atomic increment and
// takes the mutex only when somebody is actually asleep, so the data path
// stays lock-free while messages flow.
//
// Use: key = prepare(); re-check the condition; if still unmet, wait(key, t).

#include "patterns/detail/readiness.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace zmtp::patterns::detail {

class waiter {
public:
    using clock = std::chrono::steady_clock;

    std::uint64_t prepare() noexcept
    {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        return epoch_.load(std::memory_order_seq_cst);
    }

    /// Cancels a prepare() without waiting.
    void cancel() noexcept { sleepers_.fetch_sub(1, std::memory_order_seq_cst); }

    /** Sleeps until notify() has been called since prepare(), or until
        `deadline`. Returns false on timeout. Consumes the prepare(). */
    bool wait(std::uint64_t key, clock::time_point deadline)
    {
        if (spin(key, clock::now(), deadline)) {
            sleepers_.fetch_sub(1, std::memory_order_seq_cst);
            long_waits_.store(0, std::memory_order_relaxed);
            return true;
        }
        bool woke = true;
        {
            std::unique_lock lock(mutex_);
            while (epoch_.load(std::memory_order_seq_cst) == key) {
                if (deadline == clock::time_point::max()) {
                    cv_.wait(lock);
                } else if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
                    woke = epoch_.load(std::memory_order_seq_cst) != key;
                    break;
                }
            }
        }
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        // The spin did not catch it. Only a streak of such waits turns
        // spinning off (one preempted answer does not).
        if (long_waits_.load(std::memory_order_relaxed) < long_streak)
            long_waits_.fetch_add(1, std::memory_order_relaxed);
        return woke;
    }

    /// Also signal `r` on every notify() (the socket's readiness descriptor).
    void also_signal(readiness* r) noexcept { also_ = r; }

    void notify() noexcept
    {
        epoch_.fetch_add(1, std::memory_order_seq_cst);
        if (also_ != nullptr)
            also_->signal();
        if (sleepers_.load(std::memory_order_seq_cst) > 0) {
            std::lock_guard lock(mutex_);
            cv_.notify_all();
        }
    }

private:
    /** Spins briefly before sleeping, while waits tend to be short: when
        the notifier is another application thread that answers at once
        (a ping-pong over inproc://), the answer comes in a microsecond or
        two, and a futex sleep and wake-up costs ten times that on a VM.
        Eight waits in a row that the spin did not catch (a peer across
        TCP, a stream of large messages, an idle socket) turn it off, so
        a thread does not burn the CPU its I/O thread needs; every 16th
        wait then tries again (at most 10 us in 16 waits). */
    static constexpr auto spin_for = std::chrono::microseconds(10);

    bool spin(std::uint64_t key, clock::time_point start, clock::time_point deadline) noexcept
    {
        if (long_waits_.load(std::memory_order_relaxed) >= long_streak &&
            (spin_probe_.fetch_add(1, std::memory_order_relaxed) & 15) != 0)
            return false;
        const auto until = std::min(deadline, start + spin_for);
        for (;;) {
            for (int i = 0; i < 32; ++i) {
                if (epoch_.load(std::memory_order_acquire) != key)
                    return true;
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            }
            if (clock::now() >= until)
                return false;
        }
    }

    readiness* also_ = nullptr; // set before the socket is shared
    static constexpr int long_streak = 8;
    std::atomic<int> long_waits_{0};
    std::atomic<unsigned> spin_probe_{0};
    std::atomic<std::uint64_t> epoch_{0};
    std::atomic<int> sleepers_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
};

} // namespace zmtp::patterns::detail
