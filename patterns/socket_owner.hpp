// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `socket_owner`: which thread may touch a socket's state right now.

    @par The hand-over rules
    A socket's state (its pattern, pipes, sessions, engines) is touched by
    exactly one thread at a time, the *owner*:

    1. The I/O thread owns the socket while it runs one of the socket's
       handlers. Every handler goes through socket_executor, which takes
       ownership first (a compare-and-swap from free to owned).
    2. An application thread inside send() or recv() may take ownership
       too, with try_enter(), and then does the socket's work itself: a
       send that comes alone is routed, encoded and written (send_handoff,
       detail/send_pace.hpp); a recv takes the pattern's next message
       without waiting for the I/O thread to queue it (recv_handoff); a
       send over inproc:// may enter the receiving socket too, and deliver
       there (transport/inproc_engine.hpp). It
       never waits for ownership: if the I/O thread owns the socket, it
       hands its message over the queues as before. It gives ownership back
       before it sleeps, and before it returns to the application.
    3. A handler that finds the socket owned by an application thread does
       not wait either: it is deferred, and the application thread, when it
       leaves, posts the deferred handlers back to the I/O thread, in order.
       So the I/O thread keeps everything an application does not do itself
       -- accepting, connecting, handshakes, heartbeats, reconnects, writes
       that would block -- and a program that stops calling still answers
       PINGs and keeps its peers.
    4. A thread that owns the socket runs nested work at once (a handler
       dispatched from a handler), never deferring it to itself.

    Entering and leaving are one atomic operation each, with acquire and
    release ordering: whatever the previous owner wrote is visible to the
    next. The deferral path takes a mutex; it is taken only when the two
    threads meet.
*/

#include "transport/inproc_engine.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace zmtp::patterns {

class socket_owner final : public std::enable_shared_from_this<socket_owner>,
                           public transport::inproc_gate {
public:
    /// `io`: where deferred work goes back to (the socket's strand, unwrapped).
    explicit socket_owner(asio::any_io_executor io) : io_(std::move(io)) {}
    socket_owner(const socket_owner&) = delete;
    socket_owner& operator=(const socket_owner&) = delete;

    /// True if this thread owns the socket now.
    bool held_here() const noexcept { return current_ == this; }

    /** Application threads: takes ownership if nobody has it. Never waits.
        Pair with leave(). */
    bool try_enter() noexcept override
    {
        int expected = free;
        if (!state_.compare_exchange_strong(expected, owned, std::memory_order_acquire,
                                            std::memory_order_relaxed))
            return false;
        outer_ = current_;
        current_ = this;
        return true;
    }

    /** Takes ownership, waiting (yielding) while another thread has it:
        for rare calls only (bind, options). An owner never waits while it
        owns, so this ends. Pair with leave(). */
    void enter()
    {
        while (!try_enter())
            std::this_thread::yield();
    }

    /// Gives ownership back; deferred handlers go back to the I/O thread.
    void leave() noexcept override
    {
        current_ = outer_;
        state_.store(free, std::memory_order_seq_cst);
        // Rule 3: a handler may have been deferred while we owned the
        // socket. Checked after the release, so that a handler deferred
        // just before it is seen here, and one deferred after it finds the
        // socket free (see defer()).
        if (has_deferred_.load(std::memory_order_seq_cst))
            post_resume();
    }

    /** The I/O thread's side: runs `f` owning the socket, or defers it
        (rules 1, 3, 4). */
    template <class F>
    void run(F&& f)
    {
        if (held_here()) { // rule 4
            f();
            return;
        }
        if (acquire_briefly()) {
            const socket_owner* outer = current_;
            current_ = this;
            run_deferred(); // what waited goes first, in order
            f();
            run_deferred();
            current_ = outer;
            state_.store(free, std::memory_order_seq_cst);
            if (has_deferred_.load(std::memory_order_seq_cst))
                post_resume();
            return;
        }
        defer(std::forward<F>(f));
    }

    /// Work that was deferred, until it runs.
    class deferred {
    public:
        virtual ~deferred() = default;
        virtual void run() = 0;
    };

private:
    static constexpr int free = 0;
    static constexpr int owned = 1;
    // An application thread owns the socket for the length of one send or
    // recv: the I/O thread waits that long rather than defer its handler
    // (which costs an allocation, a mutex and a post).
    static constexpr int spins = 64;

    static void cpu_relax() noexcept
    {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }

    bool acquire_briefly() noexcept
    {
        for (int i = 0;; ++i) {
            int expected = free;
            if (state_.compare_exchange_weak(expected, owned, std::memory_order_acquire,
                                             std::memory_order_relaxed))
                return true;
            if (i == spins)
                return false;
            cpu_relax();
        }
    }

    template <class F>
    struct deferred_fn final : deferred {
        explicit deferred_fn(F&& fn) : f(std::move(fn)) {}
        void run() override { f(); }
        F f;
    };

    template <class F>
    void defer(F&& f)
    {
        auto d = std::make_unique<deferred_fn<std::decay_t<F>>>(std::forward<F>(f));
        {
            std::lock_guard lock(mutex_);
            deferred_.push_back(std::move(d));
            has_deferred_.store(true, std::memory_order_seq_cst);
        }
        // The owner may have left between our failed attempt and now,
        // without seeing the flag: then its post did not happen, and the
        // work runs here. If it is still there, it will see the flag.
        int expected = free;
        if (!state_.compare_exchange_strong(expected, owned, std::memory_order_acquire,
                                            std::memory_order_relaxed))
            return;
        const socket_owner* outer = current_;
        current_ = this;
        run_deferred();
        current_ = outer;
        state_.store(free, std::memory_order_seq_cst);
        if (has_deferred_.load(std::memory_order_seq_cst))
            post_resume();
    }

    void post_resume()
    {
        asio::post(io_, [self = shared_from_this()] { self->run([] {}); });
    }

    void run_deferred()
    {
        while (has_deferred_.load(std::memory_order_acquire)) {
            std::vector<std::unique_ptr<deferred>> batch;
            {
                std::lock_guard lock(mutex_);
                batch.swap(deferred_);
                has_deferred_.store(false, std::memory_order_relaxed);
            }
            for (auto& d : batch)
                d->run();
        }
    }

    // The socket this thread owns (a thread owns at most one at a time,
    // but may be inside another socket's handler: outer_ restores it).
    // constinit: no lazy-initialisation wrapper on each access.
    static constinit inline thread_local const socket_owner* current_ = nullptr;

    asio::any_io_executor io_;
    std::atomic<int> state_{free};
    std::atomic<bool> has_deferred_{false};
    std::mutex mutex_;
    std::vector<std::unique_ptr<deferred>> deferred_;
    const socket_owner* outer_ = nullptr; // while an application thread owns it
};

} // namespace zmtp::patterns
