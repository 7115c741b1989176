// SPDX-License-Identifier: MIT
// The hand-over between application threads and the I/O thread
// (patterns/socket_owner.hpp): several threads sending and receiving on
// one socket at once, with blocking calls that take the socket (messages
// that come alone) or hand over through the queues (runs), beside async
// operations completing on the socket's executor, with the I/O thread busy and idle.
// Nothing may be lost, duplicated or reordered within one sender. And a
// socket whose application thread is away -- sleeping, or blocked in recv()
// -- still answers its peers' PINGs.

#include "spec_support.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

using namespace zmtp_test;
using namespace std::chrono_literals;

namespace {

zmtp::message tagged(int sender, long seq)
{
    return zmtp::message{std::string_view(std::to_string(sender) + ":" + std::to_string(seq))};
}

std::pair<int, long> parse_tagged(const zmtp::message& m)
{
    const std::string s = parts(m).at(0);
    const auto colon = s.find(':');
    return {std::stoi(s.substr(0, colon)), std::stol(s.substr(colon + 1))};
}

/// Keeps the context's I/O thread busy: a PUSH/PULL pair on the same
/// context streaming messages through callback chains until stopped.
class background_load {
public:
    explicit background_load(context& ctx) : pull_(ctx, test_options()), push_(ctx, test_options())
    {
        push_.connect(pull_.bind("tcp://127.0.0.1:0"));
        send_next();
        recv_next();
        // Flowing before the test starts.
        REQUIRE(poll_until([&] { return received_.load() > 1000; }));
    }
    ~background_load()
    {
        stop_.store(true);
        poll_until([&] { return sender_done_.load(); });
        push_.close();
        pull_.close();
        // A receive may have completed (with a message) just before the
        // close, its handler still on its way: it must not run on a
        // destroyed object. The chain ends by itself once it sees stop_.
        poll_until([&] { return receiver_done_.load(); });
    }

private:
    void send_next()
    {
        static const std::string payload(64, 'b');
        push_.async_send(zmtp::message{std::string_view(payload)}, [this](std::error_code ec) {
            if (ec || stop_.load()) {
                sender_done_.store(true);
                return;
            }
            send_next();
        });
    }

    void recv_next()
    {
        pull_.async_recv([this](std::error_code ec, zmtp::message) {
            if (ec || stop_.load()) {
                receiver_done_.store(true); // the last thing it touches
                return;
            }
            received_.fetch_add(1);
            recv_next();
        });
    }

    pull_socket pull_;
    push_socket push_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> sender_done_{false};
    std::atomic<bool> receiver_done_{false};
    std::atomic<long> received_{0};
};

} // namespace

TEST_CASE("several threads and an async sender on one PUSH: every message arrives once, "
          "each sender's in order",
          "[handover][threads]")
{
    const bool busy = GENERATE(false, true);
    INFO((busy ? "the I/O thread busy with another pair" : "the I/O thread idle"));
    context ctx;
    std::optional<background_load> load;
    if (busy)
        load.emplace(ctx);
    pull_socket pull(ctx, test_options());
    push_socket push(ctx, test_options());
    push.connect(pull.bind("tcp://127.0.0.1:0"));
    REQUIRE(push.wait_for_peers(1, generous));

    constexpr long per_sender = 10000;
    constexpr int threads = 4;
    constexpr int async_tag = threads;
    std::atomic<int> failures{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t) {
        senders.emplace_back([&, t] {
            for (long i = 0; i < per_sender; ++i) {
                std::error_code ec;
                if (t == 2 && i % 8 == 0) {
                    // Messages that come alone: written on this thread.
                    std::this_thread::sleep_for(50us);
                }
                if (t == 3 && i % 2 == 0) {
                    auto m = tagged(t, i);
                    while (!push.try_send(m, ec) && ec == zmtp::socket_error::would_block)
                        std::this_thread::yield();
                } else {
                    push.send(tagged(t, i), ec);
                }
                if (ec) {
                    failures.fetch_add(1);
                    return;
                }
            }
        });
    }
    // An async sender: each completion sends the next, on the socket's executor.
    std::atomic<bool> async_done{false};
    std::function<void(long)> send_async = [&](long i) {
        if (i == per_sender) {
            async_done.store(true);
            return;
        }
        push.async_send(tagged(async_tag, i), [&, i](std::error_code ec) {
            if (ec) {
                failures.fetch_add(1);
                async_done.store(true);
                return;
            }
            send_async(i + 1);
        });
    };
    send_async(0);

    std::map<int, long> next;
    long total = 0;
    long out_of_order = 0;
    for (; total < per_sender * (threads + 1); ++total) {
        std::error_code ec;
        const auto m = pull.recv(ec);
        if (ec)
            break;
        const auto [tag, seq] = parse_tagged(m);
        if (seq != next[tag])
            ++out_of_order;
        next[tag] = seq + 1;
    }
    for (auto& t : senders)
        t.join();
    REQUIRE(poll_until([&] { return async_done.load(); }));
    CHECK(failures.load() == 0);
    CHECK(out_of_order == 0);
    CHECK(total == per_sender * (threads + 1));
    for (int tag = 0; tag <= threads; ++tag)
        CHECK(next[tag] == per_sender);
    // Nothing more: no duplicates.
    CHECK_FALSE(pull.try_recv().has_value());
}

