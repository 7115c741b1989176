// SPDX-License-Identifier: MIT
// The seed scenario's worker: a PULL that connects and processes tasks.
//
//   task_worker [endpoint] [name]        (default tcp://localhost:5557)
//
// Start as many as you like, in any order relative to the pusher. The
// connection is retried until the pusher is there, and made again if it
// restarts. A worker stops at the "END" task (only one worker gets it; stop
// the others with Ctrl-C).
#include <zmtp.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv)
{
    const std::string endpoint = argc > 1 ? argv[1] : "tcp://localhost:5557";
    const std::string name = argc > 2 ? argv[2] : "worker";

    zmtp::context ctx;
    zmtp::pull_socket pull(ctx);
    pull.connect(endpoint);

    int done = 0;
    for (;;) {
        const zmtp::message task = pull.recv();
        if (task[0] == "END")
            break;
        ++done; // the "work"
        std::printf("%s: %s\n", name.c_str(), task[0].to_string().c_str());
        std::fflush(stdout);
    }
    std::printf("%s: done after %d tasks\n", name.c_str(), done);
}
