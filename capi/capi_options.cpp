// SPDX-License-Identifier: MIT
// zmq_setsockopt / zmq_getsockopt: libzmq's option numbers and value types
// mapped onto zmtp::socket_options (libzmq's meanings; ours where the
// README says so). A wrong size or value is EINVAL; an option this engine
// does not have (multicast, GSSAPI, VMCI, SOCKS) is EINVAL for setting, as
// libzmq built without it does.
#include "capi_msg.hpp"

#include "zmtp/curve_keys.hpp"

#include <zmq.h>

#include <cstring>
#include <functional>

namespace zmtp::capi {
namespace {

using ms = std::chrono::milliseconds;

bool get_int(const void* v, std::size_t n, int& out)
{
    if (!v || n != sizeof(int))
        return false;
    std::memcpy(&out, v, sizeof(int));
    return true;
}

int put_int(void* v, std::size_t* n, int value)
{
    if (!v || !n || *n < sizeof(int))
        return fail_errno(EINVAL);
    std::memcpy(v, &value, sizeof(int));
    *n = sizeof(int);
    return 0;
}

int put_i64(void* v, std::size_t* n, std::int64_t value)
{
    if (!v || !n || *n < sizeof(value))
        return fail_errno(EINVAL);
    std::memcpy(v, &value, sizeof(value));
    *n = sizeof(value);
    return 0;
}

int put_bytes(void* v, std::size_t* n, std::string_view bytes, bool nul)
{
    const std::size_t need = bytes.size() + (nul ? 1 : 0);
    if (!v || !n || *n < need)
        return fail_errno(EINVAL);
    std::memcpy(v, bytes.data(), bytes.size());
    if (nul)
        static_cast<char*>(v)[bytes.size()] = '\0';
    *n = need;
    return 0;
}

// A CURVE key: 32 bytes, or 40 Z85 characters (41 with the NUL).
bool get_key(const void* v, std::size_t n, zmtp::curve_key& out)
{
    if (!v)
        return false;
    std::string_view text(static_cast<const char*>(v), n);
    if (n == 41 && text.back() == '\0')
        text.remove_suffix(1);
    if (text.size() != 32 && text.size() != 40)
        return false;
    auto key = zmtp::parse_curve_key(text);
    if (!key)
        return false;
    out = *key;
    return true;
}

int put_key(void* v, std::size_t* n, const std::optional<zmtp::curve_key>& key)
{
    const zmtp::curve_key k = key.value_or(zmtp::curve_key{});
    if (n && *n == 32)
        return put_bytes(v, n, {reinterpret_cast<const char*>(k.data()), 32}, false);
    return put_bytes(v, n, zmtp::curve_key_to_z85(k), true); // 41 with the NUL
}

// A string option's value up to its first NUL (C callers may count it or not).
std::string c_string(std::string_view bytes)
{
    return std::string(bytes.substr(0, bytes.find('\0')));
}

// libzmq: the last mechanism option set wins; these clear the others.
void leave_curve(zmtp::socket_options& o)
{
    o.curve_server = false;
    o.curve_serverkey.reset();
}
void leave_plain(zmtp::socket_options& o)
{
    o.plain_server = false;
    o.plain_username.clear();
}

ms to_ms(int v)
{
    return ms(v);
}

} // namespace

} // namespace zmtp::capi

using namespace zmtp::capi;

