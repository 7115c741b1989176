// SPDX-License-Identifier: MIT
// RFC 28/REQREP and RFC 31/EXPAIR spec tests: REQ, REP, DEALER, ROUTER and
// PAIR, our sockets on both ends.

#include "spec_support.hpp"

#include <map>
#include <set>

using namespace zmtp_test;

namespace {

std::vector<std::string> strings(std::initializer_list<const char*> l)
{
    return std::vector<std::string>(l.begin(), l.end());
}

} // namespace

TEST_CASE("REQ and REP work in lockstep and refuse out-of-turn calls with bad_state",
          "[req][rep][spec]")
{
    // RFC 28: REQ "SHALL send and then receive exactly one message at a
    // time"; REP "SHALL receive and then send exactly one message at a time."
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    rep_socket rep(ctx, test_options());
    const auto ep = rep.bind(bind_endpoint(transport, dir, "lockstep.sock"));
    req_socket req(ctx, test_options());
    req.connect(ep);

    std::error_code ec;
    req.recv(ec); // nothing asked yet
    CHECK(ec == socket_error::bad_state);
    rep.send(zmtp::message("unasked"), ec);
    CHECK(ec == socket_error::bad_state);

    for (int round = 0; round < 3; ++round) {
        const auto n = std::to_string(round);
        req.send(make_message({"hello", n}));
        req.send(zmtp::message("too soon"), ec);
        CHECK(ec == socket_error::bad_state);
        zmtp::message m("again");
        CHECK_FALSE(req.try_send(m));

        CHECK(recv_parts(rep, ec) == strings({"hello", n.c_str()}));
        REQUIRE_FALSE(ec);
        rep.recv(ec); // a reply is owed first
        CHECK(ec == socket_error::bad_state);

        rep.send(make_message({"world", n}));
        rep.send(zmtp::message("twice"), ec);
        CHECK(ec == socket_error::bad_state);

        CHECK(recv_parts(req, ec) == strings({"world", n.c_str()}));
        REQUIRE_FALSE(ec);
        req.recv(ec); // one reply per request
        CHECK(ec == socket_error::bad_state);
    }
}

TEST_CASE("REQ routes requests round-robin over its REPs", "[req][spec]")
{
    // RFC 28: REQ "SHALL route outgoing messages to connected peers using a
    // round-robin strategy."
    context ctx;
    std::vector<std::unique_ptr<rep_socket>> reps;
    std::vector<std::string> eps;
    for (int i = 0; i < 3; ++i) {
        reps.push_back(std::make_unique<rep_socket>(ctx, test_options()));
        eps.push_back(reps.back()->bind("tcp://127.0.0.1:0"));
    }
    req_socket req(ctx, test_options());
    auto log = event_log::attach(req);
    for (const auto& ep : eps)
        req.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 3));

    std::vector<int> served;
    for (int i = 0; i < 6; ++i) {
        req.send(zmtp::message(std::string_view("req-" + std::to_string(i))));
        int who = -1;
        zmtp::message m;
        REQUIRE(poll_until([&] {
            for (int r = 0; r < 3; ++r)
                if (auto got = reps[r]->try_recv()) {
                    m = std::move(*got);
                    who = r;
                    return true;
                }
            return false;
        }));
        CHECK(parts(m) == std::vector<std::string>{"req-" + std::to_string(i)});
        served.push_back(who);
        reps[who]->send(zmtp::message(std::string_view("rep-" + std::to_string(who))));
        std::error_code ec;
        CHECK(recv_string(req, ec) == "rep-" + std::to_string(who));
    }
    // a, b, c, a, b, c with a, b, c distinct.
    CHECK(std::set<int>(served.begin(), served.begin() + 3).size() == 3);
    CHECK(served[3] == served[0]);
    CHECK(served[4] == served[1]);
    CHECK(served[5] == served[2]);
}

