// SPDX-License-Identifier: MIT
#include "event_printer.hpp"

#include <cerrno>
#include <chrono>

#include <unistd.h>

namespace zmtpcat {
namespace {

// write(2) rather than stdio: a writer blocked on a full pipe must not hold
// a FILE lock that exit() or another thread then waits for.
void write_all(int fd, const std::string& s)
{
    std::size_t at = 0;
    while (at < s.size()) {
        const ssize_t n = ::write(fd, s.data() + at, s.size() - at);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; // a closed stderr: nothing to be done
        }
        at += static_cast<std::size_t>(n);
    }
}

} // namespace

event_printer::event_printer(int fd) : fd_(fd), thread_([this] { run(); }) {}

void event_printer::drain(std::chrono::milliseconds limit)
{
    std::unique_lock lock(mutex_);
    idle_.wait_for(lock, limit, [this] { return lines_.empty() && unreported_ == 0 && !writing_; });
}

event_printer::~event_printer()
{
    drain(std::chrono::seconds(1));
    std::unique_lock lock(mutex_);
    stopping_ = true;
    const bool drained = lines_.empty() && !writing_;
    lock.unlock();
    wake_.notify_all();
    if (drained)
        thread_.join();
    else
        thread_.detach(); // blocked on a reader that has stopped; exit ends it
}

void event_printer::post(std::string line)
{
    {
        std::lock_guard lock(mutex_);
        if (stopping_)
            return;
        if (lines_.size() >= capacity) {
            ++dropped_;
            ++unreported_;
            return;
        }
        lines_.push_back(std::move(line));
    }
    wake_.notify_one();
}

std::size_t event_printer::dropped() const
{
    std::lock_guard lock(mutex_);
    return dropped_;
}

void event_printer::run()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !lines_.empty() || unreported_ != 0; });
        if (lines_.empty() && unreported_ == 0)
            return; // stopping, and nothing left
        // Everything queued goes in one write; the drop count after it.
        std::string out;
        while (!lines_.empty()) {
            out += lines_.front();
            out += '\n';
            lines_.pop_front();
        }
        if (unreported_ != 0) {
            out += "event: dropped " + std::to_string(unreported_) + "\n";
            unreported_ = 0;
        }
        writing_ = true;
        lock.unlock();
        write_all(fd_, out);
        lock.lock();
        writing_ = false;
        idle_.notify_all();
    }
}

} // namespace zmtpcat
