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

    // zmtp::proxy moves messages both ways; a capture socket gets a copy of
    // each (printed here when it is a subscription change), and a control
    // socket stops it.
    zmtp::push_socket capture(ctx);
    zmtp::pull_socket captured(ctx);
    capture.bind("inproc://capture");
    captured.connect("inproc://capture");
    zmtp::pair_socket control(ctx);
    zmtp::pair_socket stopper(ctx);
    control.bind("inproc://control");
    stopper.connect("inproc://control");
    std::thread forwarding([&] { zmtp::proxy(front, back, &capture, &control); });
    std::thread printing([&] {
        std::error_code ec;
        for (;;) {
            zmtp::message m = captured.recv(ec);
            if (ec) // closed: we are stopping
                return;
            // From the XPUB: "\x01topic" subscribes, "\x00topic" unsubscribes.
            const std::string s = m[0].to_string();
            if (m.size() == 1 && !s.empty() && (s[0] == 1 || s[0] == 0)) {
                std::printf("%s \"%s\"\n", s[0] == 1 ? "subscribe" : "unsubscribe",
                            s.substr(1).c_str());
                std::fflush(stdout);
            }
        }
    });

    int sig = 0;
    sigwait(&stop, &sig);
    stopper.send("TERMINATE");
    forwarding.join();
    captured.close();
    printing.join();
}
