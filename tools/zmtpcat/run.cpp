// SPDX-License-Identifier: MIT
#include "run.hpp"

#include "frames.hpp"
#include "line_reader.hpp"
#include "output.hpp"

#include "zmtp/socket_error.hpp"

#include <atomic>
#include <poll.h>
#include <thread>
#include <unistd.h>

namespace zmtpcat {
namespace {

using zmtp::socket_type;
using zmtp::socket_error;

constexpr int exit_failure = 1;
constexpr int exit_timeout = 3;
/// Internal: the loop ended because a stop was requested; stopper has the outcome.
constexpr int stopped = -1;

class runner {
public:
    runner(zmtp::socket& s, const config& cfg, stopper& stop)
        : s_(s), cfg_(cfg), stop_(stop)
    {
    }

    outcome run()
    {
        outcome r;
        switch (cfg_.type) {
        case socket_type::push:
        case socket_type::pub: r = send_lines(true); break;
        case socket_type::pull:
        case socket_type::sub:
        case socket_type::xpub: r = receive_lines(true); break;
        case socket_type::req: r = request_lines(); break;
        case socket_type::rep: r = reply_loop(); break;
        case socket_type::dealer:
        case socket_type::pair:
        case socket_type::xsub: r = with_receiver(false, [this] { return send_lines(true); }); break;
        case socket_type::router:
        case socket_type::stream: // not offered on the command line
            // A server: it keeps printing after the end of its input.
            r = with_receiver(true, [this] { return send_lines(false); });
            break;
        }
        if (r.status == stopped || (r.status == 0 && stop_.requested()))
            return stop_.result();
        return r;
    }

private:
    bool is_router() const noexcept { return cfg_.type == socket_type::router; }

    /// Input lines are split at --frames; ROUTER always splits, to find the id.
    std::string_view split_separator() const noexcept
    {
        return is_router() ? cfg_.separator() : std::string_view(cfg_.frames);
    }

    outcome failed(const std::error_code& ec, std::string_view what) const
    {
        if (ec == socket_error::closed && stop_.requested())
            return {stopped, {}};
        const auto& so = cfg_.socket;
        if (ec == socket_error::timed_out) {
            const bool sending = what == "send";
            return {exit_timeout,
                    std::string(what) + ": " + ec.message() + " (" +
                        (sending ? "--sndtimeo " + std::to_string(so.sndtimeo.count())
                                 : "--rcvtimeo " + std::to_string(so.rcvtimeo.count())) +
                        " ms)"};
        }
        if (ec == socket_error::retries_exhausted)
            return {exit_timeout, std::string(what) + ": " + ec.message() + " (--req-timeout " +
                                      std::to_string(so.req_timeout.count()) + " ms, --req-retries " +
                                      std::to_string(so.req_retries) + ")"};
        return {exit_failure, std::string(what) + ": " + ec.message()};
    }

    /// Pauses --interval before every send but the first; false on a stop.
    bool pace()
    {
        if (first_send_) {
            first_send_ = false;
            return true;
        }
        return cfg_.interval.count() == 0 || stop_.sleep_for(cfg_.interval);
    }

    bool counted(std::uint64_t& n) const noexcept { return cfg_.count != 0 && ++n >= cfg_.count; }

    /// Sends each stdin line; at the end of input returns, or (router) waits for a stop.
    outcome send_lines(bool end_with_input)
    {
        if (cfg_.type == socket_type::xsub) {
            // An XSUB subscribes by sending \x01PREFIX.
            for (const auto& prefix : cfg_.subscribe) {
                std::error_code ec;
                s_.send(zmtp::message(std::string(1, '\x01') + prefix), ec);
                if (ec)
                    return failed(ec, "send");
            }
        }
        line_reader in(STDIN_FILENO, stop_.wake_fd());
        std::string line;
        std::uint64_t sent = 0;
        for (;;) {
            const auto st = in.next(line);
            if (st == line_reader::status::stopped)
                return {stopped, {}};
            if (st == line_reader::status::end_of_input)
                break;
            zmtp::message m = parse_message(line, split_separator(), is_router());
            if (is_router() && m.size() < 2) {
                report("router: input lines are ID" + std::string(cfg_.separator()) +
                       "MESSAGE; ignored: " + line);
                continue;
            }
            if (!pace())
                return {stopped, {}};
            std::error_code ec;
            s_.send(std::move(m), ec);
            if (ec)
                return failed(ec, "send");
            if (!is_router() && counted(sent))
                return {};
        }
        if (end_with_input)
            return {};
        pollfd p{stop_.wake_fd(), POLLIN, 0};
        while (::poll(&p, 1, -1) <= 0) {
        }
        return {stopped, {}};
    }

    /// Prints each message received; with `counts`, up to --count of them.
    outcome receive_lines(bool counts)
    {
        std::uint64_t n = 0;
        for (;;) {
            std::error_code ec;
            zmtp::message m = s_.recv(ec);
            if (ec)
                return failed(ec, "receive");
            print_line(format_message(m, cfg_.separator(), is_router()));
            if (counts && counted(n))
                return {};
        }
    }

    /// Runs `main_loop` on this thread while another prints what arrives.
    template <class Loop>
    outcome with_receiver(bool receiver_counts, Loop main_loop)
    {
        std::atomic<bool> closing{false};
        std::thread receiver([this, receiver_counts, &closing] {
            const outcome r = receive_lines(receiver_counts);
            // Its `closed` error is the end the main loop asked for.
            if (r.status != stopped && !closing)
                stop_.request(r);
        });
        outcome r = main_loop();
        closing = true;
        s_.close(); // after the linger; ends the receiver's wait
        receiver.join();
        return r;
    }

    outcome request_lines()
    {
        line_reader in(STDIN_FILENO, stop_.wake_fd());
        std::string line;
        std::uint64_t trips = 0;
        bool gave_up = false;
        for (;;) {
            const auto st = in.next(line);
            if (st == line_reader::status::stopped)
                return {stopped, {}};
            if (st == line_reader::status::end_of_input)
                break;
            zmtp::message m = parse_message(line, cfg_.frames, false);
            if (!pace())
                return {stopped, {}};
            std::error_code ec;
            s_.send(std::move(m), ec);
            if (ec)
                return failed(ec, "send");
            zmtp::message reply = s_.recv(ec);
            if (ec == socket_error::timed_out && cfg_.socket.req_relaxed) {
                report("no reply within --rcvtimeo " +
                       std::to_string(cfg_.socket.rcvtimeo.count()) +
                       " ms; request given up: " + line);
                gave_up = true;
                continue;
            }
            if (ec)
                return failed(ec, "receive");
            print_line(format_message(reply, cfg_.separator(), false));
            if (counted(trips))
                break;
        }
        return {gave_up ? exit_timeout : 0, {}};
    }

    outcome reply_loop()
    {
        std::uint64_t trips = 0;
        for (;;) {
            std::error_code ec;
            zmtp::message request = s_.recv(ec);
            if (ec)
                return failed(ec, "receive");
            print_line(format_message(request, cfg_.separator(), false));
            zmtp::message reply =
                cfg_.reply ? parse_message(*cfg_.reply, cfg_.frames, false) : std::move(request);
            s_.send(std::move(reply), ec);
            if (ec)
                return failed(ec, "send");
            if (counted(trips))
                return {};
        }
    }

    zmtp::socket& s_;
    const config& cfg_;
    stopper& stop_;
    bool first_send_ = true;
};

} // namespace

outcome run(zmtp::socket& s, const config& cfg, stopper& stop)
{
    return runner(s, cfg, stop).run();
}

} // namespace zmtpcat
