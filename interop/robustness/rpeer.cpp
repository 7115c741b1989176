// SPDX-License-Identifier: MIT
/* rpeer: a long-running traffic peer over the socket API, for the
   robustness tests and the soak run (bench/soak/). pyrole.py is its twin on
   pyzmq, with the same command line and output.

    rpeer ROLE [--bind EP]... [--connect EP]... [--opt NAME=VALUE]...
               [--id NAME] [--rate N] [--size N] [--stat-ms N] [--log]

ROLE is push, pub or req (senders), pull, sub or rep (receivers).

Senders send numbered messages "ID:SEQ" (padded with '.' to --size bytes)
from SEQ 0 on, --rate per second (0: as fast as the socket takes them). A
send that finds no room within 200 ms is retried with the same SEQ, so a
PUSH never skips a number. REQ sends "ID:SEQ" as a request and waits for
the reply (which must be the request echoed); with --opt req_timeout=MS it
is a lazy-pirate client (the library resends); when the retries run out it
prints "exhausted SEQ" and sends the same SEQ again, so every request is
eventually answered.

Receivers track each sender (by ID): count, duplicates (a SEQ not above the
last one seen: for PULL/SUB a protocol-level duplicate or reordering; for
REP a resent request) and gaps (numbers skipped). SUB subscribes to
everything. REP echoes every request.

Output, one line each, flushed:
    bound EP                        for every --bind (ephemeral port resolved)
    ready                           set up; traffic starts
    event KIND EP REASON seq=N      socket events; N = the sender's next SEQ
    r ID SEQ                        (--log, receivers) a message or request
    a SEQ                           (--log, req) a reply
    exhausted SEQ                   (req) the library gave up on a request
    stat KEY=VALUE ...              every --stat-ms (default 1000)
    final ID count=N first=F last=L dup=D gap=G   (receivers, at the end)
    sent N | answered N             (senders, at the end)
    done
Input: "stop" (or end of input) stops the traffic; the socket is closed
(senders linger up to 5 s to deliver what is queued) and rpeer exits 0.
*/

#include "interop/peer/peer_cli.hpp"
#include "zmtp/socket_error.hpp"
#include <zmtp.hpp>
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/error.hpp>

#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace zmtp_interop;
using clock_type = std::chrono::steady_clock;

struct config {
    std::string role;
    std::vector<std::pair<bool, std::string>> endpoints; // (bind?, ep)
    zp::socket_options opts;
    std::string id = "r";
    long long rate = 100;
    std::size_t size = 0;
    long long stat_ms = 1000;
    bool log = false;
};

config parse_args(int argc, char** argv)
{
    config c;
    if (argc < 2)
        die("usage: rpeer push|pub|req|pull|sub|rep [--bind EP] [--connect EP] "
            "[--opt NAME=VALUE] [--id NAME] [--rate N] [--size N] [--stat-ms N] [--log]");
    c.role = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                die("missing value after " + a);
            return argv[++i];
        };
        auto number = [&]() -> long long {
            const auto s = next();
            const auto v = to_int(s);
            if (!v || *v < 0)
                die("bad number " + s + " after " + a);
            return *v;
        };
        if (a == "--bind")
            c.endpoints.emplace_back(true, next());
        else if (a == "--connect")
            c.endpoints.emplace_back(false, next());
        else if (a == "--id")
            c.id = next();
        else if (a == "--rate")
            c.rate = number();
        else if (a == "--size")
            c.size = static_cast<std::size_t>(number());
        else if (a == "--stat-ms")
            c.stat_ms = std::max(10LL, number());
        else if (a == "--log")
            c.log = true;
        else if (a == "--opt") {
            const std::string kv = next();
            if (!apply_option(c.opts, kv))
                die("bad option " + kv);
        } else {
            die("unknown argument " + a);
        }
    }
    return c;
}

/// Per-sender bookkeeping of a receiver.
struct tracker {
    std::uint64_t count = 0;
    std::uint64_t dup = 0;
    std::uint64_t gap = 0;
    std::int64_t first = -1;
    std::int64_t last = -1;

    void see(std::int64_t seq)
    {
        ++count;
        if (first < 0)
            first = seq;
        if (seq <= last) {
            ++dup;
            return;
        }
        if (last >= 0 && seq > last + 1)
            gap += static_cast<std::uint64_t>(seq - last - 1);
        last = seq;
    }
};

