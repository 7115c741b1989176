// SPDX-License-Identifier: MIT
// RFC 29/PUBSUB spec tests: PUB, SUB, XPUB and XSUB, our sockets on both
// ends. Subscriptions travel asynchronously, so every test first makes sure
// they have reached the publisher: through XPUB's subscription messages, or
// by publishing sync probes until one arrives (settle_pubsub).

#include "spec_support.hpp"

#include <set>

using namespace zmtp_test;

namespace {

std::string sub_msg(std::string_view topic) { return std::string("\x01", 1) + std::string(topic); }
std::string unsub_msg(std::string_view topic)
{
    return std::string("\x00", 1) + std::string(topic);
}

/// The next message on an XPUB that is a (un)subscription notification.
std::optional<std::string> next_notification(zmtp::socket& xpub,
                                             std::chrono::milliseconds timeout = generous)
{
    auto m = recv_within(xpub, timeout);
    if (!m || m->size() != 1)
        return std::nullopt;
    return (*m)[0].to_string();
}

} // namespace

TEST_CASE("SUB receives each matching message once, with overlapping subscriptions",
          "[pub][sub][spec]")
{
    // RFC 29: a publisher "SHALL perform a binary comparison of the
    // subscription against the start of the first frame of the message."
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    pub_socket pub(ctx, test_options());
    const auto ep = pub.bind(bind_endpoint(transport, dir, "filter.sock"));
    sub_socket sub(ctx, test_options());
    sub.connect(ep);
    sub.subscribe("A");
    sub.subscribe("AB");
    sub.subscribe("ABC");
    sub.subscribe("end");
    REQUIRE(settle_pubsub(pub, sub));

    for (const char* t : {"ABCD", "AX", "B", "AB", "", "a", "ABC", "end-marker"})
        pub.send(zmtp::message(std::string_view(t)));
    std::vector<std::string> got;
    for (;;) {
        auto m = recv_data(sub);
        REQUIRE(m);
        const auto s = (*m)[0].to_string();
        if (s == "end-marker")
            break;
        got.push_back(s);
    }
    CHECK(got == std::vector<std::string>{"ABCD", "AX", "AB", "ABC"});
}

TEST_CASE("SUB unsubscribe is reference counted: two subscribes need two unsubscribes",
          "[sub][xpub][spec]")
{
    // The SUB counts locally and sends CANCEL only for the last reference
    // (libzmq test_xpub_verbose); the XPUB sees exactly that.
    context ctx;
    xpub_socket xpub(ctx, test_options());
    const auto ep = xpub.bind("tcp://127.0.0.1:0");
    sub_socket sub(ctx, test_options());
    sub.connect(ep);

    sub.subscribe("A");
    sub.subscribe("A");
    CHECK(next_notification(xpub) == sub_msg("A"));

    sub.unsubscribe("A"); // one reference left: nothing upstream
    sub.subscribe("B");   // same connection, so ordered after any CANCEL
    CHECK(next_notification(xpub) == sub_msg("B"));

    // Still subscribed to A: data on A arrives.
    xpub.send(zmtp::message("A-data"));
    auto m = recv_within(sub, generous);
    REQUIRE(m);
    CHECK(parts(*m) == std::vector<std::string>{"A-data"});

    sub.unsubscribe("A"); // the last one
    CHECK(next_notification(xpub) == unsub_msg("A"));

    // Unsubscribing what is not subscribed sends nothing.
    sub.unsubscribe("never");
    sub.subscribe("C");
    CHECK(next_notification(xpub) == sub_msg("C"));
}

TEST_CASE("SUB matches on the first frame only and receives matching messages whole",
          "[pub][sub][spec]")
{
    context ctx;
    pub_socket pub(ctx, test_options());
    const auto ep = pub.bind("tcp://127.0.0.1:0");
    sub_socket sub(ctx, test_options());
    sub.connect(ep);
    sub.subscribe("A");
    REQUIRE(settle_pubsub(pub, sub));

    pub.send(make_message({"X", "A"}));        // A only in the second frame
    pub.send(make_message({"A-topic", "X", "Y"}));
    pub.send(make_message({"B", "A-late"}));
    pub.send(make_message({"A-end"}));
    auto m1 = recv_data(sub);
    REQUIRE(m1);
    CHECK(parts(*m1) == std::vector<std::string>{"A-topic", "X", "Y"});
    auto m2 = recv_data(sub);
    REQUIRE(m2);
    CHECK(parts(*m2) == std::vector<std::string>{"A-end"});
}

