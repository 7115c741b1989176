// SPDX-License-Identifier: MIT
#include "command_line.hpp"

#include "frames.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace zmtpcat {
namespace {

using zmtp::socket_type;
using std::chrono::milliseconds;

struct usage_error {
    std::string what;
};

std::optional<socket_type> parse_type(std::string_view s)
{
    static constexpr std::pair<std::string_view, socket_type> names[] = {
        {"push", socket_type::push},     {"pull", socket_type::pull},
        {"pub", socket_type::pub},       {"sub", socket_type::sub},
        {"req", socket_type::req},       {"rep", socket_type::rep},
        {"dealer", socket_type::dealer}, {"router", socket_type::router},
        {"xpub", socket_type::xpub},     {"xsub", socket_type::xsub},
        {"pair", socket_type::pair},
    };
    std::string lower(s);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [name, t] : names)
        if (name == lower)
            return t;
    return std::nullopt;
}

std::int64_t parse_integer(std::string_view option, std::string_view text, std::int64_t min,
                           std::int64_t max)
{
    std::int64_t v = 0;
    const auto [p, err] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || err != std::errc() || p != text.data() + text.size())
        throw usage_error{std::string(option) + ": not an integer: '" + std::string(text) + "'"};
    if (v < min || v > max)
        throw usage_error{std::string(option) + ": " + std::string(text) + " is out of range " +
                          std::to_string(min) + ".." + std::to_string(max)};
    return v;
}

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t ms_max = std::int64_t{1} << 40; // about 35 years: enough, and no overflow

/// A duration option: `allow_forever` admits -1.
milliseconds parse_ms(std::string_view option, std::string_view text, bool allow_forever = false)
{
    const std::int64_t v = parse_integer(option, text, allow_forever ? -1 : 0, ms_max);
    return milliseconds(v);
}

// USER:PASSWORD, each at most 255 bytes (PLAIN's limit); the first ':' splits.
std::pair<std::string, std::string> parse_credentials(std::string_view option, std::string_view text)
{
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
        throw usage_error{std::string(option) + ": expected USER:PASSWORD"};
    std::pair<std::string, std::string> r{std::string(text.substr(0, colon)),
                                          std::string(text.substr(colon + 1))};
    if (r.first.size() > 255 || r.second.size() > 255)
        throw usage_error{std::string(option) + ": user and password are at most 255 bytes each"};
    return r;
}

// A CURVE key in its 40-character Z85 form.
zmtp::curve_key parse_z85_key(std::string_view option, std::string_view text)
{
    if (text.size() == 40)
        if (auto key = zmtp::parse_curve_key(text))
            return *key;
    throw usage_error{std::string(option) + ": expected a key of 40 Z85 characters"};
}

bool reads_stdin(socket_type t)
{
    switch (t) {
    case socket_type::push:
    case socket_type::pub:
    case socket_type::dealer:
    case socket_type::pair:
    case socket_type::xsub:
    case socket_type::req:
    case socket_type::router: return true;
    default: return false;
    }
}

void require_type(std::string_view option, socket_type t, std::initializer_list<socket_type> ok,
                  std::string_view names)
{
    if (std::find(ok.begin(), ok.end(), t) == ok.end())
        throw usage_error{std::string(option) + " applies to " + std::string(names) + " only"};
}

} // namespace