/// "ID:SEQ...." -> (ID, SEQ); SEQ -1 if malformed.
std::pair<std::string, std::int64_t> parse_body(std::string_view b)
{
    const auto colon = b.find(':');
    if (colon == std::string_view::npos)
        return {std::string(b.substr(0, 32)), -1};
    std::size_t end = colon + 1;
    while (end < b.size() && std::isdigit(static_cast<unsigned char>(b[end])))
        ++end;
    const auto v = to_int(b.substr(colon + 1, end - colon - 1));
    return {std::string(b.substr(0, colon)), v ? *v : -1};
}

class runner {
public:
    explicit runner(const config& c) : cfg_(c) {}

    int run()
    {
        const auto type = role_type();
        zp::socket_options opts = cfg_.opts;
        if (type == zmtp::socket_type::push || type == zmtp::socket_type::pub ||
            type == zmtp::socket_type::req)
            opts.sndtimeo = milliseconds(200); // stay responsive to "stop"
        opts.rcvtimeo = milliseconds(200);
        if (opts.linger.count() < 0 || opts.linger > milliseconds(5000))
            opts.linger = milliseconds(5000);
        zp::context ctx;
        std::unique_ptr<zp::socket> sock;
        std::unique_ptr<zp::sub_socket> sub;
        if (type == zmtp::socket_type::sub) {
            sub = std::make_unique<zp::sub_socket>(ctx, opts);
            sub->subscribe("");
        } else {
            sock = std::make_unique<zp::socket>(ctx, type, opts);
        }
        zp::socket& s = sub ? *sub : *sock;
        s.on_event([this](const zp::socket_event& e) {
            emit_line("event " + std::string(zp::to_string(e.what)) + " " +
                      (e.endpoint.empty() ? "-" : e.endpoint) + " " + error_name(e.reason) +
                      " seq=" + std::to_string(next_.load()));
        });
        for (const auto& [is_bind, ep] : cfg_.endpoints) {
            std::error_code ec;
            if (is_bind) {
                auto b = s.bind(ep, ec);
                if (ec)
                    die("bind " + ep + ": " + error_name(ec));
                emit_line("bound " + b);
            } else {
                s.connect(ep, ec);
                if (ec)
                    die("connect " + ep + ": " + error_name(ec));
            }
        }
        std::thread input([this] {
            std::string line;
            while (std::getline(std::cin, line))
                if (line == "stop")
                    break;
            stop_ = true;
        });
        std::thread stats([this] { stat_loop(); });
        emit_line("ready");

        if (type == zmtp::socket_type::push || type == zmtp::socket_type::pub)
            send_loop(s);
        else if (type == zmtp::socket_type::req)
            req_loop(s);
        else
            recv_loop(s, type == zmtp::socket_type::rep);

        s.close(); // senders: linger delivers what is queued
        {
            std::lock_guard<std::mutex> lock(stats_mutex_);
            stat_done_ = true;
        }
        stats_cv_.notify_all();
        stats.join();
        input.join();
        finish(type);
        return 0;
    }

private:
    zmtp::socket_type role_type() const
    {
        if (cfg_.role == "push")
            return zmtp::socket_type::push;
        if (cfg_.role == "pub")
            return zmtp::socket_type::pub;
        if (cfg_.role == "req")
            return zmtp::socket_type::req;
        if (cfg_.role == "pull")
            return zmtp::socket_type::pull;
        if (cfg_.role == "sub")
            return zmtp::socket_type::sub;
        if (cfg_.role == "rep")
            return zmtp::socket_type::rep;
        die("unknown role " + cfg_.role);
    }

    std::string body(std::uint64_t seq) const
    {
        std::string b = cfg_.id + ":" + std::to_string(seq);
        if (b.size() < cfg_.size)
            b.resize(cfg_.size, '.');
        return b;
    }

    /// Paces the sender: sleeps until the next tick (pacing, not synchronisation).
    void pace(clock_type::time_point& tick) const
    {
        if (cfg_.rate <= 0)
            return;
        tick += std::chrono::microseconds(1000000 / cfg_.rate);
        const auto now = clock_type::now();
        if (tick < now - std::chrono::seconds(1))
            tick = now; // fell behind (a blocked send): do not burst
        std::this_thread::sleep_until(tick);
    }

    void send_loop(zp::socket& s)
    {
        auto tick = clock_type::now();
        while (!stop_) {
            const std::uint64_t seq = next_.load();
            std::error_code ec;
            s.send(zmtp::message(body(seq)), ec);
            if (ec == zp::socket_error::timed_out)
                continue; // no room within 200 ms: try the same number again
            if (ec)
                die("send: " + error_name(ec));
            next_.store(seq + 1);
            pace(tick);
        }
    }