TEST_CASE("an empty subscription matches everything, no subscription matches nothing",
          "[pub][sub][spec]")
{
    // RFC 37: "An empty subscription SHALL match all messages."
    context ctx;
    pub_socket pub(ctx, test_options());
    const auto ep = pub.bind("tcp://127.0.0.1:0");
    sub_socket all(ctx, test_options());
    sub_socket none(ctx, test_options());
    auto none_log = event_log::attach(none);
    all.connect(ep);
    none.connect(ep);
    all.subscribe("");
    REQUIRE(settle_pubsub(pub, all));
    REQUIRE(none_log->wait_count(kind::handshake_succeeded, 1));

    const char* topics[] = {"x", "", "anything", "\x01raw"};
    for (const char* t : topics)
        pub.send(zmtp::message(std::string_view(t)));
    for (const char* t : topics) {
        auto m = recv_data(all);
        REQUIRE(m);
        CHECK((*m)[0].to_string() == t);
    }

    // Now the silent SUB subscribes to everything and waits for a marker:
    // if anything had been sent to it before, it would come first.
    none.subscribe("");
    const auto deadline = steady::now() + generous;
    std::optional<zmtp::message> first;
    while (!first && steady::now() < deadline) {
        pub.send(zmtp::message("marker"));
        first = recv_within(none, 20ms);
    }
    REQUIRE(first);
    CHECK((*first)[0].to_string() == "marker");
}

TEST_CASE("a SUB that stops reading blocks neither the PUB nor the other SUBs",
          "[pub][sub][hwm][spec]")
{
    // RFC 29: PUB "SHALL silently drop the message if the queue for a
    // subscriber is full" and "SHALL NOT block on sending."
    context ctx;
    auto pub_opts = test_options();
    pub_opts.sndhwm = 10;
    pub_socket pub(ctx, pub_opts);
    const auto ep = pub.bind("tcp://127.0.0.1:0");
    auto sub_opts = test_options();
    sub_opts.rcvhwm = 10;
    sub_socket slow(ctx, sub_opts);
    sub_socket fast(ctx, sub_opts);
    slow.connect(ep);
    fast.connect(ep);
    slow.subscribe("d");
    fast.subscribe("d");
    REQUIRE(settle_pubsub(pub, slow));
    REQUIRE(settle_pubsub(pub, fast));

    // Phase 1: far more than the slow SUB's queues and socket buffers hold.
    constexpr std::size_t n = 3000;
    constexpr std::size_t payload = 16 * 1024;
    bool all_sent = true;
    const auto start = steady::now();
    for (std::size_t i = 0; i < n; ++i) {
        zmtp::message m(std::string_view("d" + std::to_string(i)));
        m.push_back(pattern_frame(payload, static_cast<unsigned>(i)));
        std::error_code ec;
        pub.send(std::move(m), ec);
        all_sent = all_sent && !ec;
    }
    CHECK(all_sent);
    CHECK(steady::now() - start < generous); // it never blocked for long

    // Phase 2: the slow SUB is still stalled; the fast one drains what it
    // got, then receives every one of a paced series.
    REQUIRE(settle_pubsub(pub, fast));
    while (recv_within(fast, 100ms)) {
    }
    for (int k = 0; k < 50; ++k) {
        const std::string body = "dpaced-" + std::to_string(k);
        pub.send(zmtp::message(std::string_view(body)));
        auto m = recv_data(fast);
        REQUIRE(m);
        REQUIRE((*m)[0].to_string() == body);
    }

    // Phase 3: the slow SUB got an in-order subset of phase 1: the rest was
    // dropped for it.
    std::size_t got = 0;
    long last = -1;
    bool ordered = true;
    for (;;) {
        auto m = recv_data(slow, 2000ms);
        if (!m)
            break;
        const auto s = (*m)[0].to_string();
        if (s.rfind("dpaced-", 0) == 0)
            continue;
        const long seq = std::stol(s.substr(1));
        ordered = ordered && seq > last && m->size() == 2 &&
                  is_pattern((*m)[1], payload, static_cast<unsigned>(seq));
        last = seq;
        ++got;
    }
    INFO("slow SUB received " << got << " of " << n);
    CHECK(ordered);
    CHECK(got > 0);
    CHECK(got < n);
}

