// SPDX-License-Identifier: MIT
// Unit tests of the routing strategies and tables: lb (round-robin out), fq
// (fair-queue in), prefix_tree (subscriptions) and router_table (routing ids).
// Pipes are made stand-alone: their session has neither engine nor
// connector, so writing to a pipe only queues.

#include "support.hpp"

#include "zmtp/context.hpp"
#include "patterns/fq.hpp"
#include "patterns/lb.hpp"
#include "patterns/pipe.hpp"
#include "patterns/prefix_tree.hpp"
#include "patterns/router_table.hpp"
#include "patterns/pipe_events.hpp"
#include "patterns/session.hpp"
#include "patterns/session_host.hpp"
#include "zmtp/socket.hpp"

#include <pthread.h>

#include <map>
#include <set>

using namespace zmtp_test;
using zmtp::patterns::fq;
using zmtp::patterns::lb;
// `pipe` alone would clash with POSIX ::pipe().
using zpipe = zmtp::patterns::pipe;
using zmtp::patterns::prefix_tree;
using zmtp::patterns::router_table;
using zmtp::patterns::session;

namespace {

/// A socket for sessions that never connect: nothing they report matters here.
struct idle_host final : zmtp::patterns::session_host {
    asio::io_context io;
    asio::any_io_executor ex = io.get_executor();
    zmtp::socket_options opts;
    const zmtp::socket_options& options() const noexcept override { return opts; }
    zmtp::socket_type type() const noexcept override { return zmtp::socket_type::push; }
    const asio::any_io_executor& executor() const noexcept override { return ex; }
    mutable zmtp::patterns::inproc_registry names;
    zmtp::patterns::inproc_registry& inproc() const noexcept override { return names; }
    std::shared_ptr<zmtp::transport::inproc_gate> gate() const override { return nullptr; }
    bool closing() const noexcept override { return false; }
    void emit(zmtp::socket_event::kind, std::string, std::error_code, std::string, std::string) override {}
    std::shared_ptr<zmtp::authenticator> authenticator() const override { return nullptr; }
    void session_ready(session&) override {}
    void session_lost(session&) override {}
    void session_terminated(session&) override {}
    void session_drained(session&) override {}
    void output_idle() override {}
    void incoming() override {}
};

struct ignored_pipe_events final : zmtp::patterns::pipe_events {
    void attach(zpipe&) override {}
    void detach(zpipe&) override {}
    void terminated(zpipe&) override {}
    void connected(zpipe&) override {}
    void disconnected(zpipe&) override {}
    void readable(zpipe&) override {}
    void writable(zpipe&, std::size_t) override {}
    void subscription(zpipe&, bool, zmtp::frame) override {}
};

/// Owns stand-alone pipes (and the idle sessions they need as owners).
class pipe_store {
public:
    zpipe& make(std::size_t sndhwm, std::size_t rcvhwm = 1000)
    {
        sessions_.push_back(
            std::make_unique<session>(host_, events_, sessions_.size() + 1, "test", false, 0));
        pipes_.push_back(std::make_unique<zpipe>(*sessions_.back(), sndhwm, rcvhwm));
        return *pipes_.back();
    }

private:
    idle_host host_;
    ignored_pipe_events events_;
    std::vector<std::unique_ptr<session>> sessions_;
    std::vector<std::unique_ptr<zpipe>> pipes_; // destroyed before their sessions
};

zmtp::message msg(const std::string& s) { return zmtp::message(std::string_view(s)); }

/// The first frames of everything queued outbound on `p`, draining it.
std::vector<std::string> drain_out(zpipe& p)
{
    std::vector<std::string> v;
    zmtp::message m;
    while (p.pop_out(m))
        v.push_back(m[0].to_string());
    return v;
}

std::vector<std::string> strings(std::initializer_list<const char*> l)
{
    return std::vector<std::string>(l.begin(), l.end());
}

} // namespace

//----------------------------------------------------------------------------
// lb