TEST_CASE("REQ puts an empty delimiter on requests and takes it off replies", "[req][spec]")
{
    // RFC 28: REQ "SHALL prefix the outgoing message with an empty delimiter frame."
    context ctx;
    router_socket router(ctx, test_options());
    const auto ep = router.bind("tcp://127.0.0.1:0");
    req_socket req(ctx, test_options());
    req.connect(ep);
    req.send(make_message({"ABC", "DEF"}));
    std::error_code ec;
    const auto got = recv_parts(router, ec);
    REQUIRE(got.size() == 4);
    CHECK(got[1].empty());
    CHECK(got[2] == "ABC");
    CHECK(got[3] == "DEF");
    zmtp::message reply = make_message({"", "GHI"});
    reply.push_front(zmtp::frame(std::string_view(got[0])));
    router.send(std::move(reply));
    CHECK(recv_parts(req, ec) == strings({"GHI"}));
}

TEST_CASE("REP keeps the whole envelope and hands the application only the body",
          "[rep][spec]")
{
    // RFC 28: REP "SHALL remove and store the address envelope, including the
    // delimiter", "SHALL pass the remaining data frames to its calling
    // application" and "SHALL prepend the address envelope and delimiter".
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    rep_socket rep(ctx, test_options());
    const auto ep = rep.bind(bind_endpoint(transport, dir, "envelope.sock"));
    dealer_socket dealer(ctx, test_options());
    dealer.connect(ep);
    std::error_code ec;

    SECTION("a minimal envelope")
    {
        dealer.send(make_message({"", "A"}));
        CHECK(recv_parts(rep, ec) == strings({"A"}));
        rep.send(zmtp::message("A"));
        CHECK(recv_parts(dealer, ec) == strings({"", "A"}));
    }
    SECTION("a big envelope of several hops")
    {
        dealer.send(make_message({"X", "Y", "", "A"}));
        CHECK(recv_parts(rep, ec) == strings({"A"}));
        rep.send(zmtp::message("A"));
        CHECK(recv_parts(dealer, ec) == strings({"X", "Y", "", "A"}));
    }
    SECTION("a multipart body")
    {
        dealer.send(make_message({"hop", "", "B1", "B2"}));
        CHECK(recv_parts(rep, ec) == strings({"B1", "B2"}));
        rep.send(make_message({"R1", "R2"}));
        CHECK(recv_parts(dealer, ec) == strings({"hop", "", "R1", "R2"}));
    }
}

TEST_CASE("REP drops a request without an empty delimiter", "[rep][spec]")
{
    // A request is [envelope...] "" [body...]; without the delimiter there is
    // no way to tell the envelope from the body, and libzmq drops it.
    context ctx;
    rep_socket rep(ctx, test_options());
    const auto ep = rep.bind("tcp://127.0.0.1:0");
    dealer_socket dealer(ctx, test_options());
    dealer.connect(ep);
    dealer.send(make_message({"no-delimiter"}));
    dealer.send(make_message({"X", "also-none"}));
    dealer.send(make_message({"", "good"}));
    std::error_code ec;
    CHECK(recv_parts(rep, ec) == strings({"good"}));
    rep.send(zmtp::message("ok"));
    CHECK(recv_parts(dealer, ec) == strings({"", "ok"}));
}

TEST_CASE("REQ with req_correlate and req_relaxed drops a stale reply", "[req][spec]")
{
    // libzmq's ZMQ_REQ_CORRELATE: requests carry a 4-byte id, and a reply
    // whose id is not the last request's is dropped; ZMQ_REQ_RELAXED allows
    // a new request before the last one was answered.
    context ctx;
    router_socket router(ctx, test_options());
    const auto ep = router.bind("tcp://127.0.0.1:0");
    auto opts = test_options();
    opts.req_correlate = true;
    opts.req_relaxed = true;
    req_socket req(ctx, opts);
    req.connect(ep);

    std::error_code ec;
    req.send(zmtp::message("first"));
    const auto r1 = recv_parts(router, ec);
    REQUIRE(r1.size() == 4);
    CHECK(r1[1].size() == 4); // the request id
    CHECK(r1[2].empty());
    CHECK(r1[3] == "first");

    req.send(zmtp::message("second")); // relaxed: allowed without a reply
    const auto r2 = recv_parts(router, ec);
    REQUIRE(r2.size() == 4);
    CHECK(r2[0] == r1[0]);
    CHECK(r2[1].size() == 4);
    CHECK(r2[1] != r1[1]);
    CHECK(r2[3] == "second");

    auto reply = [&](const std::vector<std::string>& req_parts, const char* body) {
        zmtp::message m = make_message({req_parts[0], req_parts[1], "", body});
        router.send(std::move(m));
    };
    reply(r1, "stale");
    reply(r2, "fresh");
    CHECK(recv_parts(req, ec) == strings({"fresh"}));
    REQUIRE_FALSE(ec);

    // A reply with a wrong id is dropped too.
    req.send(zmtp::message("third"));
    const auto r3 = recv_parts(router, ec);
    REQUIRE(r3.size() == 4);
    std::string wrong = r3[1];
    wrong[0] = static_cast<char>(wrong[0] ^ 0x5a);
    router.send(make_message({r3[0], wrong, "", "forged"}));
    reply(r3, "right");
    CHECK(recv_parts(req, ec) == strings({"right"}));
}

