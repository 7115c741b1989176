// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `event_printer`: socket events to stderr without ever blocking the
    socket's I/O thread.

    The event handler runs on the socket's thread; writing to stderr there
    would stop the socket (no accept, no heartbeat, no message) whenever
    whoever reads our stderr stops reading. So the handler only queues the
    line -- at most `capacity` of them; beyond that lines are dropped and
    counted -- and a thread of its own writes them, reporting
    `event: dropped N` once it catches up.
*/

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace zmtpcat {

class event_printer {
public:
    static constexpr std::size_t capacity = 1024;

    /// Writes to descriptor `fd` (stderr by default).
    explicit event_printer(int fd = 2);
    /** Writes what is queued, for at most a second (a reader that has
        stopped must not keep the program from exiting). */
    ~event_printer();

    event_printer(const event_printer&) = delete;
    event_printer& operator=(const event_printer&) = delete;

    /// Queues a line (without '\n'); never blocks on the output.
    void post(std::string line);

    /** Waits up to `limit` for everything queued to be written (before
        printing something that must come after the events). */
    void drain(std::chrono::milliseconds limit);

    /// Lines dropped so far because the queue was full.
    std::size_t dropped() const;

private:
    void run();

    int fd_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<std::string> lines_;
    std::size_t dropped_ = 0;          // in total
    std::size_t unreported_ = 0;       // dropped since the last report
    bool writing_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace zmtpcat
