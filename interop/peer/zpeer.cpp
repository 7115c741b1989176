// SPDX-License-Identifier: MIT
/* zpeer: a scriptable peer over the socket API, for the interop tests.

    zpeer TYPE [--bind EP]... [--connect EP]... [--opt NAME=VALUE]...
               [--sub TOPIC]... [--io-threads N] [-v]
    zpeer proxy --bind EP|--connect EP ... --bind2 EP|--connect2 EP ... [-v]

TYPE is a socket type in any case (push, PULL, xpub ...). After setting
options, subscribing and binding/connecting it prints "bound ENDPOINT" for
every bind (ephemeral port resolved) and then "ready". It then reads one
command per line on stdin and answers each with exactly one line:

    send F...               -> ok | err NAME
    sendm COUNT PREFIX [MS [SIZE]] -> ok COUNT | err NAME SENT
                            (frames PREFIX0, PREFIX1 ..., MS apart, padded with '.' to SIZE bytes)
    recv [TIMEOUT_MS]       -> msg R | err NAME
    recvm COUNT [TIMEOUT_MS]-> msgs K R1 ... RK (K < COUNT: a recv failed; per-message timeout)
    drain IDLE_MS [-s]      -> msgs K R1 ... RK (until IDLE_MS pass with nothing;
                               -s: also "event recv R" as each arrives)
    echo COUNT [TIMEOUT_MS] -> ok K | err NAME K (recv, send the same message back; REP/ROUTER)
    sub F / unsub F         -> ok                 (SUB)
    wait-peers N [MS]       -> ok | err timed_out
    wait-sub F [MS]         -> ok | err timed_out (PUB/XPUB: wait_for_subscriber)
    peers                   -> ok N
    set NAME VALUE          -> ok | err invalid_argument (options, see apply_option)
    bind EP                 -> ok BOUND | err NAME
    connect|disconnect|unbind EP -> ok | err NAME
    poll MS in|out          -> ok in | ok out | ok none (zmtp::poll: ready, or MS passed)
    sleep MS                -> ok (pacing only, never a synchronisation)
    close                   -> ok
    quit (or end of input)  -> exits 0

A frame F is "-" (empty), "size:N" (N bytes, byte i = i % 251), "hex:HEX",
"str:TEXT" or plain TEXT. A received message R is its frames joined by ","
where each frame is "-" (empty), lower-case hex (1..64 bytes) or
"#SIZE:CRC32" (8 hex digits) for longer ones. With -v every socket event is
printed as "event KIND ENDPOINT REASON" (REASON "-" if none), at any time.

Proxy mode forwards between an XSUB (--bind/--connect: the publishers'
side) and an XPUB (--bind2/--connect2: the subscribers' side) on two
threads; each message going upstream is printed as "event upstream R".
It prints "bound"/"bound2" lines, "ready", and understands only quit.
*/

#include "interop/peer/peer_cli.hpp"
#include "zmtp/socket_error.hpp"
#include <zmtp.hpp>
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/error.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace zmtp_interop;

//----------------------------------------------------------------------------
// Output: whole lines, flushed, from any thread.

//----------------------------------------------------------------------------
// Frames in and out

std::uint32_t crc32(const std::byte* p, std::size_t n)
{
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i)
        c = table[(c ^ std::to_integer<std::uint32_t>(p[i])) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

std::string render_frame(const zmtp::frame& f)
{
    static const char* digits = "0123456789abcdef";
    if (f.size() == 0)
        return "-";
    std::string s;
    if (f.size() <= 64) {
        for (std::size_t i = 0; i < f.size(); ++i) {
            const auto b = std::to_integer<unsigned>(f.data()[i]);
            s += digits[b >> 4];
            s += digits[b & 15];
        }
        return s;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "#%zu:%08x", f.size(),
                  static_cast<unsigned>(crc32(f.data(), f.size())));
    return buf;
}

std::string render(const zmtp::message& m)
{
    std::string s;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i != 0)
            s += ',';
        s += render_frame(m[i]);
    }
    return s.empty() ? "<none>" : s; // a message always has a frame; be safe
}

std::vector<std::string> split(const std::string& line)
{
    std::vector<std::string> out;
    std::istringstream in(line);
    std::string w;
    while (in >> w)
        out.push_back(w);
    return out;
}

//----------------------------------------------------------------------------
// The peer

/** The socket of a peer. The typed sockets add members but no virtual
    functions, so each kind is held as itself. */