parse_result parse_command_line(int argc, const char* const* argv)
{
    parse_result r;
    config& c = r.cfg;
    auto& so = c.socket;
    std::optional<socket_type> type;
    // Options whose meaning depends on TYPE are checked once TYPE is known.
    std::vector<std::string> seen;
    bool retries_given = false;

    try {
        for (int i = 1; i < argc; ++i) {
            std::string_view arg = argv[i];
            if (arg == "-h" || arg == "--help") {
                r.what = parse_result::action::help;
                return r;
            }
            if (arg == "--version") {
                r.what = parse_result::action::version;
                return r;
            }
            if (arg == "--curve-keypair") {
                if (argc != 2)
                    throw usage_error{"--curve-keypair stands alone: no TYPE, no other option"};
                r.what = parse_result::action::curve_keypair;
                return r;
            }
            if (arg.empty() || arg.front() != '-' || arg == "-") {
                if (type)
                    throw usage_error{"unexpected argument '" + std::string(arg) + "'"};
                type = parse_type(arg);
                if (!type)
                    throw usage_error{"unknown socket type '" + std::string(arg) + "'"};
                continue;
            }
            if (arg == "-v" || arg == "--verbose") {
                c.verbose = true;
                continue;
            }
            // --name VALUE or --name=VALUE
            std::string name(arg);
            std::optional<std::string> inline_value;
            if (const auto eq = name.find('='); eq != std::string::npos && name.starts_with("--")) {
                inline_value = name.substr(eq + 1);
                name.resize(eq);
            }
            const auto flag = [&](bool& target) {
                if (inline_value)
                    throw usage_error{name + " takes no value"};
                target = true;
            };
            const auto value = [&]() -> std::string {
                if (inline_value)
                    return *inline_value;
                if (i + 1 >= argc)
                    throw usage_error{name + " needs a value"};
                return argv[++i];
            };
            seen.push_back(name);

            if (name == "--bind")
                c.binds.push_back(value());
            else if (name == "--connect")
                c.connects.push_back(value());
            else if (name == "--frames") {
                c.frames = value();
                if (c.frames.empty())
                    throw usage_error{"--frames: the separator must not be empty"};
                if (c.frames.find_first_of("\\\n") != std::string::npos)
                    throw usage_error{"--frames: the separator must not contain a backslash or a newline"};
            } else if (name == "--count")
                c.count = static_cast<std::uint64_t>(parse_integer(name, value(), 1, int64_max));
            else if (name == "--subscribe")
                c.subscribe.push_back(unescape(value()));
            else if (name == "--reply")
                c.reply = value();
            else if (name == "--interval")
                c.interval = parse_ms(name, value());
            else if (name == "--sndhwm")
                so.sndhwm = static_cast<std::size_t>(parse_integer(name, value(), 0, int64_max));
            else if (name == "--rcvhwm")
                so.rcvhwm = static_cast<std::size_t>(parse_integer(name, value(), 0, int64_max));
            else if (name == "--linger")
                so.linger = parse_ms(name, value(), true);
            else if (name == "--sndtimeo")
                so.sndtimeo = parse_ms(name, value(), true);
            else if (name == "--rcvtimeo")
                so.rcvtimeo = parse_ms(name, value(), true);
            else if (name == "--reconnect-ivl")
                so.reconnect_ivl = parse_ms(name, value(), true);
            else if (name == "--reconnect-ivl-max")
                so.reconnect_ivl_max = parse_ms(name, value());
            else if (name == "--handshake-ivl")
                so.handshake_ivl = parse_ms(name, value());
            else if (name == "--heartbeat-ivl")
                so.heartbeat_ivl = parse_ms(name, value());
            else if (name == "--heartbeat-timeout")
                so.heartbeat_timeout = parse_ms(name, value(), true);
            else if (name == "--heartbeat-ttl")
                // PINGs carry the TTL in deciseconds; the library caps it at 65.5 s.
                so.heartbeat_ttl = milliseconds(parse_integer(name, value(), 0, 65500));
            else if (name == "--routing-id") {
                so.routing_id = parse_routing_id(value());
                if (so.routing_id.empty() || so.routing_id.size() > 255 || so.routing_id.front() == '\0')
                    throw usage_error{"--routing-id: 1 to 255 bytes, not starting with a zero byte"};
            } else if (name == "--req-relaxed")
                flag(so.req_relaxed);
            else if (name == "--req-correlate")
                flag(so.req_correlate);
            else if (name == "--req-fail-on-disconnect")
                flag(so.req_fail_on_disconnect);
            else if (name == "--req-timeout") {
                so.req_timeout = parse_ms(name, value());
                if (so.req_timeout.count() == 0)
                    throw usage_error{"--req-timeout must be at least 1"};
            } else if (name == "--req-retries") {
                so.req_retries = static_cast<int>(parse_integer(name, value(), 0, 1000000));
                retries_given = true;
            } else if (name == "--conflate")
                flag(so.conflate);
            else if (name == "--immediate")
                flag(so.immediate);
            else if (name == "--probe-router")
                flag(so.probe_router);
            else if (name == "--invert-matching")
                flag(so.invert_matching);
            else if (name == "--connect-routing-id") {
                so.connect_routing_id = parse_routing_id(value());
                if (so.connect_routing_id.empty() || so.connect_routing_id.size() > 255 ||
                    so.connect_routing_id.front() == '\0')
                    throw usage_error{"--connect-routing-id: 1 to 255 bytes, not starting with a zero byte"};
            }
            else if (name == "--plain-server")
                flag(so.plain_server);
            else if (name == "--plain-allow")
                c.plain_allow.push_back(parse_credentials(name, value()));
            else if (name == "--plain-user") {
                auto [user, pass] = parse_credentials(name, value());
                if (user.empty())
                    throw usage_error{"--plain-user: the user name must not be empty"};
                so.plain_username = std::move(user);
                so.plain_password = std::move(pass);
            } else if (name == "--curve-server")
                flag(so.curve_server);
            else if (name == "--curve-secret-key")
                so.curve_secretkey = parse_z85_key(name, value());
            else if (name == "--curve-allow")
                c.curve_allow.push_back(parse_z85_key(name, value()));
            else if (name == "--curve-server-key")
                so.curve_serverkey = parse_z85_key(name, value());
            else if (name == "--max-msg-size") {
                const auto n = static_cast<std::size_t>(parse_integer(name, value(), 1, int64_max));
                so.limits.max_message_size = n;
                so.limits.max_frame_size = n;
            } else
                throw usage_error{"unknown option '" + std::string(arg) + "'"};
        }

        if (!type)
            throw usage_error{"no socket type given"};
        c.type = *type;
        if (c.binds.empty() && c.connects.empty())
            throw usage_error{"give at least one --bind or --connect"};
        for (const auto& name : seen) {
            using st = socket_type;
            if (name == "--subscribe")
                require_type(name, c.type, {st::sub, st::xsub}, "sub and xsub");
            else if (name == "--reply")
                require_type(name, c.type, {st::rep}, "rep");
            else if (name.starts_with("--req-"))
                require_type(name, c.type, {st::req}, "req");
            else if (name == "--routing-id" || name == "--probe-router")
                require_type(name, c.type, {st::req, st::dealer, st::router}, "req, dealer and router");
            else if (name == "--invert-matching")
                require_type(name, c.type, {st::pub, st::sub, st::xpub, st::xsub}, "pub, sub, xpub and xsub");
            else if (name == "--connect-routing-id") {
                require_type(name, c.type, {st::router}, "router");
                if (c.connects.size() != 1)
                    throw usage_error{"--connect-routing-id names the peer of exactly one --connect"};
            } else if (name == "--conflate")
                require_type(name, c.type, {st::push, st::pull, st::pub, st::sub, st::dealer},
                             "push, pull, pub, sub and dealer");
            else if (name == "--interval" && !reads_stdin(c.type))
                throw usage_error{"--interval applies to the types that send stdin lines only"};
            else if (name == "--plain-allow" && !so.plain_server)
                throw usage_error{"--plain-allow needs --plain-server"};
            else if (name == "--curve-allow" && !so.curve_server)
                throw usage_error{"--curve-allow needs --curve-server"};
        }
        const bool plain = so.plain_server || !so.plain_username.empty();
        const bool curve = so.curve_server || so.curve_serverkey;
        if (so.plain_server && !so.plain_username.empty())
            throw usage_error{"--plain-server and --plain-user: one role, please"};
        if (so.curve_server && so.curve_serverkey)
            throw usage_error{"--curve-server and --curve-server-key: one role, please"};
        if (plain && curve)
            throw usage_error{"PLAIN and CURVE options together: one mechanism per socket"};
        if (so.curve_server && !so.curve_secretkey)
            throw usage_error{"--curve-server needs --curve-secret-key"};
        if (so.curve_secretkey && !curve)
            throw usage_error{"--curve-secret-key needs --curve-server or --curve-server-key"};
        if (retries_given && so.req_timeout.count() == 0)
            throw usage_error{"--req-retries needs --req-timeout"};
    } catch (const usage_error& e) {
        r.what = parse_result::action::usage_error;
        r.error = e.what;
    }
    return r;
}

