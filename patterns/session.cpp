// SPDX-License-Identifier: MIT
#include "patterns/session.hpp"

#include "patterns/socket_core.hpp"

#include <asio/post.hpp>

namespace zmtp::patterns {

session::session(socket_core& core, std::uint64_t id, std::string endpoint, bool connecting,
                 const void* origin)
    : core_(core), id_(id), endpoint_(std::move(endpoint)), connecting_(connecting), origin_(origin)
{
}

session::~session()
{
    stop();
}

void session::make_pipe()
{
    const auto& o = core_.options();
    pipe_ = std::make_unique<pipe>(*this, o.sndhwm, o.rcvhwm, o.sndhwm_bytes, o.rcvhwm_bytes);
}

void session::start_connect(const transport::endpoint& ep)
{
    // RFC 30 and RFC 28: a peer "SHALL create a queue when initiating an
    // outgoing connection to a peer" -- so messages queue before it is up.
    make_pipe();
    attached_ = true;
    core_.session_attached(*this);
    connector_ = std::make_shared<transport::connector>(
        core_.executor(), ep, core_.connector_options(),
        [this](transport::any_stream&& s, std::string remote) {
            core_.emit(socket_event::kind::connected, endpoint_);
            adopt(std::move(s), std::move(remote));
        },
        [this](std::error_code ec, std::chrono::milliseconds delay) {
            // connect_retried only when another attempt follows; with
            // reconnect_ivl = -1 this endpoint is finished.
            core_.emit(delay.count() >= 0 ? socket_event::kind::connect_retried
                                          : socket_event::kind::closed,
                       endpoint_, ec);
        });
    connector_->start();
}

void session::adopt(transport::any_stream&& stream, std::string remote)
{
    ready_ = false;
    engine_ = transport::make_engine(std::move(stream), core_.engine_options(), *this,
                                     std::move(remote));
    engine_->start();
}

void session::stop()
{
    if (engine_ && ready_) {
        ready_ = false;
        core_.session_disconnected();
    }
    if (connector_) {
        connector_->stop();
        connector_.reset();
    }
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
    // resuming delivers messages into the very queues being read.
    if (engine_)
        asio::post(core_.executor(), [w = std::weak_ptr<transport::engine>(engine_)] {
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

void session::pipe_emptied()
{
    if (terminated_)
        core_.session_drained(*this);
}

bool session::output_idle() const noexcept
{
    if (!pipe_ || pipe_->out_size() == 0)
        return !engine_ || !engine_->is_busy_writing();
    return false;
}

//----------------------------------------------------------------------------
// Engine callbacks

void session::on_engine_ready(transport::engine& e)
{
    ready_ = true;
    if (!pipe_)
        make_pipe();
    pipe_->set_peer(e.peer());
    if (!attached_) {
        attached_ = true;
        core_.session_attached(*this);
    }
    if (connector_)
        connector_->reset_backoff();
    core_.emit(socket_event::kind::handshake_succeeded, connecting_ ? endpoint_ : e.remote());
    core_.session_connected(*this);
    if (pipe_->out_size() != 0)
        e.notify_outbound();
}

bool session::on_engine_message(transport::engine&, zmtp::message&& m)
{
    pipe_->push_in(std::move(m));
    core_.pat().readable(*pipe_);
    if (pipe_->in_full()) {
        pipe_->reader_paused = true;
        return false;
    }
    return true;
}

bool session::on_engine_subscription(transport::engine&, bool subscribe, zmtp::frame topic)
{
    core_.pat().subscription(*pipe_, subscribe, std::move(topic));
    // XPUB queues a notification in the pipe: the pipe's bound applies.
    if (pipe_->in_full()) {
        pipe_->reader_paused = true;
        return false;
    }
    return true;
}

void session::drop_connection(std::error_code reason)
{
    if (engine_)
        engine_->abort(reason);
}

void session::on_engine_batch_end(transport::engine&)
{
    core_.on_incoming();
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
        core_.pat().writable(*pipe_, taken);
}

void session::on_engine_drained(transport::engine&)
{
    core_.session_output_idle();
}

void session::on_engine_closed(transport::engine& e, std::error_code reason)
{
    auto keep = std::move(engine_); // the engine outlives this call
    const auto who = connecting_ ? endpoint_ : e.remote();
    if (ready_) {
        core_.emit(socket_event::kind::disconnected, who, reason);
        core_.session_disconnected();
    }
    else
        core_.emit(socket_event::kind::handshake_failed, who, reason);
    ready_ = false;
    if (connecting_) {
        if (pipe_)
            core_.pat().disconnected(*pipe_);
        if (connector_ && core_.options().reconnect_ivl.count() >= 0) {
            core_.emit(socket_event::kind::connect_retried, endpoint_, reason);
            connector_->retry();
        } else if (connector_) {
            core_.emit(socket_event::kind::closed, endpoint_, reason); // no reconnect
        }
        core_.session_output_idle();
        return;
    }
    terminated_ = true;
    core_.session_terminated(*this);
}

} // namespace zmtp::patterns
