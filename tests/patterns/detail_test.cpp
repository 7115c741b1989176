// SPDX-License-Identifier: MIT
// Unit tests of the building blocks in patterns/detail: ring (a pipe's
// queue), mpmc_queue (application threads <-> strand) and waiter (sleeping
// until the strand changes something).

#include "support.hpp"

#include "patterns/detail/mpmc_queue.hpp"
#include "patterns/detail/ring.hpp"
#include "patterns/detail/waiter.hpp"

#include <algorithm>
#include <memory>
#include <set>

using namespace zmtp_test;
using zmtp::patterns::detail::mpmc_queue;
using zmtp::patterns::detail::ring;
using zmtp::patterns::detail::waiter;

namespace {

/// Counts live objects, to catch leaks and double destruction.
struct tracked {
    static inline int live = 0;
    int value = 0;
    tracked() { ++live; }
    explicit tracked(int v) : value(v) { ++live; }
    tracked(tracked&& o) noexcept : value(o.value) { ++live; }
    tracked& operator=(tracked&& o) noexcept
    {
        value = o.value;
        return *this;
    }
    tracked(const tracked&) = delete;
    tracked& operator=(const tracked&) = delete;
    ~tracked() { --live; }
};

} // namespace

//----------------------------------------------------------------------------
// ring

TEST_CASE("ring is a FIFO that keeps order across growth and wrap-around", "[ring]")
{
    ring<int> r;
    CHECK(r.empty());
    int next_in = 0, next_out = 0;
    // Interleave pushes and pops so the head wraps around several times
    // while the ring grows from 16 to 64 slots.
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 7; ++i) {
            int v = next_in++;
            r.push_back(std::move(v));
        }
        for (int i = 0; i < 5; ++i)
            REQUIRE(r.pop_front() == next_out++);
    }
    CHECK(r.size() == static_cast<std::size_t>(next_in - next_out));
    while (!r.empty())
        REQUIRE(r.pop_front() == next_out++);
    CHECK(next_out == next_in);
}

TEST_CASE("ring push_front puts an element back at the head", "[ring]")
{
    ring<std::string> r;
    for (int i = 0; i < 20; ++i)
        r.push_back(std::to_string(i));
    std::string first = r.pop_front();
    CHECK(first == "0");
    r.push_front(std::move(first));
    r.push_front(std::string("-1"));
    CHECK(r.front() == "-1");
    CHECK(r.pop_front() == "-1");
    for (int i = 0; i < 20; ++i)
        REQUIRE(r.pop_front() == std::to_string(i));
    CHECK(r.empty());
    // push_front into an empty ring (grows from nothing).
    ring<std::string> e;
    e.push_front(std::string("only"));
    CHECK(e.size() == 1);
    CHECK(e.pop_front() == "only");
}

TEST_CASE("ring destroys its elements exactly once: clear, shrink, destructor", "[ring]")
{
    tracked::live = 0;
    {
        ring<tracked> r;
        for (int i = 0; i < 40; ++i)
            r.push_back(tracked(i));
        CHECK(tracked::live == 40);
        CHECK(r.pop_front().value == 0);
        CHECK(tracked::live == 39);
        r.clear();
        CHECK(tracked::live == 0);
        CHECK(r.empty());
        r.shrink();
        r.push_back(tracked(7));
        r.shrink(); // not empty: keeps its storage and element
        CHECK(r.front().value == 7);
        for (int i = 0; i < 30; ++i)
            r.push_back(tracked(i));
        CHECK(tracked::live == 31);
    }
    CHECK(tracked::live == 0);
}

//----------------------------------------------------------------------------
// mpmc_queue

TEST_CASE("mpmc_queue rounds its capacity up to a power of two", "[mpmc_queue]")
{
    CHECK(mpmc_queue<int>(1).capacity() == 2);
    CHECK(mpmc_queue<int>(2).capacity() == 2);
    CHECK(mpmc_queue<int>(3).capacity() == 4);
    CHECK(mpmc_queue<int>(1000).capacity() == 1024);
    CHECK(mpmc_queue<int>(1024).capacity() == 1024);
}