TEST_CASE("lb routes whole messages round-robin over its pipes", "[lb]")
{
    // RFC 30: PUSH "SHALL route outgoing messages to available peers using a
    // round-robin strategy."
    pipe_store ps;
    zpipe& a = ps.make(100);
    zpipe& b = ps.make(100);
    zpipe& c = ps.make(100);
    lb l;
    l.attach(a);
    l.attach(b);
    l.attach(c);
    REQUIRE(l.has_room());
    CHECK(l.size() == 3);
    for (int i = 1; i <= 9; ++i)
        l.send(msg(std::to_string(i)));
    CHECK(drain_out(a) == strings({"1", "4", "7"}));
    CHECK(drain_out(b) == strings({"2", "5", "8"}));
    CHECK(drain_out(c) == strings({"3", "6", "9"}));
}

TEST_CASE("lb advances the turn once per message, never inside a multipart message", "[lb]")
{
    pipe_store ps;
    zpipe& a = ps.make(100);
    zpipe& b = ps.make(100);
    lb l;
    l.attach(a);
    l.attach(b);
    l.send(make_message({"m1-a", "m1-b", "m1-c"}));
    l.send(make_message({"m2-a", "m2-b"}));
    l.send(make_message({"m3"}));
    zmtp::message m;
    REQUIRE(a.pop_out(m));
    CHECK(parts(m) == strings({"m1-a", "m1-b", "m1-c"}));
    REQUIRE(a.pop_out(m));
    CHECK(parts(m) == strings({"m3"}));
    REQUIRE(b.pop_out(m));
    CHECK(parts(m) == strings({"m2-a", "m2-b"}));
    CHECK_FALSE(b.pop_out(m));
}

TEST_CASE("lb skips full pipes and takes them back when they drain", "[lb]")
{
    // RFC 30: PUSH "SHALL consider a peer as available only when it has a
    // outgoing queue that is not full."
    pipe_store ps;
    zpipe& a = ps.make(100);
    zpipe& b = ps.make(1); // full after one message
    zpipe& c = ps.make(100);
    lb l;
    l.attach(a);
    l.attach(b);
    l.attach(c);
    CHECK(l.send(msg("1")).out_size() == 1); // a
    CHECK(&l.send(msg("2")) == &b);          // b, now full
    CHECK_FALSE(b.can_write());
    for (int i = 3; i <= 6; ++i)
        CHECK(&l.send(msg(std::to_string(i))) != &b);
    CHECK(drain_out(b) == strings({"2"}));
    const auto got_a = drain_out(a);
    const auto got_c = drain_out(c);
    // a and c share 3..6 in alternation; nothing was lost.
    CHECK(got_a.size() == 3);
    CHECK(got_c.size() == 2);
    CHECK(got_a.front() == "1");

    // b drained: it is available again and gets its turn.
    l.activated(b);
    std::set<zpipe*> seen;
    for (int i = 0; i < 3; ++i)
        seen.insert(&l.send(msg("again")));
    CHECK(seen.size() == 3);
}

TEST_CASE("lb has no room when every pipe is full, and its credit counts their room", "[lb]")
{
    pipe_store ps;
    zpipe& a = ps.make(2);
    zpipe& b = ps.make(1);
    lb l;
    CHECK_FALSE(l.has_room());
    CHECK(l.next() == nullptr);
    l.attach(a);
    l.attach(b);
    CHECK(l.take_credit_change() == std::pair<std::int64_t, std::int64_t>{3, 2 * zpipe::unlimited});
    l.send(msg("1"));
    l.send(msg("2"));
    l.send(msg("3"));
    CHECK_FALSE(l.has_room());
    CHECK(l.next() == nullptr);
    CHECK(l.take_credit_change().first == -3);

    zmtp::message m;
    REQUIRE(a.pop_out(m));
    l.activated(a);
    CHECK(l.has_room());
    CHECK(l.next() == &a);
    CHECK(l.take_credit_change().first == 1);

    // Detaching removes the pipe from the rotation.
    l.detach(a);
    CHECK(l.size() == 1);
    CHECK_FALSE(l.has_room());
    l.detach(a); // idempotent
    CHECK(l.size() == 1);
}