class any_socket {
public:
    any_socket(zp::context& ctx, zmtp::socket_type t, const zp::socket_options& o)
    {
        switch (t) {
        case zmtp::socket_type::sub:
            sub_ = std::make_unique<zp::sub_socket>(ctx, o);
            base_ = sub_.get();
            break;
        case zmtp::socket_type::pub:
            pub_ = std::make_unique<zp::pub_socket>(ctx, o);
            base_ = pub_.get();
            break;
        case zmtp::socket_type::xpub:
            xpub_ = std::make_unique<zp::xpub_socket>(ctx, o);
            base_ = xpub_.get();
            break;
        default:
            plain_ = std::make_unique<zp::socket>(ctx, t, o);
            base_ = plain_.get();
            break;
        }
    }
    zp::socket& get() { return *base_; }
    zp::sub_socket* sub() { return sub_.get(); }
    zp::pub_socket* pub() { return pub_.get(); }
    zp::xpub_socket* xpub() { return xpub_.get(); }

private:
    std::unique_ptr<zp::socket> plain_;
    std::unique_ptr<zp::sub_socket> sub_;
    std::unique_ptr<zp::pub_socket> pub_;
    std::unique_ptr<zp::xpub_socket> xpub_;
    zp::socket* base_ = nullptr;
};

void print_events(zp::socket& s, const std::string& tag)
{
    s.on_event([tag](const zp::socket_event& e) {
        emit_line("event " + std::string(zp::to_string(e.what)) + tag + " " +
                  (e.endpoint.empty() ? "-" : e.endpoint) + " " + error_name(e.reason));
    });
}

class peer {
public:
    peer(zp::context& ctx, zmtp::socket_type type, zp::socket_options opts)
        : opts_(opts), any_(ctx, type, opts), sock_(&any_.get())
    {
    }

    zp::socket& sock() { return *sock_; }
    zp::sub_socket* sub() { return any_.sub(); }

    /// Runs one command line; returns false on quit.
    bool run(const std::string& line)
    {
        const auto w = split(line);
        if (w.empty())
            return true;
        const std::string& c = w[0];
        try {
            if (c == "quit")
                return false;
            if (c == "send")
                cmd_send(w);
            else if (c == "sendm")
                cmd_sendm(w);
            else if (c == "recv")
                cmd_recvm(w, true);
            else if (c == "recvm")
                cmd_recvm(w, false);
            else if (c == "drain")
                cmd_drain(w);
            else if (c == "echo")
                cmd_echo(w);
            else if ((c == "sub" || c == "unsub") && w.size() == 2)
                cmd_sub(c == "sub", w[1]);
            else if (c == "wait-peers" && w.size() >= 2)
                ok_or(sock_->wait_for_peers(*to_size(w[1]), timeout_arg(w, 2, -1)));
            else if (c == "wait-sub" && w.size() >= 2)
                cmd_wait_sub(w);
            else if (c == "peers")
                emit_line("ok " + std::to_string(sock_->peer_count()));
            else if (c == "set" && w.size() == 3)
                cmd_set(w[1], w[2]);
            else if (c == "bind" && w.size() == 2) {
                std::error_code ec;
                auto b = sock_->bind(w[1], ec);
                emit_line(ec ? "err " + error_name(ec) : "ok " + b);
            } else if ((c == "connect" || c == "disconnect" || c == "unbind") && w.size() == 2) {
                std::error_code ec;
                if (c == "connect")
                    sock_->connect(w[1], ec);
                else if (c == "disconnect")
                    sock_->disconnect(w[1], ec);
                else
                    sock_->unbind(w[1], ec);
                emit_line(ec ? "err " + error_name(ec) : "ok");
            } else if (c == "poll" && w.size() == 3 && (w[2] == "in" || w[2] == "out")) {
                const unsigned want = w[2] == "in" ? zmtp::poll_in : zmtp::poll_out;
                zmtp::poll_item item{sock_, -1, want, 0};
                zmtp::poll(std::span(&item, 1), milliseconds(*to_int(w[1])));
                emit_line(item.revents & want ? "ok " + w[2] : std::string("ok none"));
            } else if (c == "sleep" && w.size() == 2) {
                std::this_thread::sleep_for(milliseconds(*to_int(w[1])));
                emit_line("ok");
            } else if (c == "close") {
                sock_->close();
                emit_line("ok");
            } else {
                emit_line("err bad_command " + c);
            }
        } catch (const std::exception& e) {
            emit_line("err exception " + std::string(e.what()));
        }
        return true;
    }

private:
    static milliseconds timeout_arg(const std::vector<std::string>& w, std::size_t i,
                                    long long dflt)
    {
        if (w.size() > i) {
            if (auto n = to_int(w[i]))
                return milliseconds(*n);
        }
        return milliseconds(dflt);
    }

