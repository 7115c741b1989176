// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the transport and pattern test batteries:
// - event_log: records a socket's events (through on_event) and lets the
//   test thread wait for them, instead of sleeping;
// - raw_conn / raw_listener: plain POSIX TCP peers whose every byte the test
//   controls, with deadlines on every read;
// - wire builders for greetings, READY, PING and data frames, written out
//   byte by byte (never produced by the library's own encoders);
// - small utilities: temp_dir, poll_until, finishes_within.
//
// Catch2 v2 assertions are not thread-safe: helpers that may run on another
// thread never assert; they return what happened and the test asserts.

#include "zmtp/socket_error.hpp"
#include "zmtp/socket.hpp"
#include "zmtp/socket_event.hpp"
#include "transport/endpoint.hpp"
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace Catch {
template <>
struct StringMaker<std::error_code> {
    static std::string convert(const std::error_code& ec)
    {
        if (!ec)
            return "{no error}";
        return std::string("{") + ec.category().name() + ":" + std::to_string(ec.value()) + " " +
               ec.message() + "}";
    }
};
template <>
struct StringMaker<zmtp::socket_event::kind> {
    static std::string convert(zmtp::socket_event::kind k)
    {
        return std::string(zmtp::to_string(k));
    }
};
} // namespace Catch

namespace zmtp_test {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using kind = zmtp::socket_event::kind;
using zmtp::socket_error;
using zmtp::socket_event;
using zmtp::socket_options;

/// The deadline for anything that should happen "soon": generous, so that a
/// busy 2-core machine never turns a slow run into a failure.
inline constexpr std::chrono::milliseconds generous{10000};

/// Options every test socket starts from: blocking calls give up after the
/// generous deadline instead of hanging the suite when something is broken.
inline socket_options test_options()
{
    socket_options o;
    o.sndtimeo = generous;
    o.rcvtimeo = generous;
    return o;
}

//----------------------------------------------------------------------------
// Byte strings

using bytes = std::vector<std::uint8_t>;

struct zeros {
    std::size_t n;
};
struct repeat {
    std::size_t n;
    char c;
};

inline void append(bytes& out, int b) { out.push_back(static_cast<std::uint8_t>(b)); }
inline void append(bytes& out, const char* s)
{
    for (; *s; ++s)
        out.push_back(static_cast<std::uint8_t>(*s));
}
inline void append(bytes& out, std::string_view s)
{
    for (char c : s)
        out.push_back(static_cast<std::uint8_t>(c));
}
inline void append(bytes& out, const std::string& s) { append(out, std::string_view(s)); }
inline void append(bytes& out, const bytes& b) { out.insert(out.end(), b.begin(), b.end()); }
inline void append(bytes& out, zeros z) { out.insert(out.end(), z.n, 0); }
inline void append(bytes& out, repeat r) { out.insert(out.end(), r.n, static_cast<std::uint8_t>(r.c)); }

/// Concatenates octets, strings (without terminators), byte strings, zeros{n}, repeat{n, c}.
template <class... Parts>
bytes cat(const Parts&... parts)
{
    bytes out;
    (append(out, parts), ...);
    return out;
}

inline std::string to_string(const bytes& b) { return std::string(b.begin(), b.end()); }

inline std::string hex(const bytes& b)
{
    std::ostringstream os;
    for (auto c : b) {
        static const char* digits = "0123456789abcdef";
        os << digits[c >> 4] << digits[c & 15] << ' ';
    }
    return os.str();
}

//----------------------------------------------------------------------------
// ZMTP wire images (RFC 37), written out by hand.

/// A ZMTP 3.`minor` NULL greeting with zero padding, as-server 0.
inline bytes greeting(int minor = 1)
{
    return cat(0xff, zeros{8}, 0x7f, 0x03, minor, "NULL", zeros{16}, 0x00, zeros{31});
}

/// A command frame (short form up to 255 body bytes).
inline bytes command_frame(const bytes& body)
{
    if (body.size() <= 255)
        return cat(0x04, static_cast<int>(body.size()), body);
    bytes out = cat(0x06);
    for (int i = 7; i >= 0; --i)
        append(out, static_cast<int>((body.size() >> (8 * i)) & 0xff));
    append(out, body);
    return out;
}

inline bytes be32(std::size_t n)
{
    return cat(static_cast<int>((n >> 24) & 0xff), static_cast<int>((n >> 16) & 0xff),
               static_cast<int>((n >> 8) & 0xff), static_cast<int>(n & 0xff));
}

/// READY with Socket-Type `type` and, when given, an Identity property.
inline bytes ready_body(std::string_view type, std::optional<std::string_view> identity = {})
{
    bytes body = cat(0x05, "READY", 0x0b, "Socket-Type", be32(type.size()), type);
    if (identity)
        append(body, cat(0x08, "Identity", be32(identity->size()), *identity));
    return body;
}
inline bytes ready(std::string_view type, std::optional<std::string_view> identity = {})
{
    return command_frame(ready_body(type, identity));
}

/// PING with a TTL in deciseconds and a context.
inline bytes ping(std::uint16_t ttl_ds, std::string_view context = {})
{
    return command_frame(cat(0x04, "PING", ttl_ds >> 8, ttl_ds & 0xff, context));
}

/// One data frame.
inline bytes data_frame(std::string_view body, bool more = false)
{
    const int more_bit = more ? 0x01 : 0x00;
    if (body.size() <= 255)
        return cat(more_bit, static_cast<int>(body.size()), body);
    bytes out = cat(more_bit | 0x02);
    for (int i = 7; i >= 0; --i)
        append(out, static_cast<int>((body.size() >> (8 * i)) & 0xff));
    append(out, body);
    return out;
}

//----------------------------------------------------------------------------
// Raw POSIX peers

/// One frame as read off the wire.
struct raw_frame {
    std::uint8_t flags = 0;
    bytes body;
    bool more() const { return (flags & 0x01) != 0; }
    bool is_command() const { return (flags & 0x04) != 0; }
    /// The command name, for a command frame with a well-formed name.
    std::string command_name() const
    {
        if (!is_command() || body.empty() || body.size() < 1u + body[0])
            return {};
        return std::string(body.begin() + 1, body.begin() + 1 + body[0]);
    }
};

class raw_conn {
public:
    raw_conn() = default;
    explicit raw_conn(int fd) : fd_(fd) {}
    raw_conn(raw_conn&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    raw_conn& operator=(raw_conn&& o) noexcept
    {
        close();
        fd_ = std::exchange(o.fd_, -1);
        return *this;
    }
    ~raw_conn() { close(); }

    /// Connects to 127.0.0.1:`port`; check valid() (connection refused leaves it invalid).
    static raw_conn connect_tcp(std::uint16_t port)
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return raw_conn();
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            return raw_conn();
        }
        return raw_conn(fd);
    }