TEST_CASE("ROUTER prefixes each message with the routing id of its sender", "[router][spec]")
{
    // RFC 28: ROUTER "SHALL prefix each incoming message with a frame
    // containing the identity of the originating double queue" and "SHALL
    // remove the first frame from each outgoing message and use this as the
    // identity of a double queue."
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    router_socket router(ctx, test_options());
    const auto ep = router.bind(bind_endpoint(transport, dir, "router.sock"));

    SECTION("a peer announcing an Identity is known by it")
    {
        // RFC 28: ROUTER "SHOULD allow the peer to specify its identity
        // explicitly through the Identity metadata property."
        auto opts = test_options();
        opts.routing_id = "D1";
        dealer_socket dealer(ctx, opts);
        dealer.connect(ep);
        dealer.send(make_message({"hi", "there"}));
        std::error_code ec;
        CHECK(recv_parts(router, ec) == strings({"D1", "hi", "there"}));
        router.send(make_message({"D1", "back"}));
        CHECK(recv_parts(dealer, ec) == strings({"back"}));
    }
    SECTION("anonymous peers get generated 5-byte ids starting with 0x00")
    {
        dealer_socket d1(ctx, test_options());
        dealer_socket d2(ctx, test_options());
        d1.connect(ep);
        d2.connect(ep);
        d1.send(zmtp::message("from-d1"));
        d2.send(zmtp::message("from-d2"));
        std::map<std::string, std::string> id_of;
        for (int i = 0; i < 2; ++i) {
            std::error_code ec;
            const auto got = recv_parts(router, ec);
            REQUIRE(got.size() == 2);
            REQUIRE(got[0].size() == 5);
            CHECK(got[0][0] == '\0');
            id_of[got[1]] = got[0];
        }
        REQUIRE(id_of.size() == 2);
        CHECK(id_of["from-d1"] != id_of["from-d2"]);
        router.send(make_message({id_of["from-d2"], "to-d2"}));
        router.send(make_message({id_of["from-d1"], "to-d1"}));
        std::error_code ec;
        CHECK(recv_parts(d1, ec) == strings({"to-d1"}));
        CHECK(recv_parts(d2, ec) == strings({"to-d2"}));
    }
}

TEST_CASE("ROUTER gives a peer whose Identity is taken a generated id", "[router][spec]")
{
    context ctx;
    router_socket router(ctx, test_options());
    auto log = event_log::attach(router);
    const auto ep = router.bind("tcp://127.0.0.1:0");
    auto opts = test_options();
    opts.routing_id = "same";
    dealer_socket first(ctx, opts);
    first.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));
    dealer_socket second(ctx, opts);
    second.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 2));

    first.send(zmtp::message("1"));
    second.send(zmtp::message("2"));
    std::map<std::string, std::string> id_of;
    for (int i = 0; i < 2; ++i) {
        std::error_code ec;
        const auto got = recv_parts(router, ec);
        REQUIRE(got.size() == 2);
        id_of[got[1]] = got[0];
    }
    CHECK(id_of["1"] == "same");
    REQUIRE(id_of["2"].size() == 5);
    CHECK(id_of["2"][0] == '\0');
    // Both stay routable.
    router.send(make_message({id_of["2"], "to-second"}));
    router.send(make_message({"same", "to-first"}));
    std::error_code ec;
    CHECK(recv_parts(first, ec) == strings({"to-first"}));
    CHECK(recv_parts(second, ec) == strings({"to-second"}));
}