//----------------------------------------------------------------------------
// fq

TEST_CASE("fq takes one message per pipe per turn", "[fq]")
{
    // RFC 30: PULL "SHALL receive incoming messages from its peers using a
    // fair-queuing strategy."
    pipe_store ps;
    zpipe& a = ps.make(100);
    zpipe& b = ps.make(100);
    zpipe& c = ps.make(100);
    fq q;
    q.attach(a);
    q.attach(b);
    q.attach(c);
    CHECK_FALSE(q.has_in());
    for (const char* s : {"a1", "a2", "a3"})
        a.push_in(msg(s));
    q.activated(a);
    b.push_in(msg("b1"));
    q.activated(b);
    for (const char* s : {"c1", "c2"})
        c.push_in(msg(s));
    q.activated(c);

    std::vector<std::string> order;
    zmtp::message m;
    zpipe* from = nullptr;
    std::map<std::string, zpipe*> origin;
    while (q.recv(m, &from)) {
        order.push_back(m[0].to_string());
        origin[order.back()] = from;
    }
    CHECK(order == strings({"a1", "b1", "c1", "a2", "c2", "a3"}));
    CHECK(origin["b1"] == &b);
    CHECK(origin["c2"] == &c);
    CHECK_FALSE(q.has_in());
}

TEST_CASE("fq delivers multipart messages whole and reactivates refilled pipes", "[fq]")
{
    pipe_store ps;
    zpipe& a = ps.make(100);
    zpipe& b = ps.make(100);
    fq q;
    q.attach(a);
    a.push_in(make_message({"a", "1"}));
    q.activated(a);
    q.activated(a); // repeated activation is harmless
    q.attach(b);
    zmtp::message m;
    REQUIRE(q.recv(m));
    CHECK(parts(m) == strings({"a", "1"}));
    CHECK_FALSE(q.recv(m));

    b.push_in(make_message({"b", "1"}));
    q.activated(b);
    a.push_in(make_message({"a", "2"}));
    q.activated(a);
    std::set<std::string> got;
    while (q.recv(m))
        got.insert(m[0].to_string() + m[1].to_string());
    CHECK(got == std::set<std::string>{"a2", "b1"});

    // A detached pipe is never read again.
    a.push_in(msg("late"));
    q.activated(a);
    q.detach(a);
    CHECK_FALSE(q.recv(m));
    CHECK(q.size() == 1);
}

//----------------------------------------------------------------------------
// prefix_tree

namespace {

bool is_zero(const int& v) { return v == 0; }

std::vector<int> prefixes_of(prefix_tree<int>& t, std::string_view data)
{
    std::vector<int> v;
    t.for_each_prefix_of(data, [&](int& x) {
        if (x != 0)
            v.push_back(x);
    });
    return v;
}

} // namespace

TEST_CASE("prefix_tree stores values under exact keys and splits shared labels", "[prefix_tree]")
{
    prefix_tree<int> t;
    CHECK(t.node_count() == 1);
    t.at("abc") = 1;
    CHECK(t.node_count() == 2);
    t.at("abd") = 2; // splits "abc" into "ab" + "c", adds "d"
    CHECK(t.node_count() == 4);
    REQUIRE(t.find("abc"));
    CHECK(*t.find("abc") == 1);
    REQUIRE(t.find("abd"));
    CHECK(*t.find("abd") == 2);
    // The split node exists, with an empty (default) value.
    REQUIRE(t.find("ab"));
    CHECK(*t.find("ab") == 0);
    // Keys ending inside a label, or past the tree, are absent.
    CHECK(t.find("a") == nullptr);
    CHECK(t.find("abcd") == nullptr);
    CHECK(t.find("x") == nullptr);
    // The root holds the empty key.
    REQUIRE(t.find(""));
    t.at("") = 9;
    CHECK(*t.find("") == 9);
    // at() of an existing key returns the same value.
    t.at("abc") += 10;
    CHECK(*t.find("abc") == 11);
    // A key that is a prefix of an existing label splits it.
    t.at("a") = 3;
    CHECK(*t.find("a") == 3);
    CHECK(*t.find("abc") == 11);
    CHECK(*t.find("abd") == 2);
    // Binary keys, NUL bytes included.
    const std::string bin("\x00\x01\xff", 3);
    t.at(bin) = 4;
    CHECK(*t.find(bin) == 4);
    CHECK(t.find(std::string("\x00", 1)) == nullptr);
}

