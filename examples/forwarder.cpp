// SPDX-License-Identifier: MIT
// A PUB/SUB forwarder: publishers connect to one side, subscribers to the
// other, and neither needs to know where the others are.
//
//   forwarder [publishers-endpoint] [subscribers-endpoint]
//       default tcp://*:5559 (publishers connect here, to our XSUB) and
//               tcp://*:5560 (subscribers connect here, to our XPUB)
//
// Publications flow down from the XSUB to the XPUB; subscriptions flow up
// from the XPUB (which hands them to us as "\x01topic" / "\x00topic"
// messages) to the XSUB, which sends them on to every publisher, so the
// publishers still filter at the source. It prints the bound endpoints and
// each subscription change, and runs until SIGINT or SIGTERM.
#include <zmtp.hpp>

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

int main(int argc, char** argv)
{
    const std::string front_ep = argc > 1 ? argv[1] : "tcp://*:5559";
    const std::string back_ep = argc > 2 ? argv[2] : "tcp://*:5560";

    // Block the stop signals in every thread (the context's included); the
    // main thread waits for them below.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    zmtp::context ctx;
    zmtp::xsub_socket front(ctx); // publishers connect here
    zmtp::xpub_socket back(ctx);  // subscribers connect here
    std::printf("publishers: %s\n", front.bind(front_ep).c_str());
    std::printf("subscribers: %s\n", back.bind(back_ep).c_str());
    std::fflush(stdout);

    // Each direction blocks on its own thread; closing the sockets ends them.
    std::thread down([&] {
        std::error_code ec;
        for (;;) {
            zmtp::message m = front.recv(ec);
            if (ec) // closed: we are stopping
                return;
            back.send(std::move(m), ec); // never blocks: a full subscriber misses it
        }
    });
    std::thread up([&] {
        std::error_code ec;
        for (;;) {
            zmtp::message m = back.recv(ec);
            if (ec) // closed: we are stopping
                return;
            const std::string s = m[0].to_string();
            if (!s.empty() && (s[0] == 1 || s[0] == 0)) {
                std::printf("%s \"%s\"\n", s[0] == 1 ? "subscribe" : "unsubscribe",
                            s.substr(1).c_str());
                std::fflush(stdout);
            }
            front.send(std::move(m), ec);
        }
    });

    int sig = 0;
    sigwait(&stop, &sig);
    front.close();
    back.close();
    down.join();
    up.join();
}
