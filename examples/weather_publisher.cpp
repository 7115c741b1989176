// SPDX-License-Identifier: MIT
// The seed scenario's publisher: "zipcode temperature humidity" updates.
//
//   weather_publisher [endpoint] [updates]   (default tcp://*:5556, forever)
//
// PUB filters at the publisher: each update goes only to subscribers whose
// subscription is a prefix of it. Heartbeats keep long links honest: a
// subscriber that vanished without closing its TCP connection is noticed
// within two seconds and dropped.
#include <zmtp.hpp>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

int main(int argc, char** argv)
{
    const std::string endpoint = argc > 1 ? argv[1] : "tcp://*:5556";
    const long updates = argc > 2 ? std::stol(argv[2]) : -1;

    zmtp::socket_options opts;
    opts.heartbeat_ivl = std::chrono::milliseconds(1000);
    opts.heartbeat_timeout = std::chrono::milliseconds(2000);
    zmtp::context ctx;
    zmtp::pub_socket pub(ctx, opts);
    std::printf("publisher bound to %s\n", pub.bind(endpoint).c_str());
    std::fflush(stdout);

    std::mt19937 rng(std::random_device{}());
    for (long i = 0; updates < 0 || i < updates; ++i) {
        const int zipcode = static_cast<int>(rng() % 100000);
        const int temperature = static_cast<int>(rng() % 215) - 80;
        const int humidity = static_cast<int>(rng() % 50) + 10;
        char update[64];
        std::snprintf(update, sizeof update, "%05d %d %d", zipcode, temperature, humidity);
        pub.send(update); // never blocks: a subscriber that is full misses it
        if (i % 1000 == 999)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}
