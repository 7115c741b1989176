// SPDX-License-Identifier: MIT
// The seed scenario's task ventilator: a PUSH that binds and sends tasks.
//
//   task_pusher [endpoint] [tasks]      (default tcp://*:5557, 1000 tasks)
//
// Start it before or after the workers: send() blocks until a worker is
// connected, then tasks are balanced round-robin over every worker. When a
// worker dies, later tasks go to the others.
#include <zmtp.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv)
{
    const std::string endpoint = argc > 1 ? argv[1] : "tcp://*:5557";
    const int tasks = argc > 2 ? std::stoi(argv[2]) : 1000;

    zmtp::context ctx;
    zmtp::push_socket push(ctx);
    std::printf("pusher bound to %s\n", push.bind(endpoint).c_str());
    std::fflush(stdout);

    for (int i = 0; i < tasks; ++i)
        push.send("task " + std::to_string(i)); // blocks while no worker has room
    push.send("END");
    std::printf("pusher sent %d tasks\n", tasks);
    push.close(); // waits (up to the linger time) until queued tasks are out
}