TEST_CASE("SUB sends its subscriptions again when the publisher restarts on the same endpoint",
          "[pub][sub][spec]")
{
    // RFC 29 and RFC 37: subscriptions live in the subscriber; after a
    // reconnect the new publisher filters with them again.
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    auto sub_opts = test_options();
    sub_opts.reconnect_ivl = 20ms;
    sub_opts.reconnect_ivl_max = 200ms;
    sub_socket sub(ctx, sub_opts);
    auto sub_log = event_log::attach(sub);
    std::string ep;
    {
        auto opts = test_options();
        opts.linger = 0ms;
        pub_socket pub1(ctx, opts);
        ep = pub1.bind(bind_endpoint(transport, dir, "restart.sock"));
        sub.connect(ep);
        sub.subscribe("A");
        REQUIRE(settle_pubsub(pub1, sub));
        pub1.send(zmtp::message("A-one"));
        auto m = recv_data(sub);
        REQUIRE(m);
        CHECK((*m)[0].to_string() == "A-one");
        pub1.close();
    }
    REQUIRE(sub_log->wait_count(kind::disconnected, 1));

    pub_socket pub2(ctx, test_options());
    REQUIRE(pub2.bind(ep) == ep);
    // No new subscribe call: only a resent subscription lets "A-two" through.
    const auto deadline = steady::now() + generous;
    std::optional<zmtp::message> got;
    while (!got && steady::now() < deadline) {
        pub2.send(zmtp::message("A-two"));
        got = recv_data(sub, 20ms);
    }
    INFO(sub_log->describe());
    REQUIRE(got);
    CHECK((*got)[0].to_string() == "A-two");
    CHECK(sub_log->count(kind::handshake_succeeded) >= 2);
}

TEST_CASE("XPUB receives each subscription once per topic, duplicates only with xpub_verbose",
          "[xpub][spec]")
{
    // RFC 29: XPUB "SHALL deliver these commands to its calling application."
    context ctx;
    const bool verbose = GENERATE(false, true);
    INFO("xpub_verbose " << verbose);
    auto opts = test_options();
    opts.xpub_verbose = verbose;
    xpub_socket xpub(ctx, opts);
    const auto ep = xpub.bind("tcp://127.0.0.1:0");
    auto log = event_log::attach(xpub);
    sub_socket s1(ctx, test_options());
    sub_socket s2(ctx, test_options());
    s1.connect(ep);
    s2.connect(ep);
    // Subscriptions made before the handshake are all sent at once when it
    // completes, in no particular order: wait, so that order is kept.
    REQUIRE(log->wait_count(kind::handshake_succeeded, 2));

    s1.subscribe("A");
    CHECK(next_notification(xpub) == sub_msg("A"));
    s2.subscribe("A");
    s2.subscribe("Z"); // after s2's "A" on the same connection
    std::vector<std::string> seen;
    for (;;) {
        auto n = next_notification(xpub);
        REQUIRE(n);
        if (*n == sub_msg("Z"))
            break;
        seen.push_back(*n);
    }
    if (verbose)
        CHECK(seen == std::vector<std::string>{sub_msg("A")});
    else
        CHECK(seen.empty());
}

TEST_CASE("XPUB sees an XSUB's duplicate subscriptions only with xpub_verbose", "[xpub][xsub]")
{
    context ctx;
    const bool verbose = GENERATE(false, true);
    INFO("xpub_verbose " << verbose);
    auto opts = test_options();
    opts.xpub_verbose = verbose;
    xpub_socket xpub(ctx, opts);
    const auto ep = xpub.bind("tcp://127.0.0.1:0");
    auto log = event_log::attach(xpub);
    xsub_socket xsub(ctx, test_options());
    xsub.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1)); // see above
    xsub.send(zmtp::message(std::string_view(sub_msg("T"))));
    xsub.send(zmtp::message(std::string_view(sub_msg("T"))));
    xsub.send(zmtp::message(std::string_view(sub_msg("end"))));
    std::vector<std::string> seen;
    for (;;) {
        auto n = next_notification(xpub);
        REQUIRE(n);
        seen.push_back(*n);
        if (*n == sub_msg("end"))
            break;
    }
    if (verbose)
        CHECK(seen == std::vector<std::string>{sub_msg("T"), sub_msg("T"), sub_msg("end")});
    else
        CHECK(seen == std::vector<std::string>{sub_msg("T"), sub_msg("end")});
}

TEST_CASE("XPUB receives an unsubscription when the last subscriber of a topic leaves",
          "[xpub][spec]")
{
    // RFC 29: XPUB "SHALL, if the subscriber peer disconnects prematurely,
    // generate a suitable unsubscribe request for the calling application."
    context ctx;
    xpub_socket xpub(ctx, test_options());
    auto log = event_log::attach(xpub);
    const auto ep = xpub.bind("tcp://127.0.0.1:0");
    sub_socket s1(ctx, test_options());
    sub_socket s2(ctx, test_options());
    s1.connect(ep);
    s2.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 2));
    s1.subscribe("A");
    CHECK(next_notification(xpub) == sub_msg("A"));
    s2.subscribe("A");
    s2.subscribe("sync2");
    CHECK(next_notification(xpub) == sub_msg("sync2"));

    SECTION("by unsubscribing")
    {
        s1.unsubscribe("A");
        s1.subscribe("D"); // ordered after s1's CANCEL
        CHECK(next_notification(xpub) == sub_msg("D")); // no \0A: s2 still has A
        s2.unsubscribe("A");
        CHECK(next_notification(xpub) == unsub_msg("A"));
    }
    SECTION("by disconnecting")
    {
        s1.close();
        s2.unsubscribe("sync2");
        // s1's departure and s2's cancel race; collect until both are seen.
        std::multiset<std::string> seen;
        while (seen.count(unsub_msg("sync2")) == 0) {
            auto n = next_notification(xpub);
            REQUIRE(n);
            seen.insert(*n);
        }
        CHECK(seen.count(unsub_msg("A")) == 0); // s2 still subscribes A
        s2.close();
        std::optional<std::string> n;
        do {
            n = next_notification(xpub);
            REQUIRE(n);
        } while (*n != unsub_msg("A"));
        CHECK(*n == unsub_msg("A"));
    }
}