extern "C" {

int zmq_setsockopt(void* socket, int option, const void* value, size_t size)
{
    return guarded([&]() -> int {
        auto* s = live_socket(socket);
        if (!s)
            return -1;
        if (!value && size != 0) // libzmq would read through it; a NULL subscription is not ""
            return fail_errno(EINVAL);
        int iv = 0;
        const bool is_int = get_int(value, size, iv);
        const std::string_view bytes(static_cast<const char*>(value), value ? size : 0);

        // Subscriptions go to the socket, not to its options.
        if (option == ZMQ_SUBSCRIBE || option == ZMQ_UNSUBSCRIBE) {
            if (s->type != ZMQ_SUB)
                return fail_errno(EINVAL);
            auto& sub = static_cast<zmtp::sub_socket&>(*s->s);
            if (option == ZMQ_SUBSCRIBE)
                sub.subscribe(bytes);
            else
                sub.unsubscribe(bytes);
            return 0;
        }

        zmtp::socket_options o = s->s->options();
        bool ok = true;
        switch (option) {
        case ZMQ_SNDHWM: ok = is_int && iv >= 0; o.sndhwm = static_cast<std::size_t>(iv); break;
        case ZMQ_RCVHWM: ok = is_int && iv >= 0; o.rcvhwm = static_cast<std::size_t>(iv); break;
        case ZMQ_LINGER: ok = is_int && iv >= -1; o.linger = to_ms(iv); break;
        case ZMQ_SNDTIMEO: ok = is_int && iv >= -1; o.sndtimeo = to_ms(iv); break;
        case ZMQ_RCVTIMEO: ok = is_int && iv >= -1; o.rcvtimeo = to_ms(iv); break;
        case ZMQ_RECONNECT_IVL: ok = is_int && iv >= -1; o.reconnect_ivl = to_ms(iv); break;
        case ZMQ_RECONNECT_IVL_MAX: ok = is_int && iv >= 0; o.reconnect_ivl_max = to_ms(iv); break;
        case ZMQ_HANDSHAKE_IVL: ok = is_int && iv >= 0; o.handshake_ivl = to_ms(iv); break;
        case ZMQ_HEARTBEAT_IVL: ok = is_int && iv >= 0; o.heartbeat_ivl = to_ms(iv); break;
        case ZMQ_HEARTBEAT_TIMEOUT: ok = is_int && iv >= 0; o.heartbeat_timeout = to_ms(iv); break;
        case ZMQ_HEARTBEAT_TTL: ok = is_int && iv >= 0 && iv <= 6553599; o.heartbeat_ttl = to_ms(iv); break;
        case ZMQ_CONNECT_TIMEOUT: ok = is_int && iv >= 0; o.connect_timeout = to_ms(iv); break;
        case ZMQ_TCP_MAXRT: ok = is_int && iv >= 0; o.tcp_maxrt = to_ms(iv); break;
        case ZMQ_BACKLOG: ok = is_int && iv >= 0; o.backlog = iv; break;
        case ZMQ_SNDBUF: ok = is_int && iv >= -1; o.sndbuf = iv == 0 ? -1 : iv; break;
        case ZMQ_RCVBUF: ok = is_int && iv >= -1; o.rcvbuf = iv == 0 ? -1 : iv; break;
        case ZMQ_TOS: ok = is_int && iv >= 0; o.tos = iv; break;
        case ZMQ_TCP_KEEPALIVE: ok = is_int && iv >= -1 && iv <= 1; o.tcp_keepalive = iv; break;
        case ZMQ_TCP_KEEPALIVE_CNT: ok = is_int && iv >= -1; o.tcp_keepalive_cnt = iv; break;
        case ZMQ_TCP_KEEPALIVE_IDLE: ok = is_int && iv >= -1; o.tcp_keepalive_idle = iv; break;
        case ZMQ_TCP_KEEPALIVE_INTVL: ok = is_int && iv >= -1; o.tcp_keepalive_intvl = iv; break;
        case ZMQ_IMMEDIATE: ok = is_int; o.immediate = iv != 0; break;
        case ZMQ_CONFLATE: ok = is_int; o.conflate = iv != 0; break;
        case ZMQ_PROBE_ROUTER: ok = is_int; o.probe_router = iv != 0; break;
        case ZMQ_REQ_CORRELATE: ok = is_int; o.req_correlate = iv != 0; break;
        case ZMQ_REQ_RELAXED: ok = is_int; o.req_relaxed = iv != 0; break;
        case ZMQ_ROUTER_MANDATORY: ok = is_int; o.router_mandatory = iv != 0; break;
        case ZMQ_ROUTER_HANDOVER: ok = is_int; o.router_handover = iv != 0; break;
        case ZMQ_XPUB_VERBOSE: ok = is_int; o.xpub_verbose = iv != 0; break;
        case ZMQ_XPUB_VERBOSER: ok = is_int; o.xpub_verboser = iv != 0; break;
        case ZMQ_XPUB_NODROP: ok = is_int; o.xpub_nodrop = iv != 0; break;
        case ZMQ_XPUB_MANUAL: ok = is_int; o.xpub_manual = iv != 0; break;
        case ZMQ_XPUB_WELCOME_MSG: o.xpub_welcome_msg = std::string(bytes); break;
        case ZMQ_INVERT_MATCHING: ok = is_int; o.invert_matching = iv != 0; break;
        case ZMQ_STREAM_NOTIFY: ok = is_int; o.stream_notify = iv != 0; break;
        case ZMQ_IPV6: ok = is_int; break; // always dual-stack (README)
        case ZMQ_MAXMSGSIZE: {
            std::int64_t v = 0;
            ok = value && size == sizeof v;
            if (ok) {
                std::memcpy(&v, value, sizeof v);
                ok = v >= -1;
                const auto lim = v < 0 ? std::size_t{256} << 20 : static_cast<std::size_t>(v);
                o.limits.max_message_size = o.limits.max_frame_size = lim ? lim : 1;
            }
            break;
        }
        case ZMQ_ROUTING_ID: ok = size >= 1 && size <= 255 && bytes[0] != '\0'; o.routing_id = std::string(bytes); break;
        case ZMQ_CONNECT_ROUTING_ID: ok = size >= 1 && size <= 255; o.connect_routing_id = std::string(bytes); break;
        case ZMQ_BINDTODEVICE: o.bindtodevice = c_string(bytes); break;
        case ZMQ_ZAP_DOMAIN: o.zap_domain = c_string(bytes); break;
        case ZMQ_PLAIN_SERVER:
            ok = is_int;
            if (iv != 0)
                leave_curve(o);
            o.plain_server = iv != 0;
            break;
        case ZMQ_PLAIN_USERNAME:
            leave_curve(o);
            o.plain_server = false;
            o.plain_username = c_string(bytes);
            break;
        case ZMQ_PLAIN_PASSWORD: o.plain_password = c_string(bytes); break;
        case ZMQ_CURVE_SERVER:
            ok = is_int;
            if (iv != 0) {
                leave_plain(o);
                o.curve_serverkey.reset();
            }
            o.curve_server = iv != 0;
            break;
        case ZMQ_CURVE_PUBLICKEY:
        case ZMQ_CURVE_SECRETKEY:
        case ZMQ_CURVE_SERVERKEY: {
            zmtp::curve_key key;
            ok = get_key(value, size, key);
            if (!ok)
                break;
            if (option == ZMQ_CURVE_PUBLICKEY)
                o.curve_publickey = key;
            else if (option == ZMQ_CURVE_SECRETKEY)
                o.curve_secretkey = key;
            else {
                leave_plain(o);
                o.curve_server = false; // a server key makes a client
                o.curve_serverkey = key;
            }
            break;
        }
        default:
            return fail_errno(EINVAL);
        }
        if (!ok)
            return fail_errno(EINVAL);
        if (o.validate())
            return fail_errno(EINVAL);
        try {
            s->s->set_options(o);
        } catch (const std::system_error& e) {
            return fail(e.code());
        }
        return 0;
    });
}

int zmq_getsockopt(void* socket, int option, void* value, size_t* size)
{
    return guarded([&]() -> int {
        auto* s = live_socket(socket);
        if (!s)
            return -1;
        const zmtp::socket_options o = s->s->options();
        const auto msi = [](ms v) { return static_cast<int>(v.count()); };
        switch (option) {
        case ZMQ_TYPE: return put_int(value, size, s->type);
        case ZMQ_RCVMORE: return put_int(value, size, s->in_next < s->in.size() ? 1 : 0);
        case ZMQ_FD: return put_int(value, size, s->s->fd());
        case ZMQ_EVENTS: {
            const unsigned ev = s->s->events();
            int out = 0;
            if (ev & zmtp::poll_in)
                out |= ZMQ_POLLIN;
            if (ev & zmtp::poll_out)
                out |= ZMQ_POLLOUT;
            // A frame still waiting in a received message is readable too.
            if (s->in_next < s->in.size())
                out |= ZMQ_POLLIN;
            return put_int(value, size, out);
        }
        case ZMQ_LAST_ENDPOINT: return put_bytes(value, size, s->s->last_endpoint(), true);
        case ZMQ_SNDHWM: return put_int(value, size, static_cast<int>(o.sndhwm));
        case ZMQ_RCVHWM: return put_int(value, size, static_cast<int>(o.rcvhwm));
        case ZMQ_LINGER: return put_int(value, size, msi(o.linger));
        case ZMQ_SNDTIMEO: return put_int(value, size, msi(o.sndtimeo));
        case ZMQ_RCVTIMEO: return put_int(value, size, msi(o.rcvtimeo));
        case ZMQ_RECONNECT_IVL: return put_int(value, size, msi(o.reconnect_ivl));
        case ZMQ_RECONNECT_IVL_MAX: return put_int(value, size, msi(o.reconnect_ivl_max));
        case ZMQ_HANDSHAKE_IVL: return put_int(value, size, msi(o.handshake_ivl));
        case ZMQ_HEARTBEAT_IVL: return put_int(value, size, msi(o.heartbeat_ivl));
        case ZMQ_HEARTBEAT_TIMEOUT: return put_int(value, size, msi(o.heartbeat_timeout));
        case ZMQ_HEARTBEAT_TTL: return put_int(value, size, msi(o.heartbeat_ttl));
        case ZMQ_CONNECT_TIMEOUT: return put_int(value, size, msi(o.connect_timeout));
        case ZMQ_TCP_MAXRT: return put_int(value, size, msi(o.tcp_maxrt));
        case ZMQ_BACKLOG: return put_int(value, size, o.backlog);
        case ZMQ_SNDBUF: return put_int(value, size, o.sndbuf);
        case ZMQ_RCVBUF: return put_int(value, size, o.rcvbuf);
        case ZMQ_TOS: return put_int(value, size, o.tos < 0 ? 0 : o.tos);
        case ZMQ_TCP_KEEPALIVE: return put_int(value, size, o.tcp_keepalive);
        case ZMQ_TCP_KEEPALIVE_CNT: return put_int(value, size, o.tcp_keepalive_cnt);
        case ZMQ_TCP_KEEPALIVE_IDLE: return put_int(value, size, o.tcp_keepalive_idle);
        case ZMQ_TCP_KEEPALIVE_INTVL: return put_int(value, size, o.tcp_keepalive_intvl);
        case ZMQ_IMMEDIATE: return put_int(value, size, o.immediate);
        case ZMQ_CONFLATE: return put_int(value, size, o.conflate);
        case ZMQ_INVERT_MATCHING: return put_int(value, size, o.invert_matching);
        case ZMQ_IPV6: return put_int(value, size, 1);
    case ZMQ_IPV4ONLY: return put_int(value, size, 0);
    case ZMQ_USE_FD: return put_int(value, size, o.use_fd);
    // Options of transports and features this engine does not have: their
    // libzmq defaults, read-only (setting them is EINVAL).
    case ZMQ_AFFINITY: return put_i64(value, size, 0);
    case ZMQ_RATE: return put_int(value, size, 100);
    case ZMQ_RECOVERY_IVL: return put_int(value, size, 10000);
    case ZMQ_MULTICAST_HOPS: return put_int(value, size, 1);
    case ZMQ_MULTICAST_MAXTPDU: return put_int(value, size, 1500);
    case 93 /* ZMQ_ZAP_ENFORCE_DOMAIN */: return put_int(value, size, 0);
    case 94 /* ZMQ_LOOPBACK_FASTPATH */: return put_int(value, size, 0);
    case 96 /* ZMQ_MULTICAST_LOOP */: return put_int(value, size, 1);
        case ZMQ_THREAD_SAFE: return put_int(value, size, 0);
        case ZMQ_MAXMSGSIZE:
            return put_i64(value, size, o.limits.max_message_size == (std::size_t{256} << 20)
                                            ? -1
                                            : static_cast<std::int64_t>(o.limits.max_message_size));
        case ZMQ_ROUTING_ID: return put_bytes(value, size, o.routing_id, false);
        case ZMQ_BINDTODEVICE: return put_bytes(value, size, o.bindtodevice, true);
        case ZMQ_ZAP_DOMAIN: return put_bytes(value, size, o.zap_domain, true);
        case ZMQ_MECHANISM: {
            int m = ZMQ_NULL;
            if (o.plain_server || !o.plain_username.empty())
                m = ZMQ_PLAIN;
            else if (o.curve_server || o.curve_serverkey)
                m = ZMQ_CURVE;
            return put_int(value, size, m);
        }
        case ZMQ_PLAIN_SERVER: return put_int(value, size, o.plain_server);
        case ZMQ_PLAIN_USERNAME: return put_bytes(value, size, o.plain_username, true);
        case ZMQ_PLAIN_PASSWORD: return put_bytes(value, size, o.plain_password, true);
        case ZMQ_CURVE_SERVER: return put_int(value, size, o.curve_server);
        case ZMQ_CURVE_PUBLICKEY: return put_key(value, size, o.curve_publickey);
        case ZMQ_CURVE_SECRETKEY: return put_key(value, size, o.curve_secretkey);
        case ZMQ_CURVE_SERVERKEY: return put_key(value, size, o.curve_serverkey);
        default: return fail_errno(EINVAL);
        }
    });
}

} // extern "C"