TEST_CASE("ROUTER with router_handover gives a taken Identity to the newcomer", "[router][spec]")
{
    context ctx;
    auto ropts = test_options();
    ropts.router_handover = true;
    router_socket router(ctx, ropts);
    auto log = event_log::attach(router);
    const auto ep = router.bind("tcp://127.0.0.1:0");
    auto opts = test_options();
    opts.routing_id = "svc";
    dealer_socket old_peer(ctx, opts);
    old_peer.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));
    dealer_socket new_peer(ctx, opts);
    new_peer.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 2));

    new_peer.send(zmtp::message("hello"));
    std::error_code ec;
    CHECK(recv_parts(router, ec) == strings({"svc", "hello"}));
    router.send(make_message({"svc", "to-svc"}));
    CHECK(recv_parts(new_peer, ec) == strings({"to-svc"}));
    CHECK_FALSE(recv_within(old_peer, 200ms));
}

TEST_CASE("ROUTER drops unroutable messages, or fails with host_unreachable when mandatory",
          "[router][spec]")
{
    // RFC 28: ROUTER "SHALL either silently drop the message, or return an
    // error, depending on configuration, if the queue does not exist".
    context ctx;
    std::error_code ec;
    SECTION("default: dropped silently")
    {
        router_socket router(ctx, test_options());
        router.bind("tcp://127.0.0.1:0");
        router.send(make_message({"nobody", "x"}), ec);
        CHECK_FALSE(ec);
        zmtp::message m = make_message({"nobody", "y"});
        CHECK(router.try_send(m));
    }
    SECTION("router_mandatory: host_unreachable")
    {
        auto opts = test_options();
        opts.router_mandatory = true;
        router_socket router(ctx, opts);
        const auto ep = router.bind("tcp://127.0.0.1:0");
        router.send(make_message({"nobody", "x"}), ec);
        CHECK(ec == socket_error::host_unreachable);
        zmtp::message m = make_message({"nobody", "y"});
        CHECK_FALSE(router.try_send(m));
        CHECK(parts(m) == strings({"nobody", "y"}));

        // A known peer is still reachable.
        auto dopts = test_options();
        dopts.routing_id = "known";
        dealer_socket dealer(ctx, dopts);
        dealer.connect(ep);
        dealer.send(zmtp::message("ping"));
        CHECK(recv_parts(router, ec) == strings({"known", "ping"}));
        router.send(make_message({"known", "pong"}), ec);
        CHECK_FALSE(ec);
        CHECK(recv_parts(dealer, ec) == strings({"pong"}));
    }
}

TEST_CASE("DEALER routes messages round-robin over its peers", "[dealer][spec]")
{
    // RFC 28: DEALER "SHALL route outgoing messages to available peers using a
    // round-robin strategy."
    context ctx;
    dealer_socket dealer(ctx, test_options());
    auto log = event_log::attach(dealer);
    const auto ep = dealer.bind("tcp://127.0.0.1:0");
    std::vector<std::unique_ptr<dealer_socket>> peers;
    for (int i = 0; i < 3; ++i) {
        peers.push_back(std::make_unique<dealer_socket>(ctx, test_options()));
        peers.back()->connect(ep);
    }
    REQUIRE(log->wait_count(kind::handshake_succeeded, 3));
    for (int i = 1; i <= 6; ++i)
        dealer.send(make_message({std::to_string(i), "body"}));

    std::set<int> firsts;
    for (auto& p : peers) {
        std::error_code ec;
        const auto a = recv_parts(*p, ec);
        const auto b = recv_parts(*p, ec);
        REQUIRE(a.size() == 2);
        REQUIRE(b.size() == 2);
        CHECK(std::stoi(b[0]) == std::stoi(a[0]) + 3);
        firsts.insert(std::stoi(a[0]));
    }
    CHECK(firsts == std::set<int>{1, 2, 3});

    // And fair-queues what they send back.
    for (auto& p : peers)
        p->send(zmtp::message("reply"));
    for (int i = 0; i < 3; ++i) {
        std::error_code ec;
        CHECK(recv_parts(dealer, ec) == strings({"reply"}));
    }
}

