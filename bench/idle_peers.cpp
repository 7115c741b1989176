// SPDX-License-Identifier: MIT
// idle_peers <connect-to> <connections>
//
// The far side of the idle-connection memory test: opens `connections` TCP
// connections to a PULL socket (ours or libzmq's: the same peer process for
// both), performs a ZMTP 3.0 NULL handshake as a PUSH on each, sends one
// 1-byte message (so the PULL can count its peers by receiving), and then
// keeps all of them open and silent until the PULL's process exits.
//
// Raw sockets, no library: a peer process made of 10 000 libzmq sockets
// would need 10 000 more descriptors (one mailbox each) than the hard limit
// may allow, and would measure nothing we care about. Handshakes are done
// one connection at a time so the listener's accept backlog never
// overflows (an overflow costs a 1 s SYN retransmit).
#include "bench_common.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

namespace {

sockaddr_in parse_endpoint(const std::string& ep)
{
    const std::string prefix = "tcp://";
    const auto colon = ep.rfind(':');
    if (ep.rfind(prefix, 0) != 0 || colon == std::string::npos || colon < prefix.size())
        bench::fail("endpoint must be tcp://a.b.c.d:port");
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(ep.substr(colon + 1))));
    if (inet_pton(AF_INET, ep.substr(prefix.size(), colon - prefix.size()).c_str(), &sa.sin_addr) != 1)
        bench::fail("endpoint must be tcp://a.b.c.d:port");
    return sa;
}

bool write_all(int s, const unsigned char* p, std::size_t n)
{
    while (n) {
        const ssize_t w = ::write(s, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

bool read_all(int s, unsigned char* p, std::size_t n)
{
    while (n) {
        const ssize_t r = ::read(s, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

/// Our greeting (ZMTP 3.0, NULL, as-server 0) and READY{Socket-Type: PUSH}.
std::vector<unsigned char> hello()
{
    std::vector<unsigned char> g(64, 0);
    g[0] = 0xFF;
    g[9] = 0x7F;
    g[10] = 3; // version 3.0
    g[11] = 0;
    const char mech[] = "NULL";
    for (int i = 0; i < 4; ++i)
        g[12 + i] = static_cast<unsigned char>(mech[i]);
    const std::string body = std::string("\x05READY\x0BSocket-Type", 18) + std::string("\0\0\0\x04PUSH", 8);
    g.push_back(0x04); // short command frame
    g.push_back(static_cast<unsigned char>(body.size()));
    g.insert(g.end(), body.begin(), body.end());
    return g;
}

/// Reads the server's greeting and its first command (READY): the handshake is then done
/// on our side, and a data frame will not be mistaken for a handshake command.
bool read_handshake(int s)
{
    unsigned char buf[256];
    if (!read_all(s, buf, 64) || buf[0] != 0xFF || buf[9] != 0x7F)
        return false;
    unsigned char flags;
    if (!read_all(s, &flags, 1) || !(flags & 0x04))
        return false;
    unsigned long long size = 0;
    if (flags & 0x02) {
        unsigned char b[8];
        if (!read_all(s, b, 8))
            return false;
        for (unsigned char c : b)
            size = size << 8 | c;
    } else {
        unsigned char b;
        if (!read_all(s, &b, 1))
            return false;
        size = b;
    }
    while (size) {
        const std::size_t n = size < sizeof buf ? static_cast<std::size_t>(size) : sizeof buf;
        if (!read_all(s, buf, n))
            return false;
        size -= n;
    }
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: idle_peers <connect-to> <connections>";
    if (argc != 3)
        bench::fail(usage);
    const sockaddr_in sa = parse_endpoint(argv[1]);
    const auto n = bench::parse_count(argv[2], usage);
    if (bench::raise_fd_limit(n + 64) < n + 16)
        bench::fail("idle_peers: RLIMIT_NOFILE hard limit too low for that many connections");
    std::signal(SIGPIPE, SIG_IGN);
    alarm(600); // never outlive a harness that forgot us

    const auto greeting = hello();
    const unsigned char data[] = {0x00, 0x01, 'x'};
    std::vector<int> fds;
    fds.reserve(n);
    for (unsigned long long i = 0; i < n; ++i) {
        int s = -1;
        for (int attempt = 0; attempt < 1000; ++attempt) { // the PULL may not be bound yet
            s = ::socket(AF_INET, SOCK_STREAM, 0);
            if (::connect(s, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0)
                break;
            ::close(s);
            s = -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (s < 0)
            bench::fail("idle_peers: connect failed");
        if (!write_all(s, greeting.data(), greeting.size()) || !read_handshake(s) ||
            !write_all(s, data, sizeof data))
            bench::fail("idle_peers: handshake failed");
        fds.push_back(s);
    }
    std::printf("peers: %llu\n", n);
    std::fflush(stdout);
    // Wait for the PULL's process to go away: its exit closes every connection.
    unsigned char b;
    while (!fds.empty() && ::read(fds.front(), &b, 1) > 0) {
    }
    return 0;
}
