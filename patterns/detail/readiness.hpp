// SPDX-License-Identifier: MIT
#pragma once

// readiness: a file descriptor that becomes readable when a socket's state
// may have changed (libzmq's ZMQ_FD), for pollers and foreign event loops.
//
// The contract is edge-triggered, as libzmq's: after arm() (which
// socket::events() does before it looks at the socket), the next change --
// a message queued for recv, send credit returned, the socket closing --
// makes the descriptor readable once. Whoever wakes on it must call
// events() again, and act until events() says "would block"; a change that
// happened before the last events() is not signalled again.
//
// The signal costs one relaxed load where nobody armed it (every queued
// batch passes here), and one eventfd write per arming otherwise.

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace zmtp::patterns::detail {

class readiness {
public:
    readiness() = default;
    readiness(const readiness&) = delete;
    readiness& operator=(const readiness&) = delete;
    ~readiness()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }

    /// The descriptor (created on first use); -1 if the system has none left.
    int fd()
    {
        std::call_once(once_, [this] {
            fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            ready_.store(fd_ >= 0, std::memory_order_release);
        });
        return fd_;
    }

    /// Wants the next change signalled, and clears a signal already given.
    void arm()
    {
        if (fd() < 0)
            return;
        armed_.store(true, std::memory_order_seq_cst);
        if (signalled_.exchange(false, std::memory_order_seq_cst)) {
            std::uint64_t v;
            [[maybe_unused]] const auto n = ::read(fd_, &v, sizeof v);
        }
        // What the caller reads of the socket next is read after the arming.
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }

    /// The socket's state may have changed (any thread).
    void signal() noexcept
    {
        if (!armed_.load(std::memory_order_relaxed))
            return;
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (!ready_.load(std::memory_order_acquire) || !armed_.exchange(false))
            return;
        signalled_.store(true, std::memory_order_seq_cst);
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
    }

private:
    std::once_flag once_;
    int fd_ = -1;
    std::atomic<bool> ready_{false};
    std::atomic<bool> armed_{false};
    std::atomic<bool> signalled_{false};
};

} // namespace zmtp::patterns::detail