TEST_CASE("PAIR talks to exactly one peer", "[pair][spec]")
{
    // RFC 31: PAIR "SHALL receive incoming messages from its single peer if
    // it has one"; a second peer is turned away.
    context ctx;
    pair_socket server(ctx, test_options());
    auto server_log = event_log::attach(server);
    const auto ep = server.bind("tcp://127.0.0.1:0");
    pair_socket first(ctx, test_options());
    first.connect(ep);
    REQUIRE(server_log->wait_count(kind::handshake_succeeded, 1));

    auto opts = test_options();
    opts.reconnect_ivl = 50ms;
    opts.reconnect_ivl_max = 200ms;
    pair_socket second(ctx, opts);
    auto second_log = event_log::attach(second);
    second.connect(ep);
    second.send(zmtp::message("from-second")); // queued in its own pipe
    INFO(second_log->describe());
    REQUIRE(poll_until([&] {
        return second_log->count(kind::disconnected) + second_log->count(kind::handshake_failed) >=
               1;
    }));

    for (int i = 0; i < 3; ++i)
        server.send(zmtp::message(std::string_view("to-first-" + std::to_string(i))));
    first.send(zmtp::message("from-first"));
    first.send(zmtp::message("end"));

    std::vector<std::string> got;
    for (;;) {
        std::error_code ec;
        const auto s = recv_string(server, ec);
        REQUIRE_FALSE(ec);
        got.push_back(s);
        if (s == "end")
            break;
    }
    CHECK(got == strings({"from-first", "end"}));
    for (int i = 0; i < 3; ++i) {
        std::error_code ec;
        CHECK(recv_string(first, ec) == "to-first-" + std::to_string(i));
    }
    CHECK_FALSE(recv_within(second, 200ms));
}

TEST_CASE("REP sends each reply back to the REQ that sent the request", "[rep][spec]")
{
    // RFC 28: REP "SHALL deliver this message back to the originating peer."
    // Requests from several clients queue up at the REP; each keeps its own
    // envelope until its reply is sent.
    context ctx;
    rep_socket rep(ctx, test_options());
    const auto ep = rep.bind("tcp://127.0.0.1:0");
    constexpr int clients = 4;
    std::vector<std::unique_ptr<req_socket>> reqs;
    for (int i = 0; i < clients; ++i) {
        reqs.push_back(std::make_unique<req_socket>(ctx, test_options()));
        reqs.back()->connect(ep);
    }
    for (int round = 0; round < 10; ++round) {
        for (int i = 0; i < clients; ++i)
            reqs[i]->send(make_message({"client-" + std::to_string(i), std::to_string(round)}));
        std::set<std::string> served;
        for (int i = 0; i < clients; ++i) {
            std::error_code ec;
            const auto q = recv_parts(rep, ec);
            REQUIRE(q.size() == 2);
            CHECK(q[1] == std::to_string(round));
            served.insert(q[0]);
            rep.send(make_message({"re", q[0], q[1]}));
        }
        CHECK(served.size() == static_cast<std::size_t>(clients));
        for (int i = 0; i < clients; ++i) {
            std::error_code ec;
            const auto a = recv_parts(*reqs[i], ec);
            CHECK(a == std::vector<std::string>{"re", "client-" + std::to_string(i),
                                                std::to_string(round)});
        }
    }
}

TEST_CASE("ROUTER still delivers what a departed peer sent, with its routing id",
          "[router][spec]")
{
    context ctx;
    auto ropts = test_options();
    ropts.router_mandatory = true;
    router_socket router(ctx, ropts);
    auto log = event_log::attach(router);
    const auto ep = router.bind("tcp://127.0.0.1:0");
    {
        auto opts = test_options();
        opts.routing_id = "gone";
        dealer_socket dealer(ctx, opts);
        dealer.connect(ep);
        dealer.send(zmtp::message("m1"));
        dealer.send(zmtp::message("m2"));
        dealer.close(); // waits until both are written
    }
    REQUIRE(log->wait_count(kind::disconnected, 1));
    std::error_code ec;
    CHECK(recv_parts(router, ec) == strings({"gone", "m1"}));
    CHECK(recv_parts(router, ec) == strings({"gone", "m2"}));
    // The peer itself is gone: it cannot be routed to.
    router.send(make_message({"gone", "reply"}), ec);
    CHECK(ec == socket_error::host_unreachable);
}