    void req_loop(zp::socket& s)
    {
        auto tick = clock_type::now();
        while (!stop_) {
            const std::uint64_t seq = next_.load();
            std::error_code ec;
            const std::string q = body(seq);
            s.send(zmtp::message(q), ec);
            if (ec == zp::socket_error::timed_out)
                continue;
            if (ec)
                die("send: " + error_name(ec));
            for (;;) {
                auto reply = s.recv(ec);
                if (ec == zp::socket_error::timed_out) {
                    if (stop_)
                        return; // the request stays unanswered: counted as such
                    continue;
                }
                if (ec == zp::socket_error::retries_exhausted ||
                    ec == zp::socket_error::request_lost) {
                    ++exhausted_;
                    emit_line("exhausted " + std::to_string(seq));
                    break; // send the same number again
                }
                if (ec)
                    die("recv: " + error_name(ec));
                if (reply.size() != 1 || reply[0].view() != q) {
                    ++bad_replies_;
                    emit_line("badreply " + std::to_string(seq) + " " +
                              std::string(reply.size() ? reply[0].view().substr(0, 40) : ""));
                    continue;
                }
                if (cfg_.log)
                    emit_line("a " + std::to_string(seq));
                next_.store(seq + 1);
                break;
            }
            pace(tick);
        }
    }

    void recv_loop(zp::socket& s, bool echo)
    {
        while (!stop_) {
            std::error_code ec;
            auto m = s.recv(ec);
            if (ec == zp::socket_error::timed_out)
                continue;
            if (ec)
                die("recv: " + error_name(ec));
            if (m.size() != 1) {
                ++malformed_;
            } else {
                const auto [id, seq] = parse_body(m[0].view());
                if (seq < 0) {
                    ++malformed_;
                } else {
                    {
                        std::lock_guard<std::mutex> lock(stats_mutex_);
                        senders_[id].see(seq);
                    }
                    if (cfg_.log)
                        emit_line("r " + id + " " + std::to_string(seq));
                }
            }
            received_.fetch_add(1);
            if (echo) {
                s.send(std::move(m), ec);
                if (ec && ec != zp::socket_error::timed_out)
                    die("send: " + error_name(ec));
            }
        }
    }

    void stat_loop()
    {
        std::unique_lock<std::mutex> lock(stats_mutex_);
        while (!stats_cv_.wait_for(lock, milliseconds(cfg_.stat_ms), [this] { return stat_done_; })) {
            std::uint64_t dup = 0, gap = 0;
            for (const auto& [id, t] : senders_) {
                dup += t.dup;
                gap += t.gap;
            }
            emit_line("stat next=" + std::to_string(next_.load()) +
                      " recv=" + std::to_string(received_.load()) + " dup=" + std::to_string(dup) +
                      " gap=" + std::to_string(gap) + " senders=" + std::to_string(senders_.size()) +
                      " exhausted=" + std::to_string(exhausted_.load()) +
                      " badreply=" + std::to_string(bad_replies_.load()) +
                      " malformed=" + std::to_string(malformed_.load()));
        }
    }

    void finish(zmtp::socket_type type)
    {
        std::lock_guard<std::mutex> lock(stats_mutex_);
        for (const auto& [id, t] : senders_)
            emit_line("final " + id + " count=" + std::to_string(t.count) +
                      " first=" + std::to_string(t.first) + " last=" + std::to_string(t.last) +
                      " dup=" + std::to_string(t.dup) + " gap=" + std::to_string(t.gap));
        if (type == zmtp::socket_type::req)
            emit_line("answered " + std::to_string(next_.load()));
        else if (type == zmtp::socket_type::push || type == zmtp::socket_type::pub)
            emit_line("sent " + std::to_string(next_.load()));
        emit_line("done");
    }

    const config& cfg_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> next_{0};
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> exhausted_{0};
    std::atomic<std::uint64_t> bad_replies_{0};
    std::atomic<std::uint64_t> malformed_{0};
    std::mutex stats_mutex_;
    std::condition_variable stats_cv_;
    bool stat_done_ = false;
    std::map<std::string, tracker> senders_;
};

} // namespace

int main(int argc, char** argv)
{
    const config c = parse_args(argc, argv);
    runner r(c);
    return r.run();
}
