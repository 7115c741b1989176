// SPDX-License-Identifier: MIT

/** @file
    raw_core_peer: the sans-IO core (zmtp::connection) over a plain POSIX TCP
    socket, with no Asio and no engine -- the smallest real peer, used to test
    the core against pyzmq/libzmq before the transport exists.

        raw_core_peer push --connect PORT --count N [--sizes S1,S2,...]
                           [--no-multipart] [--timeout SECONDS]
        raw_core_peer pull --listen [--port PORT] --count N [--timeout SECONDS]

    push connects to 127.0.0.1:PORT as a PUSH socket and, once the handshake
    is complete, sends "msg-0" .. "msg-(N-1)", then one single-frame message
    per --sizes entry (payload(S), below), then the multipart message
    ["multi", "", payload(300), "end"] unless --no-multipart. It then shuts
    down its sending side and waits for the peer to close, so that nothing
    is lost to a reset.

    pull listens on 127.0.0.1 (port 0 = ephemeral), prints the port as the
    first line of stdout, accepts one connection as a PULL socket, and prints
    each of the N messages it receives on a line of its own: frames joined by
    " | ", each frame shown as its text when it is 1..64 printable characters
    (none of '|', '<', '\\'), else as "<LENGTH:CRC32>" (zlib's CRC-32, hex).

    payload(S) is S bytes of 0, 1, ..., 250 repeated: a period of 251, a
    prime, so that a body shifted by any whole number of blocks still differs.

    The loop is the one a transport runs: write pending output, read into
    prepare(), commit(), drain next_event(). Exit status: 0 on success, 1 on a
    protocol or I/O failure or timeout (with a message on stderr), 2 on
    bad usage.
*/

#include "zmtp/connection.hpp"
#include "zmtp/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what)
{
    std::fprintf(stderr, "raw_core_peer: %s\n", what.c_str());
    std::exit(1);
}

[[noreturn]] void die_errno(const std::string& what)
{
    die(what + ": " + std::strerror(errno));
}

[[noreturn]] void usage()
{
    std::fprintf(stderr,
                 "usage: raw_core_peer push --connect PORT --count N [--sizes S1,S2,...]\n"
                 "                          [--no-multipart] [--timeout SECONDS]\n"
                 "       raw_core_peer pull --listen [--port PORT] --count N [--timeout SECONDS]\n");
    std::exit(2);
}

zmtp::frame payload(std::size_t size)
{
    zmtp::frame f(size);
    for (std::size_t i = 0; i < size; ++i)
        f.data()[i] = std::byte(i % 251);
    return f;
}

std::uint32_t crc32(std::span<const std::byte> bytes)
{
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::byte b : bytes)
        c = table[(c ^ std::to_integer<std::uint32_t>(b)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

std::string render(const zmtp::frame& f)
{
    const std::string_view v = f.view();
    bool text = !v.empty() && v.size() <= 64;
    for (char c : v)
        if (c < 0x20 || c > 0x7E || c == '|' || c == '<' || c == '\\')
            text = false;
    if (text)
        return std::string(v);
    char buf[48];
    std::snprintf(buf, sizeof buf, "<%zu:%08x>", v.size(), crc32(f.bytes()));
    return buf;
}

std::string render(const zmtp::message& m)
{
    std::string line;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i)
            line += " | ";
        line += render(m[i]);
    }
    return line;
}

/// One ZMTP connection over a connected socket, pumped by poll().
class session {
public:
    session(int fd, zmtp::socket_type type, clock_type::time_point deadline)
        : fd_(fd), conn_(zmtp::connection_options{type, {}, {}, {}, {}}), deadline_(deadline)
    {
    }
    ~session() { ::close(fd_); }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    zmtp::connection& conn() { return conn_; }
    bool peer_closed() const { return peer_eof_; }
    bool output_done() const
    {
        return batch_sent_ == batch_.size_bytes() && conn_.pending_output().empty();
    }
    std::size_t unsent_bytes() const { return batch_.size_bytes() - batch_sent_; }

    /// Appends a data message to the output (the connection must be ready).
    void send(zmtp::message&& m)
    {
        if (auto ec = conn_.encode(std::move(m), batch_))
            die("encode: " + ec.message());
    }

