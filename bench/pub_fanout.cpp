// SPDX-License-Identifier: MIT
// pub_fanout <bind-to> <message-size> <message-count> <subscribers> [nodrop|drop]
//
// The publisher of the fan-out test. It is an XPUB with xpub_verbose -- the
// same data path as PUB -- so that it can count one subscription message per
// subscriber and start only when all of them are connected *and*
// subscribed; wait_for_peers() alone would not prove the SUBSCRIBE has
// arrived. "nodrop" (default) sets xpub_nodrop, so the publisher is paced
// by the slowest subscriber and every subscriber gets every message;
// "drop" is plain PUB behaviour (messages to a full subscriber are dropped).
// Subscribers (sub_fanout) report what they received; this prints the
// publisher's own send rate.
#include "bench_common.hpp"
#include <zmtp.hpp>

#include <cstring>

int main(int argc, char** argv)
{
    const char* usage =
        "usage: pub_fanout <bind-to> <message-size> <message-count> <subscribers> [nodrop|drop]";
    if (argc != 5 && argc != 6)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);
    const auto subscribers = bench::parse_count(argv[4], usage);
    bool nodrop = true;
    if (argc == 6) {
        if (std::strcmp(argv[5], "drop") == 0)
            nodrop = false;
        else if (std::strcmp(argv[5], "nodrop") != 0)
            bench::fail(usage);
    }
    bench::raise_fd_limit(subscribers + 64);

    zmtp::context ctx;
    zmtp::socket_options opts;
    opts.xpub_verbose = true;
    opts.xpub_nodrop = nodrop;
    opts.linger = std::chrono::milliseconds(-1);
    zmtp::xpub_socket pub(ctx, opts);
    pub.bind(argv[1]);

    // Everyone connected (the wait_for_peers), then one "\x01" (subscribe to
    // everything) per subscriber: only now is nobody going to miss the first message.
    pub.wait_for_peers(subscribers);
    for (unsigned long long n = 0; n < subscribers;) {
        const zmtp::message m = pub.recv();
        if (m.size() == 1 && m[0].size() == 1 && m[0].data()[0] == std::byte{1})
            ++n;
    }

    const auto start = bench::clock::now();
    for (unsigned long long i = 0; i < count; ++i)
        pub.send(zmtp::message(zmtp::frame(size)));
    const double elapsed = bench::elapsed_us(start);
    std::printf("subscribers: %llu\n", subscribers);
    std::printf("publish rate: %d [msg/s]\n",
                static_cast<int>(elapsed > 0 ? static_cast<double>(count) / elapsed * 1e6 : 0));
    std::fflush(stdout);
    pub.close();
    return 0;
}