    static void ok_or(bool ok) { emit_line(ok ? "ok" : "err timed_out"); }

    void set_rcvtimeo(milliseconds t)
    {
        if (opts_.rcvtimeo == t)
            return;
        opts_.rcvtimeo = t;
        sock_->set_options(opts_);
    }

    void cmd_set(const std::string& name, const std::string& value)
    {
        if (!apply_option(opts_, name, value)) {
            emit_line("err invalid_argument");
            return;
        }
        sock_->set_options(opts_);
        emit_line("ok");
    }

    void cmd_send(const std::vector<std::string>& w)
    {
        zmtp::message m;
        for (std::size_t i = 1; i < w.size(); ++i) {
            auto f = parse_frame(w[i]);
            if (!f) {
                emit_line("err bad_frame " + w[i]);
                return;
            }
            m.push_back(std::move(*f));
        }
        std::error_code ec;
        sock_->send(std::move(m), ec);
        emit_line(ec ? "err " + error_name(ec) : "ok");
    }

    void cmd_sendm(const std::vector<std::string>& w)
    {
        const std::size_t count = w.size() > 1 ? to_size(w[1]).value_or(0) : 0;
        const std::string prefix = w.size() > 2 ? w[2] : "m";
        const auto pace = timeout_arg(w, 3, 0);
        const std::size_t size = w.size() > 4 ? to_size(w[4]).value_or(0) : 0;
        for (std::size_t i = 0; i < count; ++i) {
            std::error_code ec;
            std::string body = prefix + std::to_string(i);
            if (body.size() < size)
                body.resize(size, '.');
            sock_->send(zmtp::message(body), ec);
            if (ec) {
                emit_line("err " + error_name(ec) + " " + std::to_string(i));
                return;
            }
            if (pace.count() > 0)
                std::this_thread::sleep_for(pace);
        }
        emit_line("ok " + std::to_string(count));
    }

    void cmd_recvm(const std::vector<std::string>& w, bool single)
    {
        std::size_t count = 1;
        std::size_t ti = 1;
        if (!single) {
            count = w.size() > 1 ? to_size(w[1]).value_or(1) : 1;
            ti = 2;
        }
        set_rcvtimeo(timeout_arg(w, ti, -1));
        std::string out;
        std::size_t got = 0;
        std::error_code ec;
        for (; got < count; ++got) {
            auto m = sock_->recv(ec);
            if (ec)
                break;
            if (single) {
                emit_line("msg " + render(m));
                return;
            }
            out += ' ';
            out += render(m);
        }
        if (single) {
            emit_line("err " + error_name(ec));
            return;
        }
        emit_line("msgs " + std::to_string(got) + out);
    }

    void cmd_drain(const std::vector<std::string>& w)
    {
        set_rcvtimeo(timeout_arg(w, 1, 500));
        const bool stream = w.size() > 2 && w[2] == "-s";
        std::string out;
        std::size_t got = 0;
        for (;;) {
            std::error_code ec;
            auto m = sock_->recv(ec);
            if (ec)
                break;
            ++got;
            const auto r = render(m);
            if (stream)
                emit_line("event recv " + r);
            out += ' ';
            out += r;
        }
        emit_line("msgs " + std::to_string(got) + out);
    }

    void cmd_echo(const std::vector<std::string>& w)
    {
        const std::size_t count = w.size() > 1 ? to_size(w[1]).value_or(1) : 1;
        set_rcvtimeo(timeout_arg(w, 2, -1));
        std::size_t done = 0;
        for (; done < count; ++done) {
            std::error_code ec;
            auto m = sock_->recv(ec);
            if (!ec)
                sock_->send(std::move(m), ec);
            if (ec) {
                emit_line("err " + error_name(ec) + " " + std::to_string(done));
                return;
            }
        }
        emit_line("ok " + std::to_string(done));
    }

    void cmd_sub(bool subscribe, const std::string& spec)
    {
        auto* s = any_.sub();
        auto topic = parse_bytes(spec);
        if (s == nullptr || !topic) {
            emit_line("err not_supported");
            return;
        }
        if (subscribe)
            s->subscribe(*topic);
        else
            s->unsubscribe(*topic);
        emit_line("ok");
    }