TEST_CASE("mpmc_queue is a bounded FIFO: push fails when full, pop when empty", "[mpmc_queue]")
{
    mpmc_queue<std::string> q(4);
    std::string out;
    CHECK_FALSE(q.try_pop(out));
    for (int lap = 0; lap < 3; ++lap) { // the sequence numbers wrap several laps
        for (int i = 0; i < 4; ++i) {
            std::string v = "v" + std::to_string(i);
            REQUIRE(q.try_push(v));
            CHECK(v.empty()); // moved from
        }
        CHECK(q.size_approx() == 4);
        std::string extra = "extra";
        CHECK_FALSE(q.try_push(extra));
        CHECK(extra == "extra"); // untouched on failure
        for (int i = 0; i < 4; ++i) {
            REQUIRE(q.try_pop(out));
            CHECK(out == "v" + std::to_string(i));
        }
        CHECK_FALSE(q.try_pop(out));
        CHECK(q.size_approx() == 0);
    }
}

TEST_CASE("mpmc_queue destroys what it still holds", "[mpmc_queue]")
{
    tracked::live = 0;
    {
        mpmc_queue<tracked> q(8);
        for (int i = 0; i < 5; ++i) {
            tracked t(i);
            REQUIRE(q.try_push(t));
        }
        tracked out;
        REQUIRE(q.try_pop(out));
        CHECK(out.value == 0);
        CHECK(tracked::live == 5); // 4 queued + out
    }
    CHECK(tracked::live == 0);
}

TEST_CASE("mpmc_queue delivers every element exactly once with concurrent producers and consumers",
          "[mpmc_queue][threads]")
{
    constexpr int producers = 3;
    constexpr int consumers = 3;
    constexpr int per_producer = 50000;
    mpmc_queue<std::uint64_t> q(64); // small: producers and consumers meet full and empty often

    std::atomic<int> consumed{0};
    std::vector<std::vector<std::uint64_t>> got(consumers);
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            for (int i = 0; i < per_producer; ++i) {
                std::uint64_t v = (std::uint64_t(p) << 32) | std::uint64_t(i);
                while (!q.try_push(v))
                    std::this_thread::yield();
            }
        });
    for (int c = 0; c < consumers; ++c)
        threads.emplace_back([&, c] {
            std::uint64_t v = 0;
            while (consumed.load() < producers * per_producer) {
                if (q.try_pop(v)) {
                    got[c].push_back(v);
                    consumed.fetch_add(1);
                } else {
                    std::this_thread::yield();
                }
            }
        });
    for (auto& t : threads)
        t.join();

    // Each consumer sees each producer's elements in the order produced
    // (FIFO), and together they see every element exactly once.
    std::vector<std::uint64_t> all;
    for (int c = 0; c < consumers; ++c) {
        std::vector<std::int64_t> last(producers, -1);
        for (auto v : got[c]) {
            const int p = static_cast<int>(v >> 32);
            const auto i = static_cast<std::int64_t>(v & 0xffffffffu);
            REQUIRE(i > last[p]);
            last[p] = i;
        }
        all.insert(all.end(), got[c].begin(), got[c].end());
    }
    REQUIRE(all.size() == std::size_t(producers) * per_producer);
    std::sort(all.begin(), all.end());
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
    CHECK(q.size_approx() == 0);
}

namespace {

/// An element whose move-assignment (what try_pop does to hand it out) can
/// be held halfway, to freeze a pop "in flight".
struct gated {
    static inline std::atomic<bool> hold{false};
    static inline std::atomic<bool> inside{false};
    int value = 0;
    gated() = default;
    explicit gated(int v) : value(v) {}
    gated(gated&& o) noexcept : value(o.value) {}
    gated& operator=(gated&& o) noexcept
    {
        value = o.value;
        if (hold.load()) {
            inside.store(true);
            while (hold.load())
                std::this_thread::yield();
        }
        return *this;
    }
};

} // namespace

