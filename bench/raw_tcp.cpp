// SPDX-License-Identifier: MIT
// The physical ceiling: the perf tools' four roles over a plain TCP socket
// pair, no messaging library. One source, four executables (RAW_TCP_ROLE):
//
//   raw_tcp_local_thr  <bind-to>    <size> <count>   read size*count bytes
//   raw_tcp_remote_thr <connect-to> <size> <count>   write them in 1 MiB writes
//   raw_tcp_local_lat  <bind-to>    <size> <roundtrips>   echo size-byte blocks
//   raw_tcp_remote_lat <connect-to> <size> <roundtrips>   ping-pong, one-way latency
//
// Endpoints are tcp://a.b.c.d:port (or tcp://*:port to bind). Output lines
// are local_thr's and remote_lat's, so run.py parses all tools alike.
// Throughput is bulk transfer (as large writes as the kernel takes): the
// best any framing on top of TCP can hope for. Latency uses TCP_NODELAY and
// `size`-byte blocks each way.
#include "bench_common.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#ifndef RAW_TCP_ROLE
#error "RAW_TCP_ROLE must be 1 (local_thr), 2 (remote_thr), 3 (local_lat) or 4 (remote_lat)"
#endif

namespace {

[[maybe_unused]] sockaddr_in parse_endpoint(const std::string& ep)
{
    const std::string prefix = "tcp://";
    const auto colon = ep.rfind(':');
    if (ep.rfind(prefix, 0) != 0 || colon == std::string::npos || colon < prefix.size())
        bench::fail("endpoint must be tcp://a.b.c.d:port");
    std::string host = ep.substr(prefix.size(), colon - prefix.size());
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(ep.substr(colon + 1))));
    if (host == "*")
        host = "0.0.0.0";
    if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
        bench::fail("endpoint must be tcp://a.b.c.d:port");
    return sa;
}

[[maybe_unused]] int accept_one(const std::string& ep)
{
    const sockaddr_in sa = parse_endpoint(ep);
    const int l = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(l, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 || ::listen(l, 1) != 0) {
        std::perror("bind");
        std::exit(1);
    }
    const int s = ::accept(l, nullptr, nullptr);
    if (s < 0) {
        std::perror("accept");
        std::exit(1);
    }
    ::close(l);
    return s;
}

/// Connects, retrying for a while: the binding side may not be listening yet.
[[maybe_unused]] int connect_retry(const std::string& ep)
{
    const sockaddr_in sa = parse_endpoint(ep);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const int s = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(s, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0)
            return s;
        ::close(s);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    bench::fail("connect: gave up after 10 s");
}

[[maybe_unused]] void nodelay(int s)
{
    const int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

[[maybe_unused]] void write_all(int s, const char* p, std::size_t n)
{
    while (n) {
        const ssize_t w = ::write(s, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            bench::fail("write failed");
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

[[maybe_unused]] void read_all(int s, char* p, std::size_t n)
{
    while (n) {
        const ssize_t r = ::read(s, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            bench::fail("read failed (peer closed early)");
        p += r;
        n -= static_cast<std::size_t>(r);
    }
}

/// Bulk I/O size: RAW_TCP_CHUNK (bytes) or 1 MiB (the fastest here of 64 KiB ... 4 MiB).
[[maybe_unused]] std::size_t chunk_size()
{
    const char* e = std::getenv("RAW_TCP_CHUNK");
    const std::size_t n = e ? std::strtoull(e, nullptr, 10) : 0;
    return n ? n : 1024 * 1024;
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: raw_tcp_<role> <endpoint> <size> <count>";
    if (argc != 4)
        bench::fail(usage);
    const std::string ep = argv[1];
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);
    [[maybe_unused]] const unsigned long long total = size * count;

#if RAW_TCP_ROLE == 1
    const int s = accept_one(ep);
    std::vector<char> buf(chunk_size());
    unsigned long long got = 0;
    bench::clock::time_point start;
    while (got < total) {
        const ssize_t r = ::read(s, buf.data(), buf.size());
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            bench::fail("read failed (peer closed early)");
        if (got == 0)
            start = bench::clock::now();
        got += static_cast<unsigned long long>(r);
    }
    bench::print_throughput(size, count, bench::elapsed_us(start));
#elif RAW_TCP_ROLE == 2
    const int s = connect_retry(ep);
    const std::size_t chunk = chunk_size();
    std::vector<char> buf(chunk, 'x');
    for (unsigned long long left = total; left;) {
        const std::size_t n = left < chunk ? static_cast<std::size_t>(left) : chunk;
        write_all(s, buf.data(), n);
        left -= n;
    }
#elif RAW_TCP_ROLE == 3
    const int s = accept_one(ep);
    nodelay(s);
    std::vector<char> buf(size ? size : 1);
    for (unsigned long long i = 0; i < count; ++i) {
        read_all(s, buf.data(), size);
        write_all(s, buf.data(), size);
    }
#elif RAW_TCP_ROLE == 4
    const int s = connect_retry(ep);
    nodelay(s);
    std::vector<char> buf(size ? size : 1, 'x');
    const auto start = bench::clock::now();
    for (unsigned long long i = 0; i < count; ++i) {
        write_all(s, buf.data(), size);
        read_all(s, buf.data(), size);
    }
    bench::print_latency(size, count, bench::elapsed_us(start));
#endif
    ::close(s);
    return 0;
}
