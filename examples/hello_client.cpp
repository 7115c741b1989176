// SPDX-License-Identifier: MIT
// The seed scenario's client: a REQ that asks "Hello" and waits for "World"
// -- and survives its server dying and restarting.
//
//   hello_client [endpoint] [requests]   (default tcp://localhost:5555, 10)
//
// A plain REQ whose server dies after taking a request waits for ever; the
// lazy-pirate options make the socket resend the request (with a fresh
// correlation id, so a late answer to an earlier attempt is ignored) when
// no reply comes within req_timeout, up to req_retries times. Requests may
// then be handled twice: the server's work must be idempotent.
#include <zmtp.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv)
{
    const std::string endpoint = argc > 1 ? argv[1] : "tcp://localhost:5555";
    const int requests = argc > 2 ? std::stoi(argv[2]) : 10;

    zmtp::socket_options opts;
    opts.req_timeout = std::chrono::milliseconds(2500); // resend after 2.5 s without reply
    opts.req_retries = 3;                               // then give up
    zmtp::context ctx;
    zmtp::req_socket req(ctx, opts);
    req.connect(endpoint);

    for (int i = 0; i < requests; ++i) {
        req.send("Hello " + std::to_string(i));
        std::error_code ec;
        const zmtp::message reply = req.recv(ec);
        if (ec == zmtp::socket_error::retries_exhausted) {
            std::printf("server seems to be offline, abandoning\n");
            return 1;
        }
        std::printf("client received %s for request %d\n", reply[0].to_string().c_str(), i);
        std::fflush(stdout);
    }
}