TEST_CASE("mpmc_queue push can fail transiently while a pop is in flight", "[mpmc_queue][threads]")
{
    // The property socket_core::refill() relies on ("A push can fail while a
    // reader is still finishing its pop"): a consumer that has claimed a cell
    // but not yet released it makes that cell unavailable, so a push into a
    // queue holding fewer than capacity elements can still fail -- and
    // succeeds once the pop completes.
    mpmc_queue<gated> q(2);
    gated a(1), b(2);
    REQUIRE(q.try_push(a));
    REQUIRE(q.try_push(b));

    gated::hold = true;
    gated::inside = false;
    gated out;
    std::thread consumer([&] { q.try_pop(out); });
    REQUIRE(poll_until([] { return gated::inside.load(); }));

    // One element claimed: the queue holds one, of capacity two...
    CHECK(q.size_approx() == 1);
    gated c(3);
    // ...yet the freed cell is not available until the pop finishes.
    CHECK_FALSE(q.try_push(c));
    CHECK(c.value == 3);

    gated::hold = false;
    consumer.join();
    CHECK(out.value == 1);
    CHECK(q.try_push(c));
    gated x;
    REQUIRE(q.try_pop(x));
    CHECK(x.value == 2);
    REQUIRE(q.try_pop(x));
    CHECK(x.value == 3);
}

//----------------------------------------------------------------------------
// waiter

TEST_CASE("waiter wait returns false at its deadline without a notify", "[waiter]")
{
    waiter w;
    const auto start = steady::now();
    const auto key = w.prepare();
    CHECK_FALSE(w.wait(key, start + 50ms));
    // Never early: the deadline has passed when it gives up.
    CHECK(steady::now() - start >= 50ms);
    // A deadline already in the past returns at once.
    const auto key2 = w.prepare();
    CHECK_FALSE(w.wait(key2, steady::now() - 1ms));
}

TEST_CASE("waiter a notify after prepare is never lost", "[waiter]")
{
    // The race the event count exists for: the condition changes and is
    // notified between the caller's check and its sleep.
    waiter w;
    const auto key = w.prepare();
    w.notify();
    CHECK(w.wait(key, steady::now() + generous));
}

TEST_CASE("waiter notify wakes a sleeping thread", "[waiter][threads]")
{
    waiter w;
    std::atomic<bool> ready{false};
    std::atomic<int> result{-1};
    std::thread t([&] {
        const auto key = w.prepare();
        ready = true;
        result = w.wait(key, steady::now() + generous) ? 1 : 0;
    });
    REQUIRE(poll_until([&] { return ready.load(); }));
    w.notify();
    t.join();
    CHECK(result == 1);
}

TEST_CASE("waiter notify wakes every sleeper", "[waiter][threads]")
{
    waiter w;
    constexpr int n = 4;
    std::atomic<int> prepared{0};
    std::atomic<int> woken{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&] {
            const auto key = w.prepare();
            prepared.fetch_add(1);
            if (w.wait(key, steady::now() + generous))
                woken.fetch_add(1);
        });
    REQUIRE(poll_until([&] { return prepared.load() == n; }));
    w.notify();
    for (auto& t : threads)
        t.join();
    CHECK(woken == n);
}

TEST_CASE("waiter cancel withdraws a prepare without waiting", "[waiter]")
{
    waiter w;
    const auto key = w.prepare();
    w.cancel();
    // A later wait with a fresh key still times out normally (no stale wake-up).
    const auto key2 = w.prepare();
    CHECK(key2 == key);
    CHECK_FALSE(w.wait(key2, steady::now() + 10ms));
    // And a notify still works afterwards.
    const auto key3 = w.prepare();
    w.notify();
    CHECK(w.wait(key3, steady::now() + generous));
}