    bool valid() const { return fd_ >= 0; }
    int fd() const { return fd_; }

    void close()
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    /// Writes everything; false if the peer has gone.
    bool send(const bytes& b)
    {
        std::size_t off = 0;
        while (off < b.size()) {
            const auto n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return false;
            }
            off += static_cast<std::size_t>(n);
        }
        return true;
    }

    /// Reads exactly `n` bytes, or fewer on EOF, error or timeout.
    bytes read_n(std::size_t n, std::chrono::milliseconds timeout = generous)
    {
        bytes out;
        const auto deadline = steady::now() + timeout;
        while (out.size() < n) {
            if (!wait_readable(deadline))
                break;
            std::uint8_t buf[65536];
            const auto want = std::min(n - out.size(), sizeof buf);
            const auto r = ::recv(fd_, buf, want, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                eof_ = true;
                break;
            }
            out.insert(out.end(), buf, buf + r);
        }
        return out;
    }

    /// Reads one frame (short or long form); nullopt on EOF, error or timeout.
    std::optional<raw_frame> read_frame(std::chrono::milliseconds timeout = generous)
    {
        const auto deadline = steady::now() + timeout;
        auto left = [&] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
        };
        const auto head = read_n(2, left());
        if (head.size() != 2)
            return std::nullopt;
        raw_frame f;
        f.flags = head[0];
        std::uint64_t size = head[1];
        if (f.flags & 0x02) {
            const auto rest = read_n(7, left());
            if (rest.size() != 7)
                return std::nullopt;
            size = head[1];
            for (auto b : rest)
                size = (size << 8) | b;
        }
        f.body = read_n(static_cast<std::size_t>(size), left());
        if (f.body.size() != size)
            return std::nullopt;
        return f;
    }

    /// Reads frames until one satisfies `pred`; nullopt on EOF or timeout.
    template <class Pred>
    std::optional<raw_frame> read_until(Pred pred, std::chrono::milliseconds timeout = generous)
    {
        const auto deadline = steady::now() + timeout;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
            if (left.count() <= 0)
                return std::nullopt;
            auto f = read_frame(left);
            if (!f)
                return std::nullopt;
            if (pred(*f))
                return f;
        }
    }

    /// True if the peer closes the connection (EOF or reset) within `timeout`;
    /// data arriving meanwhile is discarded.
    bool wait_closed(std::chrono::milliseconds timeout = generous)
    {
        const auto deadline = steady::now() + timeout;
        for (;;) {
            if (!wait_readable(deadline))
                return false;
            std::uint8_t buf[4096];
            const auto r = ::recv(fd_, buf, sizeof buf, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return true;
        }
    }

    /// True if nothing arrives (and the connection stays open) for `d`.
    /// A check of absence: it can only pass wrongly, never fail wrongly.
    bool quiet_for(std::chrono::milliseconds d)
    {
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(d.count()));
        return r == 0;
    }

    bool saw_eof() const { return eof_; }