    void cmd_wait_sub(const std::vector<std::string>& w)
    {
        auto topic = parse_bytes(w[1]);
        if (!topic) {
            emit_line("err bad_frame");
            return;
        }
        const auto t = timeout_arg(w, 2, -1);
        if (auto* p = any_.pub())
            ok_or(p->wait_for_subscriber(*topic, t));
        else if (auto* x = any_.xpub())
            ok_or(x->wait_for_subscriber(*topic, t));
        else
            emit_line("err not_supported");
    }

    zp::socket_options opts_;
    any_socket any_;
    zp::socket* sock_;
};

//----------------------------------------------------------------------------
// Command line

struct config {
    std::string type;
    std::vector<std::pair<bool, std::string>> endpoints;  // (bind?, ep)
    std::vector<std::pair<bool, std::string>> endpoints2; // proxy back end
    std::vector<std::string> subs;
    zp::socket_options opts;
    int io_threads = 1;
    bool verbose = false;
};

config parse_args(int argc, char** argv)
{
    config c;
    if (argc < 2)
        die("usage: zpeer TYPE|proxy [--bind EP] [--connect EP] [--opt NAME=VALUE] [--sub T] [-v]");
    c.type = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                die("missing value after " + a);
            return argv[++i];
        };
        if (a == "-v")
            c.verbose = true;
        else if (a == "--bind")
            c.endpoints.emplace_back(true, next());
        else if (a == "--connect")
            c.endpoints.emplace_back(false, next());
        else if (a == "--bind2")
            c.endpoints2.emplace_back(true, next());
        else if (a == "--connect2")
            c.endpoints2.emplace_back(false, next());
        else if (a == "--sub")
            c.subs.push_back(next());
        else if (a == "--io-threads")
            c.io_threads = static_cast<int>(to_int(next()).value_or(1));
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

void attach_endpoints(zp::socket& s, const std::vector<std::pair<bool, std::string>>& eps,
                      const std::string& tag)
{
    for (const auto& [is_bind, ep] : eps) {
        std::error_code ec;
        if (is_bind) {
            auto b = s.bind(ep, ec);
            if (ec)
                die("bind " + ep + ": " + error_name(ec));
            emit_line("bound" + tag + " " + b);
        } else {
            s.connect(ep, ec);
            if (ec)
                die("connect " + ep + ": " + error_name(ec));
        }
    }
}

std::string to_upper(std::string s)
{
    for (char& ch : s)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

int run_proxy(zp::context& ctx, const config& c)
{
    zp::xsub_socket front(ctx, c.opts);
    zp::xpub_socket back(ctx, c.opts);
    if (c.verbose) {
        print_events(front, ".front");
        print_events(back, ".back");
    }
    attach_endpoints(front, c.endpoints, "");
    attach_endpoints(back, c.endpoints2, "2");
    // Downstream: publications; upstream: subscriptions (and anything else).
    std::thread down([&] {
        for (;;) {
            std::error_code ec;
            auto m = front.recv(ec);
            if (ec == zp::socket_error::closed)
                return;
            if (!ec)
                back.send(std::move(m), ec);
        }
    });
    std::thread up([&] {
        for (;;) {
            std::error_code ec;
            auto m = back.recv(ec);
            if (ec == zp::socket_error::closed)
                return;
            if (ec)
                continue;
            emit_line("event upstream " + render(m));
            front.send(std::move(m), ec);
        }
    });
    emit_line("ready");
    std::string line;
    while (std::getline(std::cin, line)) {
        const auto w = split(line);
        if (!w.empty() && w[0] == "quit")
            break;
        if (!w.empty())
            emit_line("err bad_command " + w[0]);
    }
    front.close();
    back.close();
    down.join();
    up.join();
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const config c = parse_args(argc, argv);
    zp::context ctx(c.io_threads);
    if (c.type == "proxy")
        return run_proxy(ctx, c);
    const auto type = zmtp::parse_socket_type(to_upper(c.type));
    if (!type)
        die("unknown socket type " + c.type);
    peer p(ctx, *type, c.opts);
    if (c.verbose)
        print_events(p.sock(), "");
    for (const auto& t : c.subs) {
        auto* s = p.sub();
        auto topic = parse_bytes(t);
        if (s == nullptr || !topic)
            die("--sub needs a SUB socket and a valid topic");
        s->subscribe(*topic);
    }
    attach_endpoints(p.sock(), c.endpoints, "");
    emit_line("ready");
    std::string line;
    while (std::getline(std::cin, line))
        if (!p.run(line))
            break;
    return 0;
}
