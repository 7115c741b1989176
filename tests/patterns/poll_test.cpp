// SPDX-License-Identifier: MIT
// zmtp::poll() over sockets and plain descriptors, and the readiness
// descriptor under it (socket::fd() / socket::events(), libzmq's ZMQ_FD and
// ZMQ_EVENTS): readiness in both directions, the wake-up when a peer sends
// from another thread, several sockets at once, REQ's lockstep, and the
// edge-triggered contract of the descriptor.

#include "spec_support.hpp"

#include "zmtp/poll.hpp"

#include <poll.h>
#include <unistd.h>

#include <thread>

using namespace zmtp_test;
using namespace std::chrono_literals;

namespace {

/// True if `fd` is readable now.
bool fd_readable(int fd)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

} // namespace

TEST_CASE("poll: nothing ready times out; a message sent meanwhile wakes it", "[poll]")
{
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind(bind_endpoint(transport, dir, "poll.sock"));
    push_socket push(ctx, test_options());
    push.connect(ep);
    REQUIRE(pull.wait_for_peers(1, generous));

    zmtp::poll_item items[] = {{&pull, -1, zmtp::poll_in}};
    CHECK(zmtp::poll(items, 20ms) == 0);
    CHECK(items[0].revents == 0);

    std::thread sender([&] {
        std::this_thread::sleep_for(50ms); // let the poll below start waiting
        push.send("wake");
    });
    CHECK(zmtp::poll(items, generous) == 1);
    CHECK(items[0].revents == zmtp::poll_in);
    auto m = pull.try_recv(); // poll_in: a recv does not block
    REQUIRE(m);
    CHECK(m->front().to_string() == "wake");
    sender.join();
}

TEST_CASE("poll: of several sockets, only the ready ones are reported", "[poll]")
{
    context ctx;
    std::vector<std::unique_ptr<pull_socket>> pulls;
    std::vector<std::unique_ptr<push_socket>> pushes;
    std::vector<zmtp::poll_item> items;
    for (int i = 0; i < 3; ++i) {
        pulls.push_back(std::make_unique<pull_socket>(ctx, test_options()));
        const auto ep = pulls.back()->bind(fresh_inproc("several"));
        pushes.push_back(std::make_unique<push_socket>(ctx, test_options()));
        pushes.back()->connect(ep);
    }
    for (auto& p : pulls)
        items.push_back({p.get(), -1, zmtp::poll_in});
    pushes[1]->send("for 1");
    REQUIRE(zmtp::poll(items, generous) == 1);
    CHECK(items[0].revents == 0);
    CHECK(items[1].revents == zmtp::poll_in);
    CHECK(items[2].revents == 0);
    CHECK(pulls[1]->recv().front().to_string() == "for 1");
    CHECK(zmtp::poll(items, 0ms) == 0); // taken: nothing left
}

TEST_CASE("poll: plain descriptors beside sockets", "[poll]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    pull.bind(fresh_inproc("fds"));
    int p[2];
    REQUIRE(::pipe(p) == 0);
    zmtp::poll_item items[] = {{&pull, -1, zmtp::poll_in}, {nullptr, p[0], zmtp::poll_in}};
    CHECK(zmtp::poll(items, 0ms) == 0);
    std::thread writer([&] {
        std::this_thread::sleep_for(50ms);
        REQUIRE(::write(p[1], "x", 1) == 1);
    });
    CHECK(zmtp::poll(items, generous) == 1);
    CHECK(items[0].revents == 0);
    CHECK(items[1].revents == zmtp::poll_in);
    writer.join();
    ::close(p[1]); // hang-up is reported as poll_err, beside what is readable
    char c;
    REQUIRE(::read(p[0], &c, 1) == 1);
    CHECK(zmtp::poll(items, generous) == 1);
    CHECK((items[1].revents & zmtp::poll_err) != 0);
    ::close(p[0]);

    std::error_code ec;
    zmtp::poll_item bad[] = {{nullptr, p[0], zmtp::poll_in}}; // closed: POLLNVAL
    CHECK(zmtp::poll(bad, 0ms, ec) == 1);
    CHECK(bad[0].revents == zmtp::poll_err);
}

TEST_CASE("events: poll_out follows send credit, and REQ's lockstep", "[poll]")
{
    context ctx;
    push_socket push(ctx, test_options());
    const auto ep = push.bind(fresh_inproc("out"));
    CHECK((push.events() & zmtp::poll_out) == 0); // no peer: a send would wait
    zmtp::poll_item items[] = {{&push, -1, zmtp::poll_out}};
    pull_socket pull(ctx, test_options());
    pull.connect(ep);
    CHECK(zmtp::poll(items, generous) == 1);
    CHECK(items[0].revents == zmtp::poll_out);
    CHECK((push.events() & zmtp::poll_in) == 0); // PUSH never receives

    rep_socket rep(ctx, test_options());
    const auto rep_ep = rep.bind(fresh_inproc("req"));
    req_socket req(ctx, test_options());
    req.connect(rep_ep);
    zmtp::poll_item req_out[] = {{&req, -1, zmtp::poll_out}};
    REQUIRE(zmtp::poll(req_out, generous) == 1);
    CHECK(req.events() == zmtp::poll_out); // may send, nothing to receive
    CHECK(rep.events() == 0);               // nothing to answer yet
    req.send("question");
    CHECK((req.events() & zmtp::poll_out) == 0); // awaiting the reply
    zmtp::poll_item rep_in[] = {{&rep, -1, zmtp::poll_in}};
    REQUIRE(zmtp::poll(rep_in, generous) == 1);
    CHECK(rep.recv().front().to_string() == "question");
    CHECK(rep.events() == zmtp::poll_out); // now it must answer
    rep.send("answer");
    zmtp::poll_item req_in[] = {{&req, -1, zmtp::poll_in}};
    REQUIRE(zmtp::poll(req_in, generous) == 1);
    CHECK(req.recv().front().to_string() == "answer");

    pull.close();
    CHECK(pull.events() == zmtp::poll_err);
    zmtp::poll_item closed[] = {{&pull, -1, zmtp::poll_in}};
    CHECK(zmtp::poll(closed, generous) == 1); // a closed socket is reported, not waited on
    CHECK(closed[0].revents == zmtp::poll_err);
}

TEST_CASE("fd: edge-triggered -- readable after a change, quiet once drained and re-armed", "[poll]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind(fresh_inproc("edge"));
    push_socket push(ctx, test_options());
    push.connect(ep);
    const int fd = pull.fd();
    REQUIRE(fd >= 0);
    CHECK(pull.events() == 0); // arms the descriptor
    CHECK_FALSE(fd_readable(fd));
    push.send("one");
    push.send("two");
    // A foreign loop: wait on the descriptor; on each wake, events() and
    // act until it no longer says poll_in. The two messages may come in
    // one wake or two; neither is missed.
    pollfd p{fd, POLLIN, 0};
    int got = 0;
    while (got < 2) {
        REQUIRE(::poll(&p, 1, static_cast<int>(generous.count())) == 1);
        while (pull.events() & zmtp::poll_in) {
            REQUIRE(pull.try_recv());
            ++got;
        }
    }
    CHECK(got == 2);
    CHECK_FALSE(fd_readable(fd)); // drained and re-armed: quiet until the next
    push.send("three");
    REQUIRE(::poll(&p, 1, static_cast<int>(generous.count())) == 1);
    CHECK((pull.events() & zmtp::poll_in) != 0);
}
