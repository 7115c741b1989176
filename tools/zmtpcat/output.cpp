// SPDX-License-Identifier: MIT
#include "output.hpp"

#include "zmtp/error.hpp"

#include <cstdio>
#include <mutex>

namespace zmtpcat {
namespace {

std::mutex out_mutex;
std::mutex err_mutex;

void write_line(std::FILE* f, std::string_view line)
{
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
    std::fflush(f);
}

} // namespace

void print_line(std::string_view line)
{
    std::lock_guard lock(out_mutex);
    write_line(stdout, line);
}

void print_error_line(std::string_view line)
{
    std::lock_guard lock(err_mutex);
    write_line(stderr, line);
}

void report(std::string_view text)
{
    std::string line = "zmtpcat: ";
    line += text;
    print_error_line(line);
}

namespace {

// A failed handshake's cause as one short word: "auth 400" for a refusal
// (ours or the peer's), else the protocol error's name in kebab case.
std::string handshake_reason(const zmtp::socket_event& e)
{
    if (e.reason.category() != zmtp::error_category())
        return e.reason.message();
    using zmtp::error;
    switch (static_cast<error>(e.reason.value())) {
    case error::auth_refused:
    case error::auth_failed_by_peer:
        return e.detail.empty() ? "auth" : "auth " + e.detail;
    case error::bad_box: return "bad-box";
    case error::bad_nonce: return "bad-nonce";
    case error::bad_cookie: return "bad-cookie";
    case error::bad_vouch: return "bad-vouch";
    case error::mechanism_mismatch: return "mechanism-mismatch";
    case error::unknown_mechanism: return "unknown-mechanism";
    case error::incompatible_socket_type: return "incompatible-socket-type";
    case error::handshake_timeout: return "handshake-timeout";
    case error::missing_credentials: return "missing-credentials";
    case error::peer_error: return e.detail.empty() ? "peer-error" : "peer-error " + e.detail;
    case error::unexpected_command: return "unexpected-command";
    case error::malformed_command: return "malformed-command";
    case error::unexpected_eof: return "unexpected-eof";
    default: return e.reason.message();
    }
}

} // namespace

std::string format_event(const zmtp::socket_event& e)
{
    std::string line = "event: ";
    line += to_string(e.what);
    if (!e.endpoint.empty()) {
        line += ' ';
        line += e.endpoint;
    }
    if (e.what == zmtp::socket_event::kind::handshake_failed && e.reason) {
        line += ' ';
        line += handshake_reason(e);
    } else if (e.reason) {
        line += ' ';
        line += e.reason.message();
    }
    return line;
}

} // namespace zmtpcat