    /** Waits for the socket, then reads and writes what it can. Received
        messages are appended to `inbox`. */
    void pump(std::vector<zmtp::message>& inbox)
    {
        const bool had_output = !output_done();
        write_some();
        if (had_output && output_done())
            return; // progress: let the caller queue more before waiting
        pollfd p{fd_, 0, 0};
        if (!peer_eof_)
            p.events |= POLLIN;
        if (!output_done())
            p.events |= POLLOUT;
        if (p.events == 0)
            return;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline_ - clock_type::now());
        if (left.count() <= 0)
            die("timed out");
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0) {
            if (errno == EINTR)
                return;
            die_errno("poll");
        }
        if (r == 0)
            die("timed out");
        if (p.revents & (POLLIN | POLLHUP | POLLERR))
            read_some(inbox);
        write_some();
    }

    /// Half-closes our side: the peer sees EOF at a message boundary.
    void shutdown_send()
    {
        if (::shutdown(fd_, SHUT_WR) != 0)
            die_errno("shutdown");
    }

private:
    void read_some(std::vector<zmtp::message>& inbox)
    {
        const std::span<std::byte> w = conn_.prepare();
        if (w.empty()) {
            peer_eof_ = true; // closed or failed: nothing more will be read
            return;
        }
        const ssize_t n = ::recv(fd_, w.data(), w.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            die_errno("recv");
        }
        if (n == 0) {
            conn_.commit_eof();
            peer_eof_ = true;
        } else {
            conn_.commit(static_cast<std::size_t>(n));
        }
        drain(inbox);
    }

    void drain(std::vector<zmtp::message>& inbox)
    {
        while (true) {
            std::error_code ec;
            zmtp::event ev = conn_.next_event(ec);
            if (ec) {
                std::string why = "connection failed: " + ec.message();
                if (!conn_.peer_error_reason().empty())
                    why += " (" + conn_.peer_error_reason() + ")";
                die(why);
            }
            if (std::holds_alternative<zmtp::events::need_more>(ev) ||
                std::holds_alternative<zmtp::events::closed>(ev))
                return;
            if (auto* m = std::get_if<zmtp::events::message_received>(&ev))
                inbox.push_back(std::move(m->msg));
            // handshake_complete, ping (its PONG is already queued), pong,
            // subscribe, cancel: nothing to do for PUSH/PULL.
        }
    }

    void write_some()
    {
        if (!conn_.pending_output().empty())
            conn_.take_output(batch_); // appended: order is preserved
        while (batch_sent_ < batch_.size_bytes()) {
            // Gather list from the first unsent byte, at most IOV_MAX entries.
            std::vector<iovec> iov;
            std::size_t skip = batch_sent_;
            for (const auto& b : batch_.buffers()) {
                if (skip >= b.size()) {
                    skip -= b.size();
                    continue;
                }
                iov.push_back({const_cast<std::byte*>(b.data() + skip), b.size() - skip});
                skip = 0;
                if (iov.size() == 1024)
                    break;
            }
            msghdr msg{};
            msg.msg_iov = iov.data();
            msg.msg_iovlen = iov.size();
            const ssize_t n = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return;
                if (errno == EINTR)
                    continue;
                die_errno("sendmsg");
            }
            batch_sent_ += static_cast<std::size_t>(n);
        }
        batch_.clear();
        batch_sent_ = 0;
    }

    int fd_;
    zmtp::connection conn_;
    zmtp::write_batch batch_;
    std::size_t batch_sent_ = 0;
    bool peer_eof_ = false;
    clock_type::time_point deadline_;
};