TEST_CASE("prefix_tree for_each_prefix_of visits every stored prefix, shortest first",
          "[prefix_tree]")
{
    prefix_tree<int> t;
    t.at("") = 1;
    t.at("A") = 2;
    t.at("ABC") = 3;
    t.at("ABCDEF") = 4;
    t.at("ABD") = 5;
    t.at("B") = 6;
    CHECK(prefixes_of(t, "ABCDEFG") == std::vector<int>{1, 2, 3, 4});
    CHECK(prefixes_of(t, "ABCDE") == std::vector<int>{1, 2, 3});
    CHECK(prefixes_of(t, "ABD") == std::vector<int>{1, 2, 5});
    CHECK(prefixes_of(t, "AB") == std::vector<int>{1, 2});
    CHECK(prefixes_of(t, "C") == std::vector<int>{1});
    CHECK(prefixes_of(t, "") == std::vector<int>{1});

    // for_each visits every node with its full key.
    std::map<std::string, int> all;
    t.for_each([&](std::string_view key, int& v) {
        if (v != 0)
            all[std::string(key)] = v;
    });
    CHECK(all == std::map<std::string, int>{
                     {"", 1}, {"A", 2}, {"ABC", 3}, {"ABCDEF", 4}, {"ABD", 5}, {"B", 6}});
}

TEST_CASE("prefix_tree prune removes empty nodes and merges what is left", "[prefix_tree]")
{
    prefix_tree<int> t;
    t.at("abc") = 1;
    t.at("abd") = 2;
    REQUIRE(t.node_count() == 4);

    SECTION("pruning a non-empty value does nothing")
    {
        t.prune("abc", is_zero);
        CHECK(t.node_count() == 4);
        CHECK(*t.find("abc") == 1);
    }
    SECTION("pruning an absent key does nothing")
    {
        t.prune("zzz", is_zero);
        t.prune("abcx", is_zero);
        t.prune("a", is_zero);
        CHECK(t.node_count() == 4);
    }
    SECTION("removing one leaf merges the split node back")
    {
        *t.find("abd") = 0;
        t.prune("abd", is_zero);
        CHECK(t.find("abd") == nullptr);
        CHECK(t.find("ab") == nullptr); // merged into "abc"
        CHECK(t.node_count() == 2);
        REQUIRE(t.find("abc"));
        CHECK(*t.find("abc") == 1);
        CHECK(prefixes_of(t, "abcz") == std::vector<int>{1});
        // And the freed nodes are reused.
        t.at("abx") = 7;
        CHECK(t.node_count() == 4);
        CHECK(*t.find("abx") == 7);
    }
    SECTION("an emptied inner node with one child merges with it")
    {
        t.at("ab") = 5;
        *t.find("abd") = 0;
        t.prune("abd", is_zero); // "ab" still holds 5: no merge
        CHECK(t.node_count() == 3);
        *t.find("ab") = 0;
        t.prune("ab", is_zero); // now "ab" + "c" merge
        CHECK(t.node_count() == 2);
        CHECK(*t.find("abc") == 1);
    }
    SECTION("pruning everything leaves only the root")
    {
        *t.find("abc") = 0;
        t.prune("abc", is_zero);
        *t.find("abd") = 0;
        t.prune("abd", is_zero);
        CHECK(t.node_count() == 1);
        CHECK(prefixes_of(t, "abc").empty());
    }
}

