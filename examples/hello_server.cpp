// SPDX-License-Identifier: MIT
// The seed scenario's server: a REP that answers "World" to every "Hello".
//
//   hello_server [endpoint] [requests]   (default tcp://*:5555, forever)
#include <zmtp.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv)
{
    const std::string endpoint = argc > 1 ? argv[1] : "tcp://*:5555";
    const long requests = argc > 2 ? std::stol(argv[2]) : -1;

    zmtp::context ctx;
    zmtp::rep_socket rep(ctx);
    std::printf("server bound to %s\n", rep.bind(endpoint).c_str());
    std::fflush(stdout);

    for (long i = 0; requests < 0 || i < requests; ++i) {
        const zmtp::message request = rep.recv();
        std::printf("server received %s\n", request[0].to_string().c_str());
        std::fflush(stdout);
        rep.send("World");
    }
}