TEST_CASE("several threads and an async receiver on one PULL: every message once, in order "
          "in each receiver's view",
          "[handover][threads]")
{
    const bool busy = GENERATE(false, true);
    INFO((busy ? "the I/O thread busy with another pair" : "the I/O thread idle"));
    context ctx;
    std::optional<background_load> load;
    if (busy)
        load.emplace(ctx);
    auto opts = test_options();
    opts.rcvtimeo = 50ms; // receivers look at the stop flag this often
    pull_socket pull(ctx, opts);
    push_socket push(ctx, test_options());
    push.connect(pull.bind("tcp://127.0.0.1:0"));
    REQUIRE(push.wait_for_peers(1, generous));

    constexpr long count = 50000;
    std::atomic<long> received{0};
    std::mutex seen_mutex;
    std::vector<int> seen(count, 0);
    std::atomic<int> out_of_order{0};
    auto take = [&](const zmtp::message& m, long& last) {
        const long seq = parse_tagged(m).second;
        if (seq <= last)
            out_of_order.fetch_add(1);
        last = seq;
        {
            std::lock_guard lock(seen_mutex);
            if (seq >= 0 && seq < count)
                ++seen[static_cast<std::size_t>(seq)];
        }
        received.fetch_add(1);
    };
    auto received_all = [&] { return received.load() >= count; };
    const auto deadline = std::chrono::steady_clock::now() + 4 * generous;
    std::vector<std::thread> receivers;
    for (int t = 0; t < 3; ++t) {
        receivers.emplace_back([&, t] {
            long last = -1;
            while (received.load() < count && std::chrono::steady_clock::now() < deadline) {
                std::error_code ec;
                if (t == 0) {
                    if (auto m = pull.try_recv(ec))
                        take(*m, last);
                    else
                        std::this_thread::yield(); // would_block
                    continue;
                }
                const auto m = pull.recv(ec);
                if (!ec)
                    take(m, last);
            }
        });
    }
    // An async receiver: each completion asks for the next, on the socket's executor.
    std::atomic<bool> async_done{false};
    long async_last = -1;
    std::function<void()> recv_async = [&] {
        pull.async_recv([&](std::error_code ec, zmtp::message m) {
            if (ec || received_all()) {
                async_done.store(true);
                return;
            }
            take(m, async_last);
            if (received_all()) {
                async_done.store(true);
                return;
            }
            recv_async();
        });
    };
    recv_async();

    for (long i = 0; i < count; ++i) {
        if (i % 500 == 0)
            std::this_thread::sleep_for(1ms); // let the queues run dry now and then
        push.send(tagged(0, i));
    }
    for (auto& t : receivers)
        t.join();
    CHECK(received.load() == count);
    CHECK(out_of_order.load() == 0);
    long missing = 0;
    long duplicated = 0;
    for (int n : seen) {
        missing += n == 0;
        duplicated += n > 1;
    }
    CHECK(missing == 0);
    CHECK(duplicated == 0);
    // The async receiver may still wait for a message: one more ends it.
    push.send(tagged(0, count));
    CHECK(poll_until([&] { return async_done.load(); }));
}

TEST_CASE("PINGs are answered while the application thread is away", "[handover][heartbeat]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    const auto r = raw_handshake(c, "PUSH");
    REQUIRE(r);
    REQUIRE(r->command_name() == "READY");

    // The application is inside a blocking recv() on another thread for the
    // whole exchange, or not calling at all.
    const bool in_recv = GENERATE(true, false);
    INFO((in_recv ? "blocked in recv()" : "not calling"));
    std::atomic<bool> got{false};
    std::thread app;
    if (in_recv)
        app = std::thread([&] {
            std::error_code ec;
            const auto m = pull.recv(ec);
            got.store(!ec && parts(m) == std::vector<std::string>{"after"});
        });

    // A PING every 100 ms for a second (over twice libzmq's usual timeouts
    // in tests), each answered before the next.
    for (int i = 0; i < 10; ++i) {
        REQUIRE(c.send(ping(0, "n" + std::to_string(i))));
        const auto pong = c.read_frame();
        REQUIRE(pong);
        CHECK(pong->body == cat(0x04, "PONG", "n" + std::to_string(i)));
        std::this_thread::sleep_for(100ms);
    }
    REQUIRE(c.send(data_frame("after")));
    if (in_recv) {
        app.join();
        CHECK(got.load());
    } else {
        const auto m = recv_data(pull);
        REQUIRE(m);
        CHECK(parts(*m) == std::vector<std::string>{"after"});
    }
}

TEST_CASE("a peer's heartbeat does not time out while our application thread is away longer",
          "[handover][heartbeat]")
{
    context ctx;
    auto hb = test_options();
    hb.heartbeat_ivl = 50ms;
    hb.heartbeat_timeout = 300ms;
    dealer_socket watcher(ctx, hb); // PINGs us and drops us if we stay silent
    auto quiet = test_options();
    quiet.rcvtimeo = 1500ms; // five heartbeat timeouts
    dealer_socket away(ctx, quiet);
    auto log = event_log::attach(watcher);
    watcher.connect(away.bind("tcp://127.0.0.1:0"));
    REQUIRE(watcher.wait_for_peers(1, generous));

    std::error_code ec;
    (void)away.recv(ec); // nothing comes: the thread is away in recv() the whole time
    CHECK(ec == zmtp::socket_error::timed_out);
    std::this_thread::sleep_for(600ms); // and then away from the socket altogether

    CHECK(log->count(zmtp::socket_event::kind::disconnected) == 0);
    watcher.send("still here");
    const auto m = recv_data(away);
    REQUIRE(m);
    CHECK(parts(*m) == std::vector<std::string>{"still here"});
}