sockaddr_in loopback(std::uint16_t port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

struct args {
    std::string mode;
    std::optional<std::uint16_t> connect_port;
    bool listen = false;
    std::uint16_t listen_port = 0;
    std::optional<std::size_t> count;
    std::vector<std::size_t> sizes;
    bool multipart = true;
    int timeout_s = 60;
};

std::size_t number(const char* s)
{
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        usage();
    return static_cast<std::size_t>(v);
}

args parse(int argc, char** argv)
{
    if (argc < 2)
        usage();
    args a;
    a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string_view opt = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc)
                usage();
            return argv[++i];
        };
        if (opt == "--connect") {
            a.connect_port = static_cast<std::uint16_t>(number(value()));
        } else if (opt == "--listen") {
            a.listen = true;
        } else if (opt == "--port") {
            a.listen_port = static_cast<std::uint16_t>(number(value()));
        } else if (opt == "--count") {
            a.count = number(value());
        } else if (opt == "--sizes") {
            std::string list = value();
            std::size_t pos = 0;
            while (pos <= list.size()) {
                const std::size_t comma = std::min(list.find(',', pos), list.size());
                a.sizes.push_back(number(list.substr(pos, comma - pos).c_str()));
                pos = comma + 1;
            }
        } else if (opt == "--no-multipart") {
            a.multipart = false;
        } else if (opt == "--timeout") {
            a.timeout_s = static_cast<int>(number(value()));
        } else {
            usage();
        }
    }
    if (!a.count)
        usage();
    if (a.mode == "push" && !a.connect_port)
        usage();
    if (a.mode == "pull" && !a.listen)
        usage();
    if (a.mode != "push" && a.mode != "pull")
        usage();
    return a;
}

int run_push(const args& a, clock_type::time_point deadline)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die_errno("socket");
    const sockaddr_in addr = loopback(*a.connect_port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        die_errno("connect to 127.0.0.1:" + std::to_string(*a.connect_port));
    session s(fd, zmtp::socket_type::push, deadline);

    const std::size_t total = *a.count + a.sizes.size() + (a.multipart ? 1 : 0);
    auto make = [&](std::size_t i) {
        if (i < *a.count)
            return zmtp::message("msg-" + std::to_string(i));
        i -= *a.count;
        if (i < a.sizes.size())
            return zmtp::message(payload(a.sizes[i]));
        zmtp::message m;
        m.push_back("multi");
        m.push_back("");
        m.push_back(payload(300));
        m.push_back("end");
        return m;
    };

    std::vector<zmtp::message> inbox;
    std::size_t next = 0;
    while (next < total || !s.output_done()) {
        // "No data before the peer's READY": encode() refuses until then.
        // Bound what is queued, as a real socket's high-water mark would.
        while (s.conn().is_ready() && next < total && s.unsent_bytes() < (4u << 20))
            s.send(make(next++));
        if (s.peer_closed())
            die("peer closed the connection after " + std::to_string(next) + " of " +
                std::to_string(total) + " messages were queued");
        s.pump(inbox);
    }
    // Everything is in the kernel. Half-close and wait for the peer to
    // close: closing with unread input could reset the connection and
    // discard data the peer has not read yet.
    s.shutdown_send();
    while (!s.peer_closed())
        s.pump(inbox);
    std::printf("push: sent %zu messages\n", total);
    return 0;
}

int run_pull(const args& a, clock_type::time_point deadline)
{
    const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        die_errno("socket");
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = loopback(a.listen_port);
    if (::bind(lfd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        die_errno("bind");
    if (::listen(lfd, 1) != 0)
        die_errno("listen");
    socklen_t len = sizeof addr;
    if (::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        die_errno("getsockname");
    std::printf("%u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
    std::fflush(stdout);

    pollfd p{lfd, POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    const int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
    if (r <= 0)
        die(r == 0 ? "timed out waiting for a connection" : "poll on the listener failed");
    const int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0)
        die_errno("accept");
    ::close(lfd);

    session s(fd, zmtp::socket_type::pull, deadline);
    std::vector<zmtp::message> inbox;
    std::size_t printed = 0;
    while (printed < *a.count) {
        if (s.peer_closed())
            die("peer closed the connection after " + std::to_string(printed) + " of " +
                std::to_string(*a.count) + " messages");
        s.pump(inbox);
        for (; printed < inbox.size() && printed < *a.count; ++printed)
            std::printf("%s\n", render(inbox[printed]).c_str());
    }
    std::fflush(stdout);
    std::fprintf(stderr, "pull: received %zu messages\n", printed);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::signal(SIGPIPE, SIG_IGN);
    const args a = parse(argc, argv);
    const auto deadline = clock_type::now() + std::chrono::seconds(a.timeout_s);
    return a.mode == "push" ? run_push(a, deadline) : run_pull(a, deadline);
}