namespace {

/// Runs `fn` on a thread with a small stack: recursion proportional to the
/// depth of the tree would overflow it (and crash the test).
void on_small_stack(std::function<void()> fn)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    pthread_t t;
    auto* heap_fn = new std::function<void()>(std::move(fn));
    const int rc = pthread_create(
        &t, &attr,
        [](void* p) -> void* {
            std::unique_ptr<std::function<void()>> f(static_cast<std::function<void()>*>(p));
            (*f)();
            return nullptr;
        },
        heap_fn);
    pthread_attr_destroy(&attr);
    REQUIRE(rc == 0);
    pthread_join(t, nullptr);
}

} // namespace

TEST_CASE("prefix_tree handles a 64 KiB key and a deep tree without recursion",
          "[prefix_tree]")
{
    // libzmq's mtrie recursed once per byte and overflowed the stack on long
    // topics before 4.3.3. Every algorithm here must be iterative.
    // Assertions stay on the test thread (Catch2 is not thread-safe): the
    // small-stack thread only records what it saw.
    SECTION("a single 64 KiB key")
    {
        prefix_tree<int> t;
        const std::string key(64 * 1024, 'k');
        t.at(key) = 1;
        t.at(key.substr(0, 1000)) = 2;
        std::vector<int> matched;
        std::size_t visited = 0;
        on_small_stack([&] {
            matched = prefixes_of(t, key + "tail");
            t.for_each([&](std::string_view, int&) { ++visited; });
            *t.find(key) = 0;
            t.prune(key, is_zero);
            *t.find(key.substr(0, 1000)) = 0;
            t.prune(key.substr(0, 1000), is_zero);
        });
        CHECK(matched == std::vector<int>{2, 1});
        CHECK(visited == 3);
        CHECK(t.node_count() == 1);
    }
    SECTION("a chain of thousands of one-byte labels")
    {
        // Every prefix of "aaaa..." is a key: one node per byte.
        constexpr std::size_t depth = 6000;
        const std::string key(depth, 'a');
        prefix_tree<int> t;
        for (std::size_t n = 1; n <= depth; ++n)
            t.at(std::string_view(key).substr(0, n)) = static_cast<int>(n);
        CHECK(t.node_count() == depth + 1);
        std::vector<int> matched;
        std::size_t visited = 0;
        std::size_t missing = 0;
        on_small_stack([&] {
            matched = prefixes_of(t, key);
            t.for_each([&](std::string_view k, int& x) {
                if (x != 0 && static_cast<std::size_t>(x) == k.size())
                    ++visited;
            });
            // Prune from the shallow end: each removal empties an inner
            // node with one child, which merges downwards.
            for (std::size_t n = 1; n <= depth; ++n) {
                const auto k = std::string_view(key).substr(0, n);
                int* x = t.find(k);
                if (x == nullptr) {
                    ++missing;
                    continue;
                }
                *x = 0;
                t.prune(k, is_zero);
            }
        });
        CHECK(matched.size() == depth);
        CHECK(std::is_sorted(matched.begin(), matched.end()));
        CHECK(visited == depth);
        CHECK(missing == 0);
        CHECK(t.node_count() == 1);
    }
}

//----------------------------------------------------------------------------
// router_table

TEST_CASE("router_table honours the identity a peer asks for", "[router_table]")
{
    pipe_store ps;
    zpipe& a = ps.make(10);
    router_table t;
    CHECK(t.assign(a, "alice") == nullptr);
    CHECK(a.routing_id() == "alice");
    CHECK(t.find("alice") == &a);
    CHECK(t.find("bob") == nullptr);
}

