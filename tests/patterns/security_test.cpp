// SPDX-License-Identifier: MIT
// PLAIN, CURVE and the authenticator through the public API: accepted and
// refused peers, the properties a received message carries, and an
// authenticator that never answers.

#include "spec_support.hpp"

#include "zmtp/authenticator.hpp"

using namespace zmtp_test;
using namespace std::chrono_literals;

namespace {

struct curve_setup {
    zmtp::curve_keypair server = zmtp::generate_curve_keypair();
    zmtp::curve_keypair client = zmtp::generate_curve_keypair();

    zmtp::socket_options server_opts() const
    {
        auto o = test_options();
        o.curve_server = true;
        o.curve_secretkey = server.secret_key;
        return o;
    }
    zmtp::socket_options client_opts() const
    {
        auto o = test_options();
        o.curve_serverkey = server.public_key;
        o.curve_publickey = client.public_key;
        o.curve_secretkey = client.secret_key;
        return o;
    }
};

/// An authenticator that keeps every request and never answers.
struct silent_authenticator : zmtp::authenticator {
    std::atomic<int> asked{0};
    std::vector<std::function<void(zmtp::zap_reply)>> held;
    std::mutex m;
    void authenticate(const zmtp::zap_request&, std::function<void(zmtp::zap_reply)> answer) override
    {
        std::lock_guard lock(m);
        held.push_back(std::move(answer));
        ++asked;
    }
};

} // namespace

TEST_CASE("CURVE over tcp and ipc: allowed key talks, others are refused", "[security][curve]")
{
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    curve_setup keys;
    auto auth = std::make_shared<zmtp::standard_authenticator>();
    auth->allow_curve_key(keys.client.public_key);
    ctx.set_authenticator(auth);

    rep_socket rep(ctx, keys.server_opts());
    auto server_log = event_log::attach(rep);
    const auto ep = rep.bind(bind_endpoint(transport, dir, "curve.sock"));

    req_socket req(ctx, keys.client_opts());
    req.connect(ep);
    req.send("ping");
    const auto m = rep.recv();
    CHECK(m.front() == "ping");
    REQUIRE(m.properties() != nullptr);
    CHECK(m.property("User-Id") == zmtp::curve_key_to_z85(keys.client.public_key));
    CHECK(m.property("Socket-Type") == "REQ");
    if (transport == "tcp")
        CHECK(m.property("Peer-Address") == "127.0.0.1");
    rep.send("pong");
    CHECK(req.recv().front() == "pong");

    // A client whose key is not allowed: the server refuses it with 400.
    auto stranger_opts = keys.client_opts();
    const auto other = zmtp::generate_curve_keypair();
    stranger_opts.curve_publickey = other.public_key;
    stranger_opts.curve_secretkey = other.secret_key;
    req_socket stranger(ctx, stranger_opts);
    auto client_log = event_log::attach(stranger);
    stranger.connect(ep);
    const auto failed = client_log->wait_nth(kind::handshake_failed);
    REQUIRE(failed);
    CHECK(failed->reason == zmtp::error::auth_failed_by_peer);
    CHECK(failed->detail == "400");
    const auto refused = server_log->wait_nth(kind::handshake_failed);
    REQUIRE(refused);
    CHECK(refused->reason == zmtp::error::auth_refused);
    CHECK(refused->detail == "400");

    // A client that has the wrong server key never gets past HELLO.
    auto wrong = keys.client_opts();
    wrong.curve_serverkey = other.public_key;
    req_socket lost(ctx, wrong);
    lost.connect(ep);
    const auto bad = server_log->wait_nth(kind::handshake_failed, 1);
    REQUIRE(bad);
    CHECK(bad->reason == zmtp::error::bad_box);
}

