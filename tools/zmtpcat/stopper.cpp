// SPDX-License-Identifier: MIT
#include "stopper.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace zmtpcat {
namespace {

// Shared with the signal handler: lock-free atomics and a plain fd only.
std::atomic<bool> g_stop_requested{false};
std::atomic<int> g_exit_status{0};
int g_signal_write = -1;
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int)
{
    // A second signal means "do not wait for the linger": leave at once.
    if (g_stop_requested.exchange(true))
        ::_exit(g_exit_status.load());
    const char c = 's';
    [[maybe_unused]] const auto n = ::write(g_signal_write, &c, 1);
}

void make_pipe(int fds[2])
{
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
}

} // namespace

stopper::stopper()
{
    int sig[2];
    int wake[2];
    make_pipe(sig);
    make_pipe(wake);
    signal_read_ = sig[0];
    g_signal_write = sig[1];
    // The handler must never block; one pending byte is all it takes anyway.
    ::fcntl(sig[1], F_SETFL, ::fcntl(sig[1], F_GETFL) | O_NONBLOCK);
    wake_read_ = wake[0];
    wake_write_ = wake[1];

    struct sigaction sa = {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

stopper::~stopper()
{
    unwatch();
    // The handlers stay: a late signal finds g_stop_requested set and exits.
    g_stop_requested = true;
    ::close(signal_read_);
    ::close(wake_read_);
    if (wake_write_ >= 0)
        ::close(wake_write_);
}

void stopper::watch(zmtp::socket& s)
{
    watcher_ = std::thread([this, &s] { run_watcher(s); });
}

void stopper::unwatch()
{
    if (!watcher_.joinable())
        return;
    const char c = 'q';
    [[maybe_unused]] const auto n = ::write(g_signal_write, &c, 1);
    watcher_.join();
}

void stopper::run_watcher(zmtp::socket& s)
{
    for (;;) {
        char c = 0;
        const auto n = ::read(signal_read_, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == 'q')
            return;
        {
            // Waiters on wake_fd() see POLLHUP from now on.
            std::lock_guard lock(mutex_);
            ::close(wake_write_);
            wake_write_ = -1;
        }
        // Fails blocked sends and receives with `closed`, after the linger.
        s.close();
        return;
    }
}

void stopper::request(outcome result)
{
    std::lock_guard lock(mutex_);
    if (g_stop_requested.exchange(true))
        return;
    g_exit_status = result.status;
    result_ = std::move(result);
    const char c = 'r';
    [[maybe_unused]] const auto n = ::write(g_signal_write, &c, 1);
}

bool stopper::requested() const noexcept
{
    return g_stop_requested.load();
}

outcome stopper::result() const
{
    std::lock_guard lock(mutex_);
    return result_;
}

bool stopper::sleep_for(std::chrono::milliseconds d) const
{
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + d;
    for (;;) {
        if (requested())
            return false;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0)
            return true;
        pollfd p{wake_read_, POLLIN, 0};
        const int timeout = left > 1000000 ? 1000000 : static_cast<int>(left);
        if (::poll(&p, 1, timeout) > 0)
            return false;
    }
}

} // namespace zmtpcat