TEST_CASE("router_table gives a duplicate identity a generated 5-byte id starting with 0x00",
          "[router_table]")
{
    // Identities starting with a zero byte are reserved for generated ids
    // (libzmq's zmq_setsockopt manual, ZMQ_ROUTING_ID).
    pipe_store ps;
    zpipe& a = ps.make(10);
    zpipe& b = ps.make(10);
    zpipe& c = ps.make(10);
    router_table t;
    t.assign(a, "same");
    CHECK(t.assign(b, "same") == nullptr);
    CHECK(a.routing_id() == "same");
    REQUIRE(b.routing_id().size() == 5);
    CHECK(b.routing_id()[0] == '\0');
    CHECK(t.find(b.routing_id()) == &b);
    CHECK(t.find("same") == &a);

    // No identity at all: generated too, and distinct.
    t.assign(c, "");
    REQUIRE(c.routing_id().size() == 5);
    CHECK(c.routing_id()[0] == '\0');
    CHECK(c.routing_id() != b.routing_id());
    CHECK(t.find(c.routing_id()) == &c);

    // Many generated ids never collide.
    std::set<std::string> ids;
    std::vector<zpipe*> more;
    for (int i = 0; i < 500; ++i) {
        zpipe& p = ps.make(1);
        t.assign(p, "");
        ids.insert(p.routing_id());
        CHECK(p.routing_id()[0] == '\0');
    }
    CHECK(ids.size() == 500);
}

TEST_CASE("router_table handover gives the identity to the newcomer", "[router_table]")
{
    pipe_store ps;
    zpipe& old_pipe = ps.make(10);
    zpipe& new_pipe = ps.make(10);
    router_table t;
    t.assign(old_pipe, "svc");
    CHECK(t.assign(new_pipe, "svc", true) == &old_pipe);
    CHECK(new_pipe.routing_id() == "svc");
    CHECK(old_pipe.routing_id().empty());
    CHECK(t.find("svc") == &new_pipe);
    // Removing the displaced pipe does not disturb the new owner.
    t.remove(old_pipe);
    CHECK(t.find("svc") == &new_pipe);
}

TEST_CASE("router_table remove forgets a pipe, optionally keeping its id string",
          "[router_table]")
{
    pipe_store ps;
    zpipe& a = ps.make(10);
    zpipe& b = ps.make(10);
    router_table t;
    t.assign(a, "a");
    t.assign(b, "b");
    t.remove(a);
    CHECK(t.find("a") == nullptr);
    CHECK(a.routing_id().empty());
    t.remove(b, true);
    CHECK(t.find("b") == nullptr);
    CHECK(b.routing_id() == "b");
    // The id is free again.
    zpipe& c = ps.make(10);
    t.assign(c, "a");
    CHECK(c.routing_id() == "a");
    CHECK(t.find("a") == &c);
    // Re-assigning a pipe releases its previous id.
    t.assign(c, "c");
    CHECK(t.find("a") == nullptr);
    CHECK(t.find("c") == &c);
}

TEST_CASE("router_table treats an Identity starting with 0x00 as none", "[router_table]")
{
    // RFC 37: "identities starting with a zero octet are reserved for
    // implementations' internal use": a peer must not be able to claim the
    // generated id of an anonymous peer that just left, and so get its replies.
    pipe_store ps;
    zpipe& anon = ps.make(10);
    zpipe& thief = ps.make(10);
    router_table t;
    t.assign(anon, "");
    const std::string generated = anon.routing_id();
    t.remove(anon, true);
    CHECK(t.find(generated) == nullptr);
    t.assign(thief, generated);
    CHECK(thief.routing_id() != generated);
    CHECK(t.find(generated) == nullptr);
    REQUIRE(thief.routing_id().size() == 5);
    CHECK(thief.routing_id()[0] == '\0');
    // Any id starting with 0x00, not only a generated one.
    zpipe& other = ps.make(10);
    t.assign(other, std::string("\0abc", 4));
    CHECK(other.routing_id().size() == 5);
    CHECK(t.find(std::string("\0abc", 4)) == nullptr);
}

