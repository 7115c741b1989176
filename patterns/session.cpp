// SPDX-License-Identifier: MIT
#include "patterns/session.hpp"

#include "patterns/pipe_events.hpp"
#include "patterns/session_host.hpp"
#include "transport/raw_engine.hpp"

#include <asio/post.hpp>

namespace zmtp::patterns {
namespace {

// The connection's mechanism and role from the socket's options, libzmq's
// rules: a PLAIN server or a user name selects PLAIN, a CURVE server or a
// server key CURVE; NULL asks the authenticator when a ZAP domain is set.
zmtp::security_options security_of(const socket_options& o, bool has_authenticator)
{
    zmtp::security_options sec;
    if (o.plain_server || !o.plain_username.empty()) {
        sec.mech = zmtp::mechanism::plain;
        sec.as_server = o.plain_server;
        sec.plain_username = o.plain_username;
        sec.plain_password = o.plain_password;
    } else if (o.curve_server || o.curve_serverkey) {
        sec.mech = zmtp::mechanism::curve;
        sec.as_server = o.curve_server;
        if (o.curve_secretkey) {
            sec.curve.secret_key = *o.curve_secretkey;
            sec.curve.public_key =
                o.curve_publickey ? *o.curve_publickey : zmtp::curve_public_from_secret(*o.curve_secretkey);
        } else {
            sec.curve = zmtp::generate_curve_keypair(); // a client without keys of its own
        }
        if (o.curve_serverkey)
            sec.curve_server_key = *o.curve_serverkey;
    } else if (!o.zap_domain.empty() && has_authenticator) {
        sec.as_server = true;
        sec.authenticate_null = true;
    }
    return sec;
}

transport::engine_options engine_options_of(const socket_options& o, zmtp::socket_type type,
                                            bool has_authenticator)
{
    transport::engine_options e;
    e.connection.type = type;
    e.connection.routing_id = o.routing_id;
    e.connection.properties = o.metadata;
    e.connection.limits = o.limits;
    e.connection.security = security_of(o, has_authenticator);
    e.handshake_ivl = o.handshake_ivl;
    e.heartbeat_ivl = o.heartbeat_ivl;
    e.heartbeat_timeout = o.heartbeat_timeout;
    e.heartbeat_ttl = o.heartbeat_ttl;
    return e;
}

} // namespace

transport::connector_options connector_options_of(const socket_options& o)
{
    transport::connector_options c;
    c.reconnect_ivl = o.reconnect_ivl;
    c.reconnect_ivl_max = o.reconnect_ivl_max;
    c.connect_timeout = o.connect_timeout;
    c.tcp.keepalive = o.tcp_keepalive;
    c.tcp.keepalive_cnt = o.tcp_keepalive_cnt;
    c.tcp.keepalive_idle = o.tcp_keepalive_idle;
    c.tcp.keepalive_intvl = o.tcp_keepalive_intvl;
    c.tcp.sndbuf = o.sndbuf;
    c.tcp.rcvbuf = o.rcvbuf;
    c.tcp.tos = o.tos;
    c.tcp.device = o.bindtodevice;
    c.tcp.maxrt_ms = static_cast<int>(o.tcp_maxrt.count());
    return c;
}

transport::inproc_side inproc_side_of(const session_host& host)
{
    const auto& o = host.options();
    transport::inproc_side s;
    s.executor = host.executor();
    s.gate = host.gate();
    s.type = host.type();
    s.routing_id = o.routing_id;
    s.properties = o.metadata;
    s.rcvhwm = o.rcvhwm;
    return s;
}

session::session(session_host& host, pipe_events& pattern, std::uint64_t id, std::string endpoint,
                 bool connecting, std::uint64_t listener)
    : host_(host), pattern_(pattern), id_(id), endpoint_(std::move(endpoint)),
      connecting_(connecting), listener_(listener)
{
}

session::~session()
{
    stop();
}

void session::make_pipe()
{
    const auto& o = host_.options();
    pipe_ = std::make_unique<pipe>(*this, o.sndhwm, o.rcvhwm, o.sndhwm_bytes, o.rcvhwm_bytes,
                                   o.conflate);
    if (connecting_)
        pipe_->set_given_id(o.connect_routing_id); // read at connect() time, consumed by it
}

void session::start_connect(const transport::endpoint& ep)
{
    // RFC 30 and RFC 28: a peer "SHALL create a queue when initiating an
    // outgoing connection to a peer" -- so messages queue before it is up
    // (unless `immediate` asks for queues to peers that are there only).
    make_pipe();
    if (!host_.options().immediate) {
        attached_ = true;
        pattern_.attach(*pipe_);
    }
    connector_ = std::make_shared<transport::connector>(
        host_.executor(), ep, connector_options_of(host_.options()),
        [this](transport::any_stream&& s, std::string remote) {
            host_.emit(socket_event::kind::connected, endpoint_);
            adopt(std::move(s), std::move(remote));
        },
        [this](std::error_code ec, std::chrono::milliseconds delay) {
            // connect_retried only when another attempt follows; with
            // reconnect_ivl = -1 this endpoint is finished.
            host_.emit(delay.count() >= 0 ? socket_event::kind::connect_retried
                                          : socket_event::kind::closed,
                       endpoint_, ec);
        });
    connector_->start();
}

void session::start_connect_inproc(const std::string& name, std::error_code& ec)
{
    inproc_name_ = name;
    // As for tcp, messages queue from connect() on, bound or not (unless
    // `immediate`).
    make_pipe();
    if (!host_.options().immediate) {
        attached_ = true;
        pattern_.attach(*pipe_);
    }
    connect_inproc(ec);
}

void session::connect_inproc(std::error_code& ec)
{
    // A fresh registration each time: the registry forgets the old one.
    inproc_connecter_ = std::make_shared<inproc_registry::connecter>();
    inproc_connecter_->side = inproc_side_of(host_);
    inproc_connecter_->connected = [this](inproc_registry::engine_ptr e) {
        host_.emit(socket_event::kind::connected, endpoint_);
        adopt_inproc(std::move(e));
    };
    inproc_connecter_->refused = [this](std::error_code reason) {
        host_.emit(socket_event::kind::handshake_failed, endpoint_, reason);
    };
    if (auto e = host_.inproc().connect(inproc_name_, inproc_connecter_, ec)) {
        host_.emit(socket_event::kind::connected, endpoint_);
        adopt_inproc(std::move(e)); // its ready attaches the pipe if `immediate` kept it out
    }
}

void session::adopt_inproc(std::shared_ptr<transport::inproc_engine> e)
{
    ready_ = false;
    e->attach(*this);
    engine_ = e;
    e->start();
}

void session::adopt(transport::any_stream&& stream, std::string remote)
{
    ready_ = false;
    // STREAM speaks no ZMTP: its peers' bytes go through as they are.
    if (host_.type() == zmtp::socket_type::stream)
        engine_ = transport::make_raw_engine(std::move(stream), *this, std::move(remote));
    else
        engine_ = transport::make_engine(
            std::move(stream),
            engine_options_of(host_.options(), host_.type(), host_.authenticator() != nullptr),
            *this, std::move(remote));
    engine_->start();
}

void session::stop()
{
    if (attached_) {
        attached_ = false;
        pattern_.detach(*pipe_);
    }
    if (engine_ && ready_) {
        ready_ = false;
        host_.session_lost(*this);
    }
    if (connector_) {
        connector_->stop();
        connector_.reset();
    }
    inproc_connecter_.reset(); // the registry's reference expires
    inproc_retry_.reset();     // cancels a pending retry
    if (engine_) {
        engine_->detach();
        engine_.reset();
    }
}

void session::notify_outbound()
{
    if (engine_ && ready_)
        engine_->notify_outbound();
}

void session::resume_reading()
{
    // Deferred: this is called from inside the pattern's receive path, and
    // resuming decodes input already buffered, which delivers into the very
    // pipe being read.
    if (engine_)
        asio::post(host_.executor(), [w = std::weak_ptr<transport::engine>(engine_)] {
            if (auto e = w.lock())
                e->resume_reading();
        });
}

void session::send_subscription(bool subscribe, std::span<const std::byte> topic)
{
    // Not connected: the pattern sends everything again on the handshake.
    if (engine_ && ready_)
        engine_->send_subscription(subscribe, topic);
}

void session::drop_connection(std::error_code reason)
{
    if (engine_)
        engine_->abort(reason);
}

void session::pipe_emptied()
{
    if (terminated_)
        host_.session_drained(*this);
}

bool session::output_idle() const noexcept
{
    if (!pipe_ || pipe_->out_size() == 0)
        return !engine_ || !engine_->is_busy_writing();
    return false;
}

//----------------------------------------------------------------------------
// Engine callbacks

namespace {

// "tcp://1.2.3.4:5" -> "1.2.3.4", "tcp://[::1]:5" -> "::1"; "" for ipc and inproc.
std::string address_of(std::string_view remote)
{
    constexpr std::string_view tcp = "tcp://";
    if (remote.substr(0, tcp.size()) != tcp)
        return {};
    remote.remove_prefix(tcp.size());
    const auto colon = remote.rfind(':');
    if (colon != std::string_view::npos)
        remote = remote.substr(0, colon);
    if (remote.size() >= 2 && remote.front() == '[' && remote.back() == ']')
        remote = remote.substr(1, remote.size() - 2);
    return std::string(remote);
}

} // namespace

void session::on_engine_auth(transport::engine& e, const zmtp::auth_request& r)
{
    const auto& o = host_.options();
    zmtp::zap_request req;
    req.domain = o.zap_domain;
    req.address = address_of(e.remote());
    req.routing_id = o.routing_id;
    req.mech = r.mech;
    req.credentials = r.credentials;
    auto auth = host_.authenticator();
    if (!auth) {
        // libzmq without a ZAP handler: PLAIN refuses, CURVE and NULL accept.
        e.authenticate(zmtp::auth_reply{r.mech == zmtp::mechanism::plain ? 400 : 200, {}, {}});
        return;
    }
    // The answer may come from any thread, and after the connection is
    // gone: it goes back to the strand, to the engine if it still exists.
    std::weak_ptr<transport::engine> weak = engine_;
    auto ex = host_.executor();
    auth->authenticate(req, [weak, ex](zmtp::zap_reply reply) {
        asio::post(ex, [weak, reply = std::move(reply)] {
            if (auto eng = weak.lock())
                eng->authenticate(reply);
        });
    });
}

void session::on_engine_ready(transport::engine& e)
{
    ready_ = true;
    const auto& peer = e.peer();
    const auto& o = host_.options();
    const bool secured = o.plain_server || !o.plain_username.empty() || o.curve_server ||
                         o.curve_serverkey || !o.zap_domain.empty();
    if (secured) {
        // What zmq_msg_gets() offers, built once per connection and shared
        // by all its messages.
        zmtp::metadata md = peer.properties;
        md.set("User-Id", peer.user_id);
        md.set("Peer-Address", address_of(e.remote()));
        md.set("Routing-Id", peer.identity);
        peer.auth_properties.for_each([&](const zmtp::property& p) { md.set(p.name, p.value); });
        props_ = zmtp::message_properties::make(std::move(md));
    } else {
        props_ = {};
    }
    if (!pipe_)
        make_pipe();
    pipe_->set_peer(e.peer());
    pipe_->report_consumed(e.counts_consumption());
    if (!attached_) {
        attached_ = true;
        pattern_.attach(*pipe_);
    }
    if (connector_)
        connector_->reset_backoff();
    if (connecting_)
        host_.emit(socket_event::kind::handshake_succeeded, endpoint_);
    else
        host_.emit(socket_event::kind::handshake_succeeded, e.remote(), {}, {}, endpoint_);
    host_.session_ready(*this);
    pattern_.connected(*pipe_);
    const auto t = host_.type();
    if (host_.options().probe_router &&
        (t == zmtp::socket_type::router || t == zmtp::socket_type::dealer ||
         t == zmtp::socket_type::req))
        pipe_->write_first(zmtp::message(zmtp::frame())); // libzmq's probe: one empty frame
    if (pipe_->out_size() != 0)
        e.notify_outbound();
}

bool session::on_engine_message(transport::engine&, zmtp::message&& m)
{
    if (props_)
        m.set_properties(props_);
    pipe_->push_in(std::move(m));
    pattern_.readable(*pipe_);
    return !pipe_->pause_reader_if_full();
}

bool session::on_engine_subscription(transport::engine&, bool subscribe, zmtp::frame topic)
{
    pattern_.subscription(*pipe_, subscribe, std::move(topic));
    // XPUB queues a notification in the pipe: the pipe's bound applies.
    return !pipe_->pause_reader_if_full();
}

void session::on_engine_batch_end(transport::engine&)
{
    host_.incoming();
}

void session::pull_outbound(transport::engine&, zmtp::connection& conn, zmtp::write_batch& batch,
                            std::size_t max_bytes)
{
    std::size_t taken = 0;
    zmtp::message m;
    while (batch.size_bytes() < max_bytes && pipe_->pop_out(m)) {
        conn.encode(std::move(m), batch);
        ++taken;
    }
    if (taken != 0)
        pattern_.writable(*pipe_, taken);
}

std::size_t session::take_outbound(transport::engine&, std::vector<zmtp::message>& out,
                                  std::size_t max_messages)
{
    const std::size_t n = std::min(max_messages, pipe_->out_size());
    out.reserve(out.size() + n);
    zmtp::message m;
    for (std::size_t i = 0; i < n && pipe_->pop_out(m); ++i)
        out.push_back(std::move(m));
    if (n != 0)
        pattern_.writable(*pipe_, n);
    return n;
}

void session::on_engine_drained(transport::engine&)
{
    host_.output_idle();
}

void session::retry_inproc(std::error_code reason)
{
    // The bound socket went (closed, unbound, or dropped us): connect again
    // when the name is bound again, after reconnect_ivl, as tcp would.
    const auto ivl = host_.options().reconnect_ivl;
    if (ivl.count() < 0) {
        inproc_connecter_.reset();
        host_.emit(socket_event::kind::closed, endpoint_, reason);
        return;
    }
    host_.emit(socket_event::kind::connect_retried, endpoint_, reason);
    inproc_retry_ = std::make_unique<asio::steady_timer>(host_.executor(), ivl);
    inproc_retry_->async_wait([this, t = inproc_retry_.get()](std::error_code ec) {
        // The timer is gone or replaced when the session stopped.
        if (ec || inproc_retry_.get() != t)
            return;
        std::error_code ignored; // an incompatible binder: wait for another
        connect_inproc(ignored);
    });
}

void session::on_engine_closed(transport::engine& e, std::error_code reason)
{
    auto keep = std::move(engine_); // the engine outlives this call
    const auto who = connecting_ ? endpoint_ : e.remote();
    auto local = connecting_ ? std::string() : endpoint_; // the listener's, for an accepted one
    if (ready_) {
        ready_ = false;
        host_.emit(socket_event::kind::disconnected, who, reason, {}, std::move(local));
        host_.session_lost(*this);
    } else {
        host_.emit(socket_event::kind::handshake_failed, who, reason, e.failure_detail(),
                   std::move(local));
    }
    if (connecting_) {
        if (pipe_)
            pattern_.disconnected(*pipe_);
        if (pipe_ && attached_ && host_.options().immediate) {
            // Queues only to peers that are there: this one is not.
            attached_ = false;
            pattern_.detach(*pipe_);
            pipe_->drop_out();
        }
        if (connector_ && host_.options().reconnect_ivl.count() >= 0) {
            host_.emit(socket_event::kind::connect_retried, endpoint_, reason);
            connector_->retry();
        } else if (connector_) {
            host_.emit(socket_event::kind::closed, endpoint_, reason); // no reconnect
        } else if (!inproc_name_.empty()) {
            retry_inproc(reason);
        }
        host_.output_idle();
        return;
    }
    terminated_ = true;
    if (pipe_) {
        pipe_->drop_out(); // nobody will take it
        pattern_.terminated(*pipe_);
    }
    host_.session_terminated(*this);
}

} // namespace zmtp::patterns
