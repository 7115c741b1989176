// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `stopper`: ends a run early -- on SIGINT/SIGTERM, or when another thread
    decides to (a timeout, a fatal event, --count reached on a side thread).

    A stop wakes everything that may be waiting: a watcher thread closes the
    socket (which fails blocked sends and receives with
    socket_error::closed, after --linger), and the read end of wake_fd()
    becomes readable for good, which ends waits on stdin and pauses.

    Signals reach it through a self-pipe written by an async-signal-safe
    handler; a second signal exits at once.
*/

#include <zmtp.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace zmtpcat {

/** How a run ended: an exit status, and a line for stderr (may be empty). */
struct outcome {
    int status = 0;
    std::string message;
};

class stopper {
public:
    /// Installs the SIGINT/SIGTERM handlers. One instance per process.
    stopper();
    ~stopper();
    stopper(const stopper&) = delete;
    stopper& operator=(const stopper&) = delete;

    /// Starts the watcher that closes `s` when a stop is requested.
    void watch(zmtp::socket& s);
    /// Ends the watcher (call before `s` goes away).
    void unwatch();

    /// Requests a stop with `result` (any thread; the first request wins).
    void request(outcome result);
    bool requested() const noexcept;
    /// The winning request; for a signal, status 0.
    outcome result() const;

    /// Readable (POLLIN/POLLHUP) once a stop was requested.
    int wake_fd() const noexcept { return wake_read_; }
    /// Sleeps for `d` unless a stop comes first; false if it did.
    bool sleep_for(std::chrono::milliseconds d) const;

private:
    void run_watcher(zmtp::socket& s);

    int signal_read_ = -1; // the watcher reads requests here
    int wake_read_ = -1;   // polled by waiters; its write end is closed on a stop
    int wake_write_ = -1;
    mutable std::mutex mutex_;
    outcome result_;
    std::thread watcher_;
};

} // namespace zmtpcat
