// SPDX-License-Identifier: MIT
#pragma once

// An event count: lets application threads sleep until the strand changes
// something, with a deadline. The notifier pays one atomic increment and
// takes the mutex only when somebody is actually asleep, so the data path
// stays lock-free while messages flow.
//
// Use: key = prepare(); re-check the condition; if still unmet, wait(key, t).

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
        return woke;
    }

    void notify() noexcept
    {
        epoch_.fetch_add(1, std::memory_order_seq_cst);
        if (sleepers_.load(std::memory_order_seq_cst) > 0) {
            std::lock_guard lock(mutex_);
            cv_.notify_all();
        }
    }

private:
    std::atomic<std::uint64_t> epoch_{0};
    std::atomic<int> sleepers_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
};

} // namespace zmtp::patterns::detail
