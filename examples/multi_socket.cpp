// SPDX-License-Identifier: MIT
// Waiting on several sockets at once: tasks from a PULL, control from a SUB.
//
//   multi_socket [task-endpoint] [control-endpoint]
//       default tcp://localhost:5557 and tcp://localhost:5558
//
// No poll loop and no thread per socket: one coroutine per socket, both on
// the same strand, so they share their state without locks. The worker stops
// when a "KILL" arrives on the control socket.
#include <zmtp.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdio>
#include <future>
#include <string>

using asio::experimental::as_tuple;
using asio::use_awaitable;
namespace zp = zmtp;

struct worker_state {
    long tasks = 0;
    bool stopping = false;
    std::promise<void> done;
};

asio::awaitable<void> take_tasks(zp::pull_socket& tasks, worker_state& st)
{
    while (!st.stopping) {
        auto [ec, task] = co_await tasks.async_recv(as_tuple(use_awaitable));
        if (ec)
            co_return; // cancelled or closed
        ++st.tasks;
        std::printf("task: %s\n", task[0].to_string().c_str());
        std::fflush(stdout);
    }
}

asio::awaitable<void> watch_control(zp::sub_socket& control, zp::pull_socket& tasks,
                                    worker_state& st)
{
    for (;;) {
        auto [ec, order] = co_await control.async_recv(as_tuple(use_awaitable));
        if (ec || order[0] == "KILL")
            break;
    }
    st.stopping = true;
    tasks.close(); // ends the pending async_recv of take_tasks
    st.done.set_value();
}

int main(int argc, char** argv)
{
    const std::string task_endpoint = argc > 1 ? argv[1] : "tcp://localhost:5557";
    const std::string control_endpoint = argc > 2 ? argv[2] : "tcp://localhost:5558";

    zp::context ctx;
    zp::pull_socket tasks(ctx);
    tasks.connect(task_endpoint);
    zp::sub_socket control(ctx);
    control.subscribe("");
    control.connect(control_endpoint);

    worker_state st;
    auto strand = asio::make_strand(ctx.get_io_context());
    asio::co_spawn(strand, take_tasks(tasks, st), asio::detached);
    asio::co_spawn(strand, watch_control(control, tasks, st), asio::detached);
    st.done.get_future().wait();
    std::printf("stopped after %ld tasks\n", st.tasks);
}