TEST_CASE("XSUB forwards subscriptions sent as messages upstream", "[xsub][spec]")
{
    // RFC 29: XSUB "SHALL send subscribe and unsubscribe requests to
    // publishers depending on the transport protocol used."
    context ctx;
    SECTION("to an XPUB, which shows them to its application")
    {
        xpub_socket xpub(ctx, test_options());
        const auto ep = xpub.bind("tcp://127.0.0.1:0");
        xsub_socket xsub(ctx, test_options());
        xsub.connect(ep);
        xsub.send(zmtp::message(std::string_view(sub_msg("topic"))));
        CHECK(next_notification(xpub) == sub_msg("topic"));
        // Other messages go upstream as data.
        xsub.send(make_message({"upstream", "data"}));
        auto m = recv_within(xpub, generous);
        REQUIRE(m);
        CHECK(parts(*m) == std::vector<std::string>{"upstream", "data"});
        xsub.send(zmtp::message(std::string_view(unsub_msg("topic"))));
        CHECK(next_notification(xpub) == unsub_msg("topic"));
    }
    SECTION("to a PUB, which then filters with them")
    {
        pub_socket pub(ctx, test_options());
        const auto ep = pub.bind("tcp://127.0.0.1:0");
        xsub_socket xsub(ctx, test_options());
        xsub.connect(ep);
        xsub.send(zmtp::message(std::string_view(sub_msg("T"))));
        const auto deadline = steady::now() + generous;
        std::optional<zmtp::message> got;
        while (!got && steady::now() < deadline) {
            pub.send(zmtp::message("other"));
            pub.send(zmtp::message("T-data"));
            got = recv_within(xsub, 20ms);
        }
        REQUIRE(got);
        CHECK((*got)[0].to_string() == "T-data");
    }
}

TEST_CASE("XPUB with xpub_nodrop refuses messages instead of dropping them", "[xpub][hwm][spec]")
{
    context ctx;
    auto opts = test_options();
    opts.xpub_nodrop = true;
    opts.sndhwm = 1;
    opts.sndtimeo = 1000ms; // stuck for a second counts as full
    xpub_socket xpub(ctx, opts);
    const auto ep = xpub.bind("tcp://127.0.0.1:0");
    auto sopts = test_options();
    sopts.rcvhwm = 1;
    sub_socket sub(ctx, sopts);
    sub.connect(ep);
    sub.subscribe("");
    CHECK(next_notification(xpub) == sub_msg(""));

    constexpr std::size_t payload = 64 * 1024;
    constexpr std::size_t limit = 4000;
    // Until a blocking send times out and a try_send right after fails too
    // (a timeout alone could be a stall of a busy machine).
    std::size_t sent = 0;
    bool blocked = false;
    std::error_code ec;
    while (sent < limit) {
        zmtp::message m = numbered(sent, payload);
        xpub.send(std::move(m), ec); // left intact on failure
        if (!ec || xpub.try_send(m)) {
            ++sent;
            continue;
        }
        CHECK(m.size() == 2); // untouched by the failed try_send
        blocked = true;
        break;
    }
    INFO("accepted " << sent);
    CHECK(ec == socket_error::timed_out);
    REQUIRE(blocked);

    // Nothing was dropped: the SUB gets every accepted message, in order.
    for (std::size_t i = 0; i < sent; ++i) {
        auto m = sub.recv(ec);
        REQUIRE_FALSE(ec);
        REQUIRE(seq_of(m) == static_cast<long>(i));
    }
    xpub.send(numbered(sent, payload), ec);
    CHECK_FALSE(ec);
    auto last = sub.recv(ec);
    REQUIRE_FALSE(ec);
    CHECK(seq_of(last) == static_cast<long>(sent));
}

TEST_CASE("PUB cannot receive and SUB cannot send", "[pub][sub]")
{
    context ctx;
    pub_socket pub(ctx, test_options());
    sub_socket sub(ctx, test_options());
    std::error_code ec;
    pub.recv(ec);
    CHECK(ec == socket_error::not_supported);
    sub.send(zmtp::message("x"), ec);
    CHECK(ec == socket_error::not_supported);
}