TEST_CASE("CURVE without an authenticator accepts any client key (libzmq)", "[security][curve]")
{
    context ctx;
    curve_setup keys;
    pull_socket pull(ctx, keys.server_opts());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    auto o = test_options();
    o.curve_serverkey = keys.server.public_key; // no key pair: a fresh one
    push_socket push(ctx, o);
    push.connect(ep);
    const zmtp::frame big = pattern_frame(300 * 1024, 7);
    push.send(zmtp::message{"small"});
    push.send(zmtp::message(big));
    CHECK(pull.recv().front() == "small");
    CHECK(is_pattern(pull.recv().front(), 300 * 1024, 7));
}

TEST_CASE("PLAIN: a known user gets in with its User-Id; others are refused", "[security][plain]")
{
    context ctx;
    auto auth = std::make_shared<zmtp::standard_authenticator>();
    auth->add_plain_user("admin", "secret");
    ctx.set_authenticator(auth);
    auto so = test_options();
    so.plain_server = true;
    pull_socket pull(ctx, so);
    auto server_log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");

    auto co = test_options();
    co.plain_username = "admin";
    co.plain_password = "secret";
    push_socket push(ctx, co);
    push.connect(ep);
    push.send("hi");
    const auto m = pull.recv();
    CHECK(m.property("User-Id") == "admin");

    co.plain_password = "guess";
    push_socket bad(ctx, co);
    auto log = event_log::attach(bad);
    bad.connect(ep);
    const auto failed = log->wait_nth(kind::handshake_failed);
    REQUIRE(failed);
    CHECK(failed->reason == zmtp::error::auth_failed_by_peer);
    CHECK(failed->detail == "400");
}

TEST_CASE("PLAIN without an authenticator refuses every client (libzmq)", "[security][plain]")
{
    context ctx;
    auto so = test_options();
    so.plain_server = true;
    pull_socket pull(ctx, so);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    auto co = test_options();
    co.plain_username = "admin";
    co.plain_password = "secret";
    push_socket push(ctx, co);
    auto log = event_log::attach(push);
    push.connect(ep);
    const auto failed = log->wait_nth(kind::handshake_failed);
    REQUIRE(failed);
    CHECK(failed->reason == zmtp::error::auth_failed_by_peer);
}

TEST_CASE("an authenticator that never answers holds a peer no longer than handshake_ivl",
          "[security][zap]")
{
    context ctx;
    auto auth = std::make_shared<silent_authenticator>();
    ctx.set_authenticator(auth);
    auto so = test_options();
    so.plain_server = true;
    so.handshake_ivl = 200ms;
    pull_socket pull(ctx, so);
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    auto co = test_options();
    co.plain_username = "u";
    co.plain_password = "p";
    push_socket push(ctx, co);
    push.connect(ep);
    const auto failed = log->wait_nth(kind::handshake_failed);
    REQUIRE(failed);
    CHECK(failed->reason == zmtp::error::handshake_timeout);
    CHECK(auth->asked >= 1);
    // A late answer, for a connection that is gone, is harmless.
    std::lock_guard lock(auth->m);
    for (auto& answer : auth->held)
        answer(zmtp::zap_reply{});
}

TEST_CASE("NULL with a zap_domain asks the authenticator; the address list applies",
          "[security][zap]")
{
    context ctx;
    auto auth = std::make_shared<zmtp::standard_authenticator>();
    auth->deny("127.0.0.1");
    ctx.set_authenticator(auth);
    auto so = test_options();
    so.zap_domain = "global";
    pull_socket pull(ctx, so);
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    push_socket push(ctx, test_options());
    push.connect(ep);
    const auto failed = log->wait_nth(kind::handshake_failed);
    REQUIRE(failed);
    CHECK(failed->reason == zmtp::error::auth_refused);
}

TEST_CASE("security options are validated", "[security][options]")
{
    auto o = test_options();
    o.plain_username = std::string(256, 'u');
    CHECK(o.validate() == zmtp::socket_error::invalid_argument);
    o = test_options();
    o.plain_server = true;
    o.curve_serverkey = zmtp::generate_curve_keypair().public_key;
    CHECK(o.validate() == zmtp::socket_error::invalid_argument);
}