private:
    bool wait_readable(steady::time_point deadline)
    {
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
            if (left.count() < 0)
                return false;
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR)
                continue;
            return r > 0;
        }
    }

    int fd_ = -1;
    bool eof_ = false;
};

/// A listening TCP socket on 127.0.0.1, ephemeral port.
/** Plays a peer of `type` against a bound socket: reads its greeting,
    sends ours and our READY, reads its READY. Returns the frame of its READY. */
inline std::optional<raw_frame> raw_handshake(raw_conn& c, std::string_view type)
{
    const auto g = c.read_n(64);
    if (g != greeting())
        return std::nullopt;
    if (!c.send(cat(greeting(), ready(type))))
        return std::nullopt;
    return c.read_frame();
}

class raw_listener {
public:
    raw_listener()
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = 0;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
              ::listen(fd_, 16) == 0;
        socklen_t len = sizeof a;
        if (ok_ && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            port_ = ntohs(a.sin_port);
    }
    ~raw_listener()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    raw_listener(const raw_listener&) = delete;
    raw_listener& operator=(const raw_listener&) = delete;

    bool ok() const { return ok_; }
    std::uint16_t port() const { return port_; }
    std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

    /// Accepts one connection within `timeout` (invalid raw_conn otherwise).
    raw_conn accept(std::chrono::milliseconds timeout = generous)
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
            return raw_conn();
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0)
            return raw_conn();
        const int one = 1;
        ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return raw_conn(c);
    }

private:
    int fd_ = -1;
    bool ok_ = false;
    std::uint16_t port_ = 0;
};

//----------------------------------------------------------------------------
// Socket events

/** Records a socket's events. Attach before bind/connect. Shared with the
    handler, so it outlives the socket's last callback. */
class event_log {
public:
    static std::shared_ptr<event_log> attach(zmtp::socket& s)
    {
        auto log = std::make_shared<event_log>();
        s.on_event([log](const socket_event& e) { log->push(e); });
        return log;
    }

    void push(const socket_event& e)
    {
        std::lock_guard lock(mutex_);
        events_.push_back(e);
        cv_.notify_all();
    }

    std::vector<socket_event> snapshot()
    {
        std::lock_guard lock(mutex_);
        return events_;
    }