TEST_CASE("REQ accepts a reply only from the peer it sent the last request to",
          "[req][spec]")
{
    // RFC 28: REQ "SHALL accept an incoming message only from the last peer
    // that it sent a request to" and "SHALL discard silently any messages
    // received from other peers." (libzmq test_req_relaxed, case 1.)
    context ctx;
    rep_socket rep_a(ctx, test_options());
    rep_socket rep_b(ctx, test_options());
    const auto ep_a = rep_a.bind("tcp://127.0.0.1:0");
    const auto ep_b = rep_b.bind("tcp://127.0.0.1:0");
    auto opts = test_options();
    opts.req_relaxed = true;
    req_socket req(ctx, opts);
    auto log = event_log::attach(req);
    req.connect(ep_a);
    req.connect(ep_b);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 2));

    req.send(zmtp::message("first"));
    req.send(zmtp::message("second")); // relaxed; round-robin: the other REP
    std::error_code ec;
    rep_socket* first_rep = nullptr;
    rep_socket* second_rep = nullptr;
    REQUIRE(poll_until([&] {
        for (rep_socket* r : {&rep_a, &rep_b})
            if (auto got = r->try_recv())
                ((*got)[0].view() == "first" ? first_rep : second_rep) = r;
        return first_rep && second_rep;
    }));
    REQUIRE(first_rep != second_rep);
    first_rep->send(zmtp::message("WRONG"));
    second_rep->send(zmtp::message("OK"));
    CHECK(recv_parts(req, ec) == strings({"OK"}));
    CHECK_FALSE(ec);
}

TEST_CASE("REQ drops a reply without an empty delimiter", "[req][spec]")
{
    // libzmq test_invalid_rep: an invalid reply, then a valid one; only the
    // valid one is delivered.
    context ctx;
    router_socket router(ctx, test_options());
    const auto ep = router.bind("tcp://127.0.0.1:0");
    req_socket req(ctx, test_options());
    req.connect(ep);
    req.send(zmtp::message("q"));
    std::error_code ec;
    const auto got = recv_parts(router, ec);
    REQUIRE(got.size() == 3);
    router.send(make_message({got[0], "no-delimiter"}));
    router.send(make_message({got[0], "x", "", "wrong-place"}));
    router.send(make_message({got[0], "", "valid"}));
    CHECK(recv_parts(req, ec) == strings({"valid"}));
}

TEST_CASE("REQ with req_correlate drops the reply to a request it gave up on",
          "[req][spec]")
{
    // libzmq test_req_relaxed, case 2: a reply to an abandoned request, read
    // into the socket (or still on its way) when the next request is sent,
    // must never be taken for the reply to the new one.
    context ctx;
    router_socket router(ctx, test_options());
    const auto ep = router.bind("tcp://127.0.0.1:0");
    auto opts = test_options();
    opts.req_correlate = true;
    opts.req_relaxed = true;
    opts.rcvtimeo = 50ms;
    req_socket req(ctx, opts);
    req.connect(ep);

    std::error_code ec;
    for (int round = 0; round < 5; ++round) {
        req.send(zmtp::message("abandoned"));
        auto r1 = recv_parts(router, ec);
        REQUIRE(r1.size() == 4);
        // The application waits for the reply and gives up...
        req.recv(ec);
        CHECK(ec == socket_error::timed_out);
        // ...the reply arrives late...
        router.send(make_message({r1[0], r1[1], "", "BAD"}));
        // ...and the application moves on.
        req.send(zmtp::message("current"));
        auto r2 = recv_parts(router, ec);
        REQUIRE(r2.size() == 4);
        router.send(make_message({r2[0], r2[1], "", "GOOD"}));
        std::vector<std::string> reply;
        REQUIRE(poll_until([&] {
            std::error_code e;
            reply = recv_parts(req, e);
            return !e;
        }));
        CHECK(reply == strings({"GOOD"}));
    }
}