std::string usage_text()
{
    return "usage: zmtpcat TYPE (--bind EP | --connect EP)... [options]\n"
           "       zmtpcat --curve-keypair\n"
           "  TYPE: push pull pub sub req rep dealer router xpub xsub pair\n"
           "  Run 'zmtpcat --help' for the options.\n";
}

std::string help_text()
{
    return R"(usage: zmtpcat TYPE (--bind EP | --connect EP)... [options]

ZeroMQ (ZMTP 3) sockets for the shell: one line of text per message.

TYPE says what zmtpcat does:
  push, pub          send each line of stdin; at the end of input wait for the
                     queued messages to go out (up to --linger), then exit 0
  dealer, pair, xsub the same, and also print every message they receive
  pull, sub, xpub    print every message received; stdin is not read
  req                for each line: send it, wait for the reply, print it;
                     exit 0 at the end of input
  rep                print each request and answer it with --reply TEXT, or
                     else with the request itself
  router             print each message received, its routing id first; send
                     each line ID|FRAME[|FRAME...] to the peer ID. Keeps
                     running at the end of input (use --count or a signal)

Endpoints (each repeatable, at least one in all):
  --bind EP              tcp://HOST:PORT or ipc://PATH; port 0 or * picks a
                         free port, reported as "event: listening tcp://..."
                         on stderr
  --connect EP           connect (and reconnect) in the background

Messages:
  --frames SEP           split each input line at SEP into the frames of a
                         multipart message; received frames are joined with
                         SEP. Without --frames, a line is one frame, received
                         frames are joined with | and ROUTER splits at |
  --count N              exit 0 after N messages received (pull, sub, xpub,
                         router), N sent (push, pub, dealer, pair, xsub), or
                         N round trips (req, rep)
  --interval MS          pause MS between two messages sent from stdin
  --subscribe PREFIX     sub, xsub: subscribe to PREFIX (repeatable). A sub
                         with none subscribes to everything; an xsub sends
                         \x01PREFIX for each one before reading stdin
  --reply TEXT           rep: the reply (split at SEP with --frames)

Socket options (MS = milliseconds):
  --sndhwm N             queue limit per peer for sending (default 1000; 0 = none)
  --rcvhwm N             queue limit per peer for receiving (default 1000; 0 = none)
  --linger MS            time to deliver queued messages when closing
                         (default 2000; -1 = no limit; 0 = drop them)
  --sndtimeo MS          a send blocked this long fails: exit 3 (default -1 = wait)
  --rcvtimeo MS          no message within MS: exit 3 (default -1 = wait)
  --reconnect-ivl MS     first reconnect delay (default 100; -1 = do not reconnect)
  --reconnect-ivl-max MS cap of the doubling reconnect delay (default 5000)
  --handshake-ivl MS     deadline for a peer's ZMTP handshake (default 30000; 0 = none)
  --heartbeat-ivl MS     send a PING every MS (default 0 = no heartbeats)
  --heartbeat-timeout MS drop a peer silent for MS after a PING
                         (default -1 = the heartbeat interval)
  --heartbeat-ttl MS     TTL announced in PINGs, 0..65500 (default 0)
  --routing-id ID        req, dealer, router: the identity given to peers
                         (1..255 bytes, text form as below, not 0x00 first)
  --max-msg-size BYTES   drop a peer that sends a larger message or frame
                         (default 256 MiB)
  --conflate             push, pull, pub, sub, dealer: keep only the latest
                         message in each queue
  --immediate            queue messages only to peers whose connection is up
  --probe-router         req, dealer, router: send an empty message to each
                         new peer first
  --invert-matching      pub, sub, xpub, xsub: deliver what does NOT match
                         the subscriptions (set it on both sides)
  --connect-routing-id ID
                         router: the routing id of the peer of the one
                         --connect (sendable at once)
  --req-relaxed          req: a reply that does not come within --rcvtimeo is
                         given up (a line on stderr) and the next line is sent;
                         exit 3 at the end
  --req-correlate        req: tag each request with an id and drop replies
                         that do not carry it
  --req-timeout MS       req: resend a request unanswered after MS, to the
                         same or another peer (lazy pirate; implies
                         --req-correlate); exit 3 when --req-retries resends
                         go unanswered too
  --req-retries N        req: resends after the first attempt (default 3)
  --req-fail-on-disconnect
                         req: exit 1 at once when the connection that
                         carried the request is lost

Security (PLAIN sends the password in clear; CURVE encrypts, RFC 26):
  --curve-keypair        alone, no TYPE: print a new key pair as
                         "public: <Z85>" and "secret: <Z85>", exit 0
  --plain-server         be a PLAIN server
  --plain-allow USER:PASSWORD
                         plain server: accept these credentials (repeatable;
                         with none, any credentials are accepted)
  --plain-user USER:PASSWORD
                         be a PLAIN client with these credentials
  --curve-server         be a CURVE server (needs --curve-secret-key)
  --curve-secret-key Z85 this socket's secret key (a client without one
                         uses a fresh key pair)
  --curve-allow Z85      curve server: accept this client public key
                         (repeatable; with none, any client key is accepted)
  --curve-server-key Z85 be a CURVE client of the server with this public key
  A refused handshake shows with -v as
    event: handshake-failed ENDPOINT REASON   (auth 400, bad-box, ...)

Other:
  -v, --verbose          socket events on stderr, one per line:
                         event: NAME ENDPOINT [REASON]
  -h, --help             this text
  --version              the version

Text form of frames (stdout, stdin, --subscribe, --reply, --routing-id):
  Printable ASCII and UTF-8 text stand for themselves. \\ \n \r \t stand
  for backslash, LF, CR and TAB; \xNN for any byte (NN: two hex digits).
  Output escapes every other byte, and every occurrence of the first
  character of SEP inside a frame, so each message is exactly one line and
  reads back as the same bytes. On input, a backslash that starts none of
  these sequences stands for itself.
  Routing ids that start with a zero byte (the 5-byte ids ROUTER makes up)
  are written 0x and hex, e.g. 0x0080000001; 0x and an even number of hex
  digits is read back as those bytes.

Exit status:
  0  done: end of input, --count reached, or SIGINT/SIGTERM (queued messages
     get --linger to go out; a second signal exits at once)
  1  a runtime failure, told on stderr in one line (address in use, host not
     found, malformed endpoint, ...)
  2  a usage error
  3  a timeout: --rcvtimeo, --sndtimeo, or --req-retries exhausted
)";
}

} // namespace zmtpcat
