// SPDX-License-Identifier: MIT
/** @file
    zmtpcat: ZeroMQ sockets for the shell. See `zmtpcat --help`.
*/

#include "command_line.hpp"
#include "event_printer.hpp"
#include "output.hpp"
#include "run.hpp"
#include "stopper.hpp"

#include "zmtp/authenticator.hpp"
#include "zmtp/context.hpp"
#include <zmtp.hpp>
#include "zmtp/version.hpp"

#include <asio/error.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>

namespace {

using zmtp::socket_event;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

zmtp::socket make_socket(zmtp::context& ctx, const zmtpcat::config& cfg)
{
    if (cfg.type == zmtp::socket_type::sub) {
        zmtp::sub_socket sub(ctx, cfg.socket);
        if (cfg.subscribe.empty())
            sub.subscribe("");
        for (const auto& prefix : cfg.subscribe)
            sub.subscribe(prefix);
        // sub_socket only adds member functions: the socket keeps its subscriptions.
        return sub; // moved (C++20 implicit move)
    }
    return zmtp::socket(ctx, cfg.type, cfg.socket);
}

/// Port 0 or *: the port is only known once bound, so it is always reported.
bool is_ephemeral(std::string_view endpoint)
{
    return endpoint.starts_with("tcp://") && (endpoint.ends_with(":0") || endpoint.ends_with(":*"));
}

/// The watcher must be gone before the socket it closes.
struct unwatch_on_exit {
    zmtpcat::stopper& stop;
    ~unwatch_on_exit() { stop.unwatch(); }
};

// The server's policy from --plain-allow / --curve-allow: a PLAIN server
// without a list accepts any credentials, a CURVE server without one any
// key (no authenticator needed: that is the library's default).
std::shared_ptr<zmtp::authenticator> make_authenticator(const zmtpcat::config& cfg)
{
    if (cfg.socket.plain_server && cfg.plain_allow.empty())
        return zmtp::make_authenticator([](const zmtp::zap_request& r) {
            zmtp::zap_reply ok;
            ok.user_id = r.credentials.empty() ? std::string() : r.credentials[0];
            return ok;
        });
    if (!cfg.plain_allow.empty() || !cfg.curve_allow.empty()) {
        auto a = std::make_shared<zmtp::standard_authenticator>();
        for (const auto& [user, pass] : cfg.plain_allow)
            a->add_plain_user(user, pass);
        for (const auto& key : cfg.curve_allow)
            a->allow_curve_key(key);
        return a;
    }
    return nullptr;
}

int run(const zmtpcat::config& cfg, zmtpcat::stopper& stop)
{
    // Outlives the context: events stop before it goes.
    std::optional<zmtpcat::event_printer> events;
    if (cfg.verbose)
        events.emplace();
    zmtp::context ctx;
    if (auto auth = make_authenticator(cfg))
        ctx.set_authenticator(std::move(auth));
    zmtp::socket s = make_socket(ctx, cfg);
    // On the socket's thread: queue the line, never write it here.
    s.on_event([&stop, printer = events ? &*events : nullptr](const socket_event& e) {
        if (printer)
            printer->post(zmtpcat::format_event(e));
        // A name that does not resolve will not start to: give up rather
        // than retry forever. Refused connections are retried as usual.
        // (With --reconnect-ivl -1 the failed endpoint is reported closed.)
        const bool connect_failed = e.what == socket_event::kind::connect_retried ||
                                    (e.what == socket_event::kind::closed && e.reason);
        if (connect_failed && e.reason == asio::error::host_not_found)
            stop.request({exit_failure, "connect " + e.endpoint + ": " + e.reason.message()});
    });
    stop.watch(s);
    unwatch_on_exit guard{stop};

    for (const auto& ep : cfg.binds) {
        std::error_code ec;
        const std::string bound = s.bind(ep, ec);
        if (ec) {
            zmtpcat::report("bind " + ep + ": " + ec.message());
            return exit_failure;
        }
        if (!cfg.verbose && is_ephemeral(ep))
            zmtpcat::print_error_line("event: listening " + bound);
    }
    for (const auto& ep : cfg.connects) {
        std::error_code ec;
        s.connect(ep, ec);
        if (ec) {
            zmtpcat::report("connect " + ep + ": " + ec.message());
            return exit_failure;
        }
    }

    const zmtpcat::outcome r = zmtpcat::run(s, cfg, stop);
    s.close(); // waits up to --linger for queued messages
    if (events)
        events->drain(std::chrono::seconds(1)); // the events come first
    if (!r.message.empty())
        zmtpcat::report(r.message);
    return r.status;
}

} // namespace

int main(int argc, char** argv)
{
    const auto parsed = zmtpcat::parse_command_line(argc, argv);
    switch (parsed.what) {
    case zmtpcat::parse_result::action::help:
        std::fputs(zmtpcat::help_text().c_str(), stdout);
        return 0;
    case zmtpcat::parse_result::action::version:
        std::printf("zmtpcat %.*s\n", static_cast<int>(zmtp::version().size()),
                    zmtp::version().data());
        return 0;
    case zmtpcat::parse_result::action::usage_error:
        zmtpcat::report(parsed.error);
        std::fputs(zmtpcat::usage_text().c_str(), stderr);
        return exit_usage;
    case zmtpcat::parse_result::action::curve_keypair: {
        const auto kp = zmtp::generate_curve_keypair();
        std::printf("public: %s\nsecret: %s\n", zmtp::curve_key_to_z85(kp.public_key).c_str(),
                    zmtp::curve_key_to_z85(kp.secret_key).c_str());
        return 0;
    }
    case zmtpcat::parse_result::action::run: break;
    }
    try {
        zmtpcat::stopper stop;
        return run(parsed.cfg, stop);
    } catch (const std::exception& e) {
        zmtpcat::report(e.what());
        return exit_failure;
    }
}