TEST_CASE("router_table gives a taken Identity to its waiter once the holder is gone",
          "[router_table]")
{
    // A DEALER reconnects with the same id while its old connection is
    // still there: it gets a generated id first, its own as soon as the old
    // connection goes, and the generated one keeps routing to it.
    pipe_store ps;
    zpipe& old_conn = ps.make(10);
    zpipe& new_conn = ps.make(10);
    router_table t;
    t.assign(old_conn, "worker-1");
    t.assign(new_conn, "worker-1");
    const std::string interim = new_conn.routing_id();
    CHECK(interim[0] == '\0');
    CHECK(t.find("worker-1") == &old_conn);
    t.remove(old_conn, true); // its connection ended
    CHECK(new_conn.routing_id() == "worker-1");
    CHECK(t.find("worker-1") == &new_conn);
    CHECK(t.find(interim) == &new_conn);
    // When the new connection goes too, both ids are free.
    t.remove(new_conn);
    CHECK(t.find("worker-1") == nullptr);
    CHECK(t.find(interim) == nullptr);

    // Waiters are served in order, and one that leaves first is skipped.
    zpipe& a = ps.make(10);
    zpipe& b = ps.make(10);
    zpipe& c = ps.make(10);
    t.assign(a, "svc");
    t.assign(b, "svc");
    t.assign(c, "svc");
    t.remove(b);
    t.remove(a);
    CHECK(t.find("svc") == &c);
    CHECK(c.routing_id() == "svc");
}

//----------------------------------------------------------------------------
// pipe: what queued messages cost beyond their number

namespace {

/// A one-frame message of `n` bytes referencing a block of `capacity` bytes,
/// as a frame decoded from a receive chunk does.
zmtp::message chunk_message(zmtp::detail::block* chunk, std::size_t offset, std::size_t n)
{
    auto m = zmtp::message(zmtp::frame::share(chunk, chunk->data() + offset, n));
    return m;
}

} // namespace

TEST_CASE("pipe: reading pauses when queued messages keep far more alive than their bytes",
          "[pipe][hostile]")
{
    pipe_store ps;
    zpipe& p = ps.make(10, 1000);
    // Small messages each keeping a different 64 KiB chunk alive (the bytes
    // around them were consumed): paused once the chunks pass twice the
    // messages' bytes plus pin_slack, long before rcvhwm.
    std::size_t pushed = 0;
    while (!p.in_full()) {
        auto* chunk = zmtp::detail::allocate_block(64 * 1024);
        p.push_in(chunk_message(chunk, 0, 100));
        zmtp::detail::release(chunk); // the message holds it now
        ++pushed;
        REQUIRE(pushed < 100);
    }
    CHECK(pushed == zpipe::pin_slack / (64 * 1024) + 1);
    CHECK(p.in_pinned_bytes() == pushed * 64 * 1024);
    // Reading them releases the chunks.
    while (p.has_in())
        p.pop_in();
    CHECK(p.in_pinned_bytes() == 0);
    CHECK_FALSE(p.in_full());

    // Many messages from one chunk count it once: rcvhwm decides.
    auto* shared = zmtp::detail::allocate_block(64 * 1024);
    for (std::size_t i = 0; i < 500; ++i)
        p.push_in(chunk_message(shared, i * 100, 100));
    zmtp::detail::release(shared);
    CHECK(p.in_pinned_bytes() == 64 * 1024);
    CHECK_FALSE(p.in_full());
}

TEST_CASE("pipe: reading pauses at 4 frames per message of rcvhwm", "[pipe][hostile]")
{
    pipe_store ps;
    zpipe& p = ps.make(10, 100);
    zmtp::message big;
    for (int i = 0; i < 399; ++i)
        big.push_back(zmtp::frame());
    p.push_in(zmtp::message(big));
    CHECK_FALSE(p.in_full()); // 399 frames
    p.push_in(zmtp::message{"one"});
    CHECK(p.in_full()); // 400 = 4 x rcvhwm, with only 2 messages
    CHECK(p.in_size() == 2);
}