    std::size_t count(kind k)
    {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& e : events_)
            n += e.what == k;
        return n;
    }

    /// Waits until at least `n` events of kind `k` were seen.
    bool wait_count(kind k, std::size_t n, std::chrono::milliseconds timeout = generous)
    {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] {
            std::size_t c = 0;
            for (const auto& e : events_)
                c += e.what == k;
            return c >= n;
        });
    }

    /// The `index`-th event of kind `k` (0-based), waiting for it.
    std::optional<socket_event> wait_nth(kind k, std::size_t index = 0,
                                         std::chrono::milliseconds timeout = generous)
    {
        if (!wait_count(k, index + 1, timeout))
            return std::nullopt;
        std::lock_guard lock(mutex_);
        std::size_t c = 0;
        for (const auto& e : events_)
            if (e.what == k && c++ == index)
                return e;
        return std::nullopt;
    }

    /// "listening tcp://... | accepted ..." for failure messages.
    std::string describe()
    {
        std::lock_guard lock(mutex_);
        std::string s;
        for (const auto& e : events_) {
            s += std::string(zmtp::to_string(e.what)) + " '" + e.endpoint + "'";
            if (e.reason)
                s += " (" + e.reason.message() + ")";
            s += " | ";
        }
        return s;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<socket_event> events_;
};

//----------------------------------------------------------------------------
// Utilities

/// The port of a "tcp://host:port" endpoint (0 if it does not parse).
inline std::uint16_t port_of(std::string_view ep)
{
    std::error_code ec;
    const auto p = zmtp::transport::endpoint::parse(ep, ec);
    return p ? p->port : 0;
}

/// A fresh directory under the system temp dir, removed with its content.
class temp_dir {
public:
    temp_dir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "zmtp-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) != nullptr)
            path_ = tmpl;
    }
    ~temp_dir()
    {
        std::error_code ec;
        if (!path_.empty())
            std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::string& path() const { return path_; }
    /// "ipc://<dir>/<name>"
    std::string ipc(std::string_view name) const { return "ipc://" + path_ + "/" + std::string(name); }

private:
    std::string path_;
};

/// A process-unique name for Linux abstract ipc sockets.
inline std::string abstract_ipc(std::string_view tag)
{
    static std::atomic<int> counter{0};
    return "ipc://@zmtp-test-" + std::to_string(::getpid()) + "-" + std::string(tag) + "-" +
           std::to_string(counter++);
}

/// Polls `pred` until it holds or `timeout` passes (a condition, not a sleep).
template <class Pred>
bool poll_until(Pred pred, std::chrono::milliseconds timeout = generous)
{
    const auto deadline = steady::now() + timeout;
    while (!pred()) {
        if (steady::now() >= deadline)
            return pred();
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

/** Runs `fn` on a thread and reports whether it finished within `timeout`.
    On timeout the thread is abandoned (detached) so the suite can report the
    hang instead of hanging. */
inline bool finishes_within(std::function<void()> fn, std::chrono::milliseconds timeout = generous)
{
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    std::thread t([fn = std::move(fn), done] {
        fn();
        done->set_value();
    });
    if (fut.wait_for(timeout) == std::future_status::ready) {
        t.join();
        return true;
    }
    t.detach();
    return false;
}

//----------------------------------------------------------------------------
// Messages

inline std::vector<std::string> parts(const zmtp::message& m)
{
    std::vector<std::string> v;
    for (const auto& f : m)
        v.push_back(f.to_string());
    return v;
}

inline zmtp::message make_message(std::initializer_list<std::string_view> frames)
{
    zmtp::message m;
    for (auto f : frames)
        m.push_back(zmtp::frame(f));
    return m;
}

/// Receives with the socket's rcvtimeo and returns its frames (empty + ec on failure).
inline std::vector<std::string> recv_parts(zmtp::socket& s, std::error_code& ec)
{
    auto m = s.recv(ec);
    if (ec)
        return {};
    return parts(m);
}

/// Polls try_recv until a message arrives or `timeout` passes.
inline std::optional<zmtp::message> recv_within(zmtp::socket& s,
                                                std::chrono::milliseconds timeout)
{
    zmtp::message m;
    if (poll_until(
            [&] {
                auto got = s.try_recv();
                if (got)
                    m = std::move(*got);
                return got.has_value();
            },
            timeout))
        return m;
    return std::nullopt;
}

} // namespace zmtp_test
