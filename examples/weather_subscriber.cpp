// SPDX-License-Identifier: MIT
// The seed scenario's subscriber: averages the temperature of some zipcodes.
//
//   weather_subscriber [endpoint] [updates] [prefix...]
//       default tcp://localhost:5556, 100 updates, prefix "10001 "
//
// Several prefixes can be given ("2" matches every zipcode starting with 2).
// With heartbeats on, a link that silently died is noticed and rebuilt, and
// the subscriptions are sent again on the new connection automatically.
#include <zmtp.hpp>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>

int main(int argc, char** argv)
{
    const std::string endpoint = argc > 1 ? argv[1] : "tcp://localhost:5556";
    const int updates = argc > 2 ? std::stoi(argv[2]) : 100;

    zmtp::socket_options opts;
    opts.heartbeat_ivl = std::chrono::milliseconds(1000);
    opts.heartbeat_timeout = std::chrono::milliseconds(2000);
    zmtp::context ctx;
    zmtp::sub_socket sub(ctx, opts);
    if (argc > 3)
        for (int i = 3; i < argc; ++i)
            sub.subscribe(argv[i]);
    else
        sub.subscribe("10001 ");
    sub.connect(endpoint);

    long total = 0;
    for (int i = 0; i < updates; ++i) {
        std::istringstream update(sub.recv()[0].to_string());
        int zipcode = 0, temperature = 0;
        update >> zipcode >> temperature;
        total += temperature;
    }
    std::printf("average temperature over %d updates: %ld F\n", updates, total / updates);
}
