// SPDX-License-Identifier: MIT
#include "patterns/socket_core.hpp"

#include "patterns/detail/context_impl.hpp"
#include "patterns/error.hpp"
#include "patterns/session.hpp"
#include "transport/endpoint.hpp"

#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <future>

namespace zmtp::patterns {
namespace {

constexpr std::size_t send_queue_capacity = 1024;
constexpr std::size_t recv_queue_capacity = 256;
constexpr std::size_t max_buffered_events = 1024;
// Departed peers whose unread messages the socket keeps. A live peer's
// queue is bounded by the HWM and the number of live peers by the
// descriptors; without a bound here a peer could connect, fill its queue,
// leave, and do it again, for ever, while the application is slow. At
// departed_hwm_factor x rcvhwm messages left by departed peers, or
// max_departed_peers such peers, the listeners stop accepting (nothing is
// dropped: new peers wait in the kernel's backlog) until half is read.
constexpr std::size_t departed_hwm_factor = 16;
constexpr std::size_t max_departed_peers = 4096;

} // namespace

std::string_view to_string(socket_event::kind k) noexcept
{
    switch (k) {
    case socket_event::kind::listening: return "listening";
    case socket_event::kind::bind_failed: return "bind-failed";
    case socket_event::kind::accept_failed: return "accept-failed";
    case socket_event::kind::accepted: return "accepted";
    case socket_event::kind::connected: return "connected";
    case socket_event::kind::connect_retried: return "connect-retried";
    case socket_event::kind::handshake_succeeded: return "handshake-succeeded";
    case socket_event::kind::handshake_failed: return "handshake-failed";
    case socket_event::kind::disconnected: return "disconnected";
    case socket_event::kind::closed: return "closed";
    }
    return "unknown";
}

socket_core::socket_core(std::shared_ptr<detail::context_impl> ctx, zmtp::socket_type type,
                         socket_options opts)
    : ctx_(std::move(ctx)),
      type_(type),
      opts_(std::move(opts)),
      io_executor_(ctx_->io().get_executor())
{
    // A context with one thread of its own needs no strand: that thread
    // serialises everything already.
    if (ctx_->single_threaded()) {
        executor_ = io_executor_;
    } else {
        strand_.emplace(asio::make_strand(ctx_->io()));
        executor_ = *strand_;
    }
    pattern_ = make_pattern(type_, *this);
    blocks_on_send_ = pattern_->blocks_on_send();
    sndtimeo_ms_ = opts_.sndtimeo.count();
    rcvtimeo_ms_ = opts_.rcvtimeo.count();
    req_relaxed_ = opts_.req_relaxed;
    byte_limited_ = opts_.sndhwm_bytes != 0;
}

socket_core::~socket_core()
{
    // Normally finish_close() emptied these on the strand; this is the
    // context-already-stopped path.
    for (auto& s : sessions_)
        s->stop();
    sessions_.clear();
    for (auto& l : listeners_)
        l.listener->close();
}

void socket_core::start()
{
    ctx_->register_socket(shared_from_this());
}

bool socket_core::on_strand() const noexcept
{
    return strand_ ? strand_->running_in_this_thread() : io_executor_.running_in_this_thread();
}

void socket_core::run_sync(const std::function<void()>& fn)
{
    if (on_strand()) {
        fn();
        return;
    }
    std::promise<void> done;
    asio::post(executor_, [&] {
        fn();
        done.set_value();
    });
    done.get_future().wait();
}

transport::engine_options socket_core::engine_options() const
{
    transport::engine_options e;
    e.connection.type = type_;
    e.connection.routing_id = opts_.routing_id;
    e.connection.properties = opts_.metadata;
    e.connection.limits = opts_.limits;
    e.handshake_ivl = opts_.handshake_ivl;
    e.heartbeat_ivl = opts_.heartbeat_ivl;
    e.heartbeat_timeout = opts_.heartbeat_timeout;
    e.heartbeat_ttl = opts_.heartbeat_ttl;
    return e;
}

transport::connector_options socket_core::connector_options() const
{
    transport::connector_options c;
    c.reconnect_ivl = opts_.reconnect_ivl;
    c.reconnect_ivl_max = opts_.reconnect_ivl_max;
    c.tcp.keepalive = opts_.tcp_keepalive;
    c.tcp.keepalive_cnt = opts_.tcp_keepalive_cnt;
    c.tcp.keepalive_idle = opts_.tcp_keepalive_idle;
    c.tcp.keepalive_intvl = opts_.tcp_keepalive_intvl;
    return c;
}

socket_options socket_core::get_options()
{
    socket_options o;
    run_sync([&] { o = opts_; });
    return o;
}

void socket_core::set_options(const socket_options& o)
{
    run_sync([&] { opts_ = o; });
    sndtimeo_ms_ = o.sndtimeo.count();
    rcvtimeo_ms_ = o.rcvtimeo.count();
    req_relaxed_ = o.req_relaxed;
}

void socket_core::set_event_handler(event_handler h)
{
    run_sync([&] { event_handler_ = std::move(h); });
}

std::string socket_core::last_endpoint()
{
    std::string s;
    run_sync([&] { s = last_endpoint_; });
    return s;
}

//----------------------------------------------------------------------------
// Endpoints

std::string socket_core::bind(std::string_view ep, std::error_code& ec)
{
    std::string bound;
    run_sync([&] { do_bind(ep, bound, ec); });
    return bound;
}

void socket_core::do_bind(std::string_view ep, std::string& bound, std::error_code& ec)
{
    if (closing_) {
        ec = socket_error::closed;
        return;
    }
    const auto parsed = transport::endpoint::parse(ep, ec);
    if (!parsed)
        return;
    transport::tcp_options tcp = connector_options().tcp;
    auto l = transport::listener::open(executor_, *parsed, tcp, opts_.backlog, ec);
    if (!l) {
        emit(socket_event::kind::bind_failed, std::string(ep), ec);
        return;
    }
    bound = l->bound();
    const void* origin = l.get();
    if (accept_paused_)
        l->pause();
    l->start(
        [w = weak_from_this(), origin, bound](transport::any_stream&& s, std::string remote) {
            if (auto self = w.lock())
                self->listener_accepted(origin, bound, std::move(s), std::move(remote));
        },
        [w = weak_from_this(), bound](std::error_code e) {
            if (auto self = w.lock())
                self->emit(socket_event::kind::accept_failed, bound, e);
        });
    listeners_.push_back({std::string(ep), bound, std::move(l)});
    last_endpoint_ = bound;
    ec.clear();
    emit(socket_event::kind::listening, bound);
}

void socket_core::listener_accepted(const void* origin, std::string bound,
                                    transport::any_stream&& s, std::string remote)
{
    if (closing_)
        return;
    emit(socket_event::kind::accepted, remote);
    sessions_.push_back(
        std::make_unique<session>(*this, next_session_id_++, std::move(bound), false, origin));
    sessions_.back()->adopt(std::move(s), std::move(remote));
}

void socket_core::connect(std::string_view ep, std::error_code& ec)
{
    run_sync([&] { do_connect(ep, ec); });
}

void socket_core::do_connect(std::string_view ep, std::error_code& ec)
{
    if (closing_) {
        ec = socket_error::closed;
        return;
    }
    const auto parsed = transport::endpoint::parse(ep, ec);
    if (!parsed)
        return;
    sessions_.push_back(
        std::make_unique<session>(*this, next_session_id_++, std::string(ep), true, nullptr));
    sessions_.back()->start_connect(*parsed);
    last_endpoint_ = std::string(ep);
    ec.clear();
}

void socket_core::unbind(std::string_view ep, std::error_code& ec)
{
    run_sync([&] {
        for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
            // Like libzmq, a wildcard port must be unbound by the endpoint
            // actually bound (last_endpoint), not by the wildcard string.
            if (it->bound != ep && !(it->requested == ep && it->requested == it->bound))
                continue;
            const void* origin = it->listener.get();
            it->listener->close();
            emit(socket_event::kind::closed, it->bound);
            listeners_.erase(it);
            // Connections accepted through that endpoint go too.
            for (auto s = sessions_.begin(); s != sessions_.end();) {
                auto next = std::next(s);
                if ((*s)->origin() == origin)
                    remove_session(s->get());
                s = next;
            }
            ec.clear();
            return;
        }
        ec = transport::transport_error::unknown_endpoint;
    });
}

void socket_core::disconnect(std::string_view ep, std::error_code& ec)
{
    run_sync([&] {
        bool found = false;
        for (auto s = sessions_.begin(); s != sessions_.end();) {
            auto next = std::next(s);
            if ((*s)->connecting() && (*s)->endpoint() == ep) {
                remove_session(s->get());
                found = true;
            }
            s = next;
        }
        if (found)
            ec.clear();
        else
            ec = transport::transport_error::unknown_endpoint;
    });
}

void socket_core::post_remove_session(session& s)
{
    // Posted, so never from inside code that still uses the session; by id,
    // because the session may be gone (close, unbind) before this runs.
    asio::post(executor_, [self = shared_from_this(), id = s.id()] {
        for (auto& x : self->sessions_)
            if (x->id() == id) {
                self->remove_session(x.get());
                return;
            }
    });
}

void socket_core::check_departed()
{
    const std::size_t max_messages = departed_hwm_factor * (opts_.rcvhwm != 0 ? opts_.rcvhwm : 1000);
    const bool pause = departed_ >= max_departed_peers || departed_messages_ >= max_messages;
    const bool resume = departed_ <= max_departed_peers / 2 && departed_messages_ <= max_messages / 2;
    if (pause && !accept_paused_) {
        accept_paused_ = true;
        for (auto& l : listeners_)
            l.listener->pause();
    } else if (resume && accept_paused_) {
        accept_paused_ = false;
        for (auto& l : listeners_)
            l.listener->resume();
    }
}

void socket_core::remove_session(session* s)
{
    if (s->lingering != 0) {
        --departed_;
        departed_messages_ -= s->lingering;
        s->lingering = 0;
        check_departed();
    }
    if (auto* p = s->get_pipe()) {
        if (p->lb_slot != pipe::npos || p->fq_slot != pipe::npos)
            pattern_->detach(*p);
    }
    s->stop();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (it->get() == s) {
            sessions_.erase(it);
            break;
        }
    }
    check_linger();
}

//----------------------------------------------------------------------------
// Session notifications

void socket_core::session_attached(session& s)
{
    pattern_->attach(*s.get_pipe());
}

void socket_core::session_connected(session& s)
{
    ++ready_peers_;
    pattern_->connected(*s.get_pipe());
    check_waits();
}

void socket_core::session_disconnected()
{
    --ready_peers_;
    check_waits();
}

void socket_core::start_async_wait(std::function<bool()> ready, std::unique_ptr<wait_op> op)
{
    asio::dispatch(executor_, [self = shared_from_this(), ready = std::move(ready),
                               op = std::move(op)]() mutable {
        if (self->closing_) {
            op->complete(socket_error::closed);
            return;
        }
        if (ready()) {
            op->complete({});
            return;
        }
        op->id = self->next_op_id_++;
        op->on_cancel([w = self->weak_from_this(), id = op->id] {
            if (auto s = w.lock())
                asio::post(s->executor_, [s, id] {
                    for (auto it = s->wait_ops_.begin(); it != s->wait_ops_.end(); ++it)
                        if (it->second->id == id) {
                            auto o = std::move(it->second);
                            s->wait_ops_.erase(it);
                            o->complete(asio::error::operation_aborted);
                            return;
                        }
                });
        });
        self->wait_ops_.emplace_back(std::move(ready), std::move(op));
    });
}

void socket_core::check_waits()
{
    for (std::size_t i = 0; i < wait_ops_.size();) {
        if (wait_ops_[i].first()) {
            auto op = std::move(wait_ops_[i].second);
            wait_ops_.erase(wait_ops_.begin() + static_cast<std::ptrdiff_t>(i));
            op->complete({});
        } else {
            ++i;
        }
    }
}

void socket_core::session_terminated(session& s)
{
    pipe* p = s.get_pipe();
    if (p == nullptr) {
        // Never completed a handshake: nothing joined the pattern.
        post_remove_session(s);
        return;
    }
    p->drop_out();
    pattern_->terminated(*p);
    if (!p->has_in()) {
        session_drained(s);
        return;
    }
    // What it left can only shrink from here: counted once, as an upper bound.
    s.lingering = p->in_size();
    ++departed_;
    departed_messages_ += s.lingering;
    check_departed();
}

void socket_core::session_drained(session& s)
{
    // Posted: this runs from inside pattern code that still holds the pipe.
    post_remove_session(s);
}

void socket_core::session_output_idle()
{
    if (closing_)
        check_linger();
}

//----------------------------------------------------------------------------
// Events

void socket_core::emit(socket_event::kind k, std::string endpoint, std::error_code reason)
{
    socket_event ev{k, std::move(endpoint), reason};
    if (event_handler_) {
        // A copy: the handler may close the socket, which clears event_handler_.
        const auto handler = event_handler_;
        handler(ev);
    }
    if (!event_ops_.empty()) {
        auto op = std::move(event_ops_.front());
        event_ops_.pop_front();
        op->complete({}, std::move(ev));
        return;
    }
    events_.push_back(std::move(ev));
    if (events_.size() > max_buffered_events)
        events_.pop_front();
}

void socket_core::start_async_event(std::unique_ptr<event_op> op)
{
    asio::dispatch(executor_, [self = shared_from_this(), op = std::move(op)]() mutable {
        if (!self->events_.empty()) {
            auto ev = std::move(self->events_.front());
            self->events_.pop_front();
            op->complete({}, std::move(ev));
            return;
        }
        if (self->finished_) {
            op->complete(socket_error::closed, socket_event{});
            return;
        }
        op->id = self->next_op_id_++;
        op->on_cancel([w = self->weak_from_this(), id = op->id] {
            if (auto s = w.lock())
                asio::post(s->executor_, [s, id] {
                    for (auto it = s->event_ops_.begin(); it != s->event_ops_.end(); ++it)
                        if ((*it)->id == id) {
                            auto o = std::move(*it);
                            s->event_ops_.erase(it);
                            o->complete(asio::error::operation_aborted, socket_event{});
                            return;
                        }
                });
        });
        self->event_ops_.push_back(std::move(op));
    });
}

//----------------------------------------------------------------------------
// Sending

void socket_core::ensure_queues()
{
    // Created on first use by a thread other than the strand: sockets used
    // only from coroutines on their own executor never pay for them.
    if (queues_ready_.load(std::memory_order_acquire))
        return;
    std::call_once(queues_once_, [this] {
        send_queue_ = std::make_unique<detail::mpmc_queue<zmtp::message>>(send_queue_capacity);
        recv_queue_ = std::make_unique<detail::mpmc_queue<zmtp::message>>(recv_queue_capacity);
        queues_ready_.store(true, std::memory_order_release);
    });
}

bool socket_core::route(zmtp::message& m, std::error_code& ec, bool may_backlog)
{
    if (ec)
        ec.clear();
    if (!backlog_.empty()) {
        if (!may_backlog) {
            ec = socket_error::would_block; // behind what already waits
            return false;
        }
        backlog_.push_back(std::move(m)); // keep the order
        return true;
    }
    ec = pattern_->send(m);
    if (ec == socket_error::would_block && may_backlog) {
        // A credited send whose pipe has gone, or a no-drop publisher whose
        // subscriber is full: wait, in order, for room.
        backlog_.push_back(std::move(m));
        ec.clear();
    }
    return !ec;
}

void socket_core::flush_backlog()
{
    while (!backlog_.empty()) {
        if (pattern_->send(backlog_.front()) == socket_error::would_block)
            return;
        backlog_.pop_front();
    }
}

bool socket_core::send(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    if (ec)
        ec.clear();
    if (closing_.load(std::memory_order_acquire)) {
        ec = socket_error::closed;
        return false;
    }
    if (!pattern_->can_send()) {
        ec = socket_error::not_supported;
        return false;
    }
    if (auto e = pattern_->front_send(m)) {
        ec = e;
        return false;
    }
    if (send_queued(m, deadline, ec)) {
        pattern_->front_sent();
        return true;
    }
    pattern_->front_send_failed(m);
    return false;
}

bool socket_core::send_sync(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    // Patterns whose sends can fail at the strand (router_mandatory,
    // xpub_nodrop) route on the strand and report the outcome; a full peer
    // means waiting for room, up to the deadline.
    const bool nonblocking = is_nonblocking(deadline);
    for (;;) {
        const auto key = send_waiter_.prepare();
        run_sync([&] { route(m, ec, false); });
        if (ec != socket_error::would_block || nonblocking) {
            send_waiter_.cancel();
            return !ec;
        }
        if (!send_waiter_.wait(key, deadline)) {
            ec = socket_error::timed_out;
            return false;
        }
        if (closing_.load(std::memory_order_acquire)) {
            ec = socket_error::closed;
            return false;
        }
    }
}

bool socket_core::send_queued(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    const bool nonblocking = is_nonblocking(deadline);
    if (pattern_->sync_send() && !on_strand())
        return send_sync(m, deadline, ec);
    if (on_strand()) {
        if (!try_take_credit(m.bytes())) {
            ec = nonblocking ? socket_error::would_block : socket_error::would_deadlock;
            return false;
        }
        // Only credited sends may wait in the backlog: the credit bounds it.
        if (!route(m, ec, blocks_on_send_) && ec == socket_error::would_block && !nonblocking)
            ec = socket_error::would_deadlock;
        return !ec;
    }

    ensure_queues();
    const std::size_t bytes = byte_limited_ ? m.bytes() : 0;
    while (!try_take_credit(bytes)) {
        if (nonblocking) {
            ec = socket_error::would_block;
            return false;
        }
        const auto key = send_waiter_.prepare();
        if (has_credit() || closing_.load()) {
            send_waiter_.cancel();
        } else if (!send_waiter_.wait(key, deadline)) {
            ec = socket_error::timed_out;
            return false;
        }
        if (closing_.load(std::memory_order_acquire)) {
            ec = socket_error::closed;
            return false;
        }
    }
    while (!send_queue_->try_push(m)) {
        // The strand is behind, or (a no-drop publisher) a subscriber is
        // full and the queue is what holds the sender back.
        post_drain();
        if (!blocks_on_send_) {
            if (nonblocking) {
                ec = socket_error::would_block;
                return false;
            }
            if (clock::now() >= deadline) {
                ec = socket_error::timed_out;
                return false;
            }
        }
        const auto key = send_waiter_.prepare();
        if (send_queue_->size_approx() < send_queue_->capacity() || closing_.load())
            send_waiter_.cancel();
        else
            send_waiter_.wait(key, std::min(deadline, clock::now() + std::chrono::milliseconds(10)));
        if (closing_.load(std::memory_order_acquire)) {
            ec = socket_error::closed;
            return false;
        }
    }
    post_drain();
    return true;
}

void socket_core::post_drain()
{
    if (!drain_posted_.exchange(true, std::memory_order_acq_rel))
        asio::post(executor_, [self = shared_from_this()] { self->drain_send_queue(); });
}

void socket_core::drain_send_queue()
{
    drain_posted_.store(false, std::memory_order_seq_cst);
    zmtp::message m;
    std::size_t n = 0;
    std::error_code ec;
    // Stop while messages wait for room: the queue then fills, and its
    // senders wait, which bounds what a no-drop publisher holds.
    while (backlog_.empty() && send_queue_->try_pop(m)) {
        route(m, ec, true); // other errors cannot reach the caller: the message is dropped
        ++n;
    }
    if (n != 0)
        send_waiter_.notify(); // queue space
}

bool socket_core::try_take_credit(std::size_t bytes) noexcept
{
    if (!blocks_on_send_)
        return true;
    std::int64_t c = credit_.load(std::memory_order_acquire);
    do {
        if (c <= 0)
            return false;
    } while (!credit_.compare_exchange_weak(c, c - 1, std::memory_order_acq_rel));
    if (!byte_limited_)
        return true;
    // A message is taken whole while any byte credit is left, so the pipes
    // may exceed their byte mark by one message, as a pipe itself does.
    if (byte_credit_.load(std::memory_order_acquire) <= 0) {
        credit_.fetch_add(1, std::memory_order_acq_rel);
        return false;
    }
    byte_credit_.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_acq_rel);
    return true;
}

bool socket_core::has_credit() const noexcept
{
    return !blocks_on_send_ || (credit_.load(std::memory_order_acquire) > 0 &&
                                (!byte_limited_ || byte_credit_.load(std::memory_order_acquire) > 0));
}

void socket_core::add_credit(std::int64_t n, std::int64_t bytes)
{
    if (!byte_limited_)
        bytes = 0;
    if (!blocks_on_send_ || (n == 0 && bytes == 0))
        return;
    credit_.fetch_add(n, std::memory_order_acq_rel);
    if (byte_limited_)
        byte_credit_.fetch_add(bytes, std::memory_order_acq_rel);
    if (n <= 0 && bytes <= 0)
        return;
    flush_backlog(); // credited messages that found no room go first
    serve_async_senders();
    send_waiter_.notify(); // cheap when nobody waits
}

void socket_core::notify_writable()
{
    flush_backlog();
    if (backlog_.empty() && queues_ready() && send_queue_->size_approx() != 0)
        post_drain();
    serve_async_senders();
    send_waiter_.notify();
}

void socket_core::reject(pipe& p)
{
    post_remove_session(p.owner());
}

void socket_core::serve_async_senders()
{
    // Routing a message can add credit, which calls back here: one loop at a time.
    if (std::exchange(serving_senders_, true))
        return;
    struct reset {
        bool& flag;
        ~reset() { flag = false; }
    } guard{serving_senders_};
    while (!send_ops_.empty()) {
        auto& [m, op] = send_ops_.front();
        if (!try_take_credit(byte_limited_ ? m.bytes() : 0))
            return;
        std::error_code ec;
        route(m, ec, blocks_on_send_);
        if (ec == socket_error::would_block)
            return; // a non-credit pattern still has no room: wait for notify_writable()
        auto done = std::move(op);
        send_ops_.pop_front();
        done->complete(ec);
    }
}

void socket_core::start_async_send(zmtp::message m, std::unique_ptr<send_op> op)
{
    asio::dispatch(executor_, [self = shared_from_this(), m = std::move(m),
                               op = std::move(op)]() mutable {
        if (self->closing_) {
            op->complete(socket_error::closed);
            return;
        }
        if (!self->pattern_->can_send()) {
            op->complete(socket_error::not_supported);
            return;
        }
        if (auto ec = self->pattern_->front_send(m)) {
            op->complete(ec);
            return;
        }
        // The front end has accepted it: from here on the message is sent
        // or waits in order; only closing can still refuse it.
        self->pattern_->front_sent();
        if (self->send_ops_.empty() &&
            self->try_take_credit(self->byte_limited_ ? m.bytes() : 0)) {
            std::error_code ec;
            self->route(m, ec, self->blocks_on_send_);
            if (ec != socket_error::would_block) {
                op->complete(ec);
                return;
            }
        }
        op->id = self->next_op_id_++;
        op->on_cancel([w = self->weak_from_this(), id = op->id] {
            if (auto s = w.lock())
                asio::post(s->executor_, [s, id] {
                    for (auto it = s->send_ops_.begin(); it != s->send_ops_.end(); ++it)
                        if (it->second->id == id) {
                            auto o = std::move(it->second);
                            s->send_ops_.erase(it);
                            o->complete(asio::error::operation_aborted);
                            return;
                        }
                });
        });
        self->send_ops_.emplace_back(std::move(m), std::move(op));
    });
}

//----------------------------------------------------------------------------
// Receiving

bool socket_core::take_received(zmtp::message& m, std::error_code& ec)
{
    // Strand side: what blocking readers were handed first, then the pattern.
    while ((queues_ready() && pop_received(m)) || next_message(m))
        if (pattern_->front_received(m, ec))
            return true;
    return false;
}

bool socket_core::recv(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    if (ec)
        ec.clear();
    if (!pattern_->can_recv()) {
        ec = socket_error::not_supported;
        return false;
    }
    if (auto e = pattern_->front_recv_allowed()) {
        ec = e;
        return false;
    }
    const bool nonblocking = is_nonblocking(deadline);
    if (on_strand()) {
        if (take_received(m, ec))
            return !ec;
        ec = closing_ ? socket_error::closed
                      : (nonblocking ? socket_error::would_block : socket_error::would_deadlock);
        return false;
    }
    ensure_queues();
    for (;;) {
        if (pop_received(m)) {
            if (recv_queue_->size_approx() < recv_refill_below_.load(std::memory_order_relaxed))
                request_refill();
            if (!pattern_->front_received(m, ec))
                continue;
            return !ec;
        }
        if (closing_.load(std::memory_order_acquire)) {
            ec = socket_error::closed;
            return false;
        }
        request_refill();
        if (nonblocking) {
            ec = socket_error::would_block;
            return false;
        }
        const auto key = recv_waiter_.prepare();
        if (recv_queue_->size_approx() != 0 || closing_.load()) {
            recv_waiter_.cancel();
            continue;
        }
        if (!recv_waiter_.wait(key, deadline)) {
            while (pop_received(m))
                if (pattern_->front_received(m, ec))
                    return !ec;
            ec = socket_error::timed_out;
            return false;
        }
    }
}

bool socket_core::next_message(zmtp::message& m)
{
    if (!recv_stash_.empty()) {
        m = recv_stash_.pop_front();
        return true;
    }
    return pattern_->recv(m);
}

void socket_core::request_refill()
{
    if (!refill_posted_.exchange(true, std::memory_order_acq_rel))
        asio::post(executor_, [self = shared_from_this()] {
            self->refill_posted_.store(false, std::memory_order_seq_cst);
            self->recv_demand_ = true;
            self->refill();
        });
}

bool socket_core::pop_received(zmtp::message& m)
{
    if (!recv_queue_->try_pop(m))
        return false;
    if (recv_count_bytes_.load(std::memory_order_relaxed))
        recv_queued_bytes_.fetch_sub(static_cast<std::int64_t>(m.bytes()),
                                     std::memory_order_relaxed);
    return true;
}

void socket_core::refill()
{
    if (!queues_ready() || !recv_demand_)
        return;
    // Messages in the hand-off queue are out of the pipes, so they would not
    // count against rcvhwm: without a bound here a reader that stalls after
    // one recv() holds `recv_queue_capacity` messages of any size.
    const std::size_t max_count =
        opts_.rcvhwm == 0 ? recv_queue_capacity : std::min(recv_queue_capacity, opts_.rcvhwm);
    recv_refill_below_.store(std::max<std::size_t>(1, max_count / 2), std::memory_order_relaxed);
    const auto max_bytes = static_cast<std::int64_t>(opts_.rcvhwm_bytes);
    if (max_bytes != 0)
        recv_count_bytes_.store(true, std::memory_order_relaxed);
    const bool count_bytes = recv_count_bytes_.load(std::memory_order_relaxed);
    std::size_t n = 0;
    std::size_t frames = 0;
    const std::size_t max_frames = max_count * pipe::frames_per_message;
    bool full = false;
    zmtp::message next; // reused: a refill moves messages, it does not make new ones
    // Readers only ever make the queue shorter meanwhile: counting our own
    // pushes from a snapshot is a safe upper bound, and keeps the shared
    // head and tail out of the loop; the snapshot is taken again only when
    // that bound says full, so a reader that keeps up keeps the loop going.
    std::size_t queued = recv_queue_->size_approx();
    // Messages queued before rcvhwm_bytes was first set were never counted,
    // so their pops drive the count below zero; an empty queue has no
    // bytes, whatever the count says (a pop still finishing can leave it
    // off by one message, until the next time the queue is seen empty).
    if (count_bytes && queued == 0)
        recv_queued_bytes_.store(0, std::memory_order_relaxed);
    // As in the pipes: the receive chunks the queued messages keep alive,
    // counted since the queue was last seen empty (readers do not report
    // what they take, so this is an upper bound).
    if (queued == 0) {
        handoff_pinned_ = 0;
        handoff_bytes_ = 0;
        handoff_last_block_ = nullptr;
    }
    for (;;) {
        if (queued >= max_count)
            queued = recv_queue_->size_approx();
        if (queued >= max_count ||
            (max_bytes != 0 && queued != 0 &&
             recv_queued_bytes_.load(std::memory_order_relaxed) >= max_bytes)) {
            full = true;
            break;
        }
        if (!recv_stash_.empty())
            next = recv_stash_.pop_front();
        else if (!pattern_->recv(next))
            break;
        const std::size_t msg_frames = next.size();
        const auto* block = next.first_block();
        const std::size_t bytes = (count_bytes || block != nullptr) ? next.bytes() : 0;
        // A push can fail while a reader is still finishing its pop: the
        // message waits in the stash for the next refill.
        if (!recv_queue_->try_push(next)) {
            recv_stash_.push_front(std::move(next));
            full = true;
            break;
        }
        if (count_bytes)
            recv_queued_bytes_.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        ++queued;
        ++n;
        // Frames count too, as in the pipes: one refill moves at most
        // frames_per_message x max_count of them, and the next waits until
        // the reader has taken half the queue. So do the receive chunks the
        // messages keep alive.
        frames += msg_frames;
        if (block != nullptr) {
            handoff_bytes_ += bytes;
            if (block != handoff_last_block_) {
                handoff_pinned_ += block->capacity;
                handoff_last_block_ = block;
            }
        }
        if (frames >= max_frames || handoff_pinned_ > 2 * handoff_bytes_ + pipe::pin_slack) {
            full = true;
            break;
        }
    }
    if (full)
        recv_demand_ = false; // the reader asks again when it runs low
    if (n != 0)
        recv_waiter_.notify();
}

void socket_core::on_incoming()
{
    serve_async_receivers();
    refill();
}

void socket_core::serve_async_receivers()
{
    while (!recv_ops_.empty()) {
        zmtp::message m;
        if (!next_message(m))
            return;
        std::error_code ec;
        if (!pattern_->front_received(m, ec))
            continue;
        auto op = std::move(recv_ops_.front());
        recv_ops_.pop_front();
        op->complete(ec, ec ? zmtp::message{} : std::move(m));
    }
}

void socket_core::start_async_recv(std::unique_ptr<recv_op> op)
{
    asio::dispatch(executor_, [self = shared_from_this(), op = std::move(op)]() mutable {
        if (!self->pattern_->can_recv()) {
            op->complete(socket_error::not_supported, zmtp::message{});
            return;
        }
        if (auto ec = self->pattern_->front_recv_allowed()) {
            op->complete(ec, zmtp::message{});
            return;
        }
        if (self->recv_ops_.empty()) {
            zmtp::message m;
            std::error_code ec;
            if (self->take_received(m, ec)) {
                op->complete(ec, ec ? zmtp::message{} : std::move(m));
                return;
            }
        }
        if (self->closing_) {
            op->complete(socket_error::closed, zmtp::message{});
            return;
        }
        op->id = self->next_op_id_++;
        op->on_cancel([w = self->weak_from_this(), id = op->id] {
            if (auto s = w.lock())
                asio::post(s->executor_, [s, id] {
                    for (auto it = s->recv_ops_.begin(); it != s->recv_ops_.end(); ++it)
                        if ((*it)->id == id) {
                            auto o = std::move(*it);
                            s->recv_ops_.erase(it);
                            o->complete(asio::error::operation_aborted, zmtp::message{});
                            return;
                        }
                });
        });
        self->recv_ops_.push_back(std::move(op));
    });
}

//----------------------------------------------------------------------------
// Closing

void socket_core::close(std::function<void()> done)
{
    // Refuse new sends and wake blocked callers at once; the rest is posted,
    // even on the strand: close() may be called from an event handler or a
    // pattern callback whose session the close would destroy.
    closing_.store(true, std::memory_order_release);
    send_waiter_.notify();
    recv_waiter_.notify();
    asio::post(executor_, [self = shared_from_this(), done = std::move(done)]() mutable {
        if (self->finished_) {
            if (done)
                done();
            return;
        }
        if (done)
            self->close_done_.push_back(std::move(done));
        if (std::exchange(self->close_started_, true))
            return;
        if (self->queues_ready())
            self->drain_send_queue();
        for (auto& l : self->listeners_) {
            l.listener->close();
            self->emit(socket_event::kind::closed, l.bound);
        }
        self->listeners_.clear();
        while (!self->recv_ops_.empty()) {
            auto op = std::move(self->recv_ops_.front());
            self->recv_ops_.pop_front();
            op->complete(socket_error::closed, zmtp::message{});
        }
        while (!self->send_ops_.empty()) {
            auto op = std::move(self->send_ops_.front().second);
            self->send_ops_.pop_front();
            op->complete(socket_error::closed);
        }
        for (auto& w : self->wait_ops_)
            w.second->complete(socket_error::closed);
        self->wait_ops_.clear();
        const auto linger = self->opts_.linger;
        if (linger.count() == 0) {
            self->finish_close();
            return;
        }
        if (linger.count() > 0) {
            self->linger_timer_.emplace(self->executor_);
            self->linger_timer_->expires_after(linger);
            self->linger_timer_->async_wait([self](std::error_code ec) {
                if (!ec)
                    self->finish_close();
            });
        }
        self->check_linger();
    });
}

void socket_core::close_and_wait()
{
    // A thread that runs the context (a coroutine, a handler) must not wait
    // for the context: it only starts the close.
    if (on_strand() || io_executor_.running_in_this_thread()) {
        close();
        return;
    }
    std::promise<void> done;
    close([&] { done.set_value(); });
    done.get_future().wait();
}

void socket_core::check_linger()
{
    if (!closing_ || finished_)
        return;
    if (!backlog_.empty())
        return;
    for (const auto& s : sessions_)
        if (!s->output_idle())
            return;
    finish_close();
}

void socket_core::finish_close()
{
    if (finished_)
        return;
    finished_ = true;
    if (linger_timer_)
        linger_timer_->cancel();
    for (auto& s : sessions_) {
        if (auto* p = s->get_pipe(); p && (p->lb_slot != pipe::npos || p->fq_slot != pipe::npos))
            pattern_->detach(*p);
        s->stop();
    }
    sessions_.clear();
    backlog_.clear();
    emit(socket_event::kind::closed, "");
    while (!event_ops_.empty()) {
        auto op = std::move(event_ops_.front());
        event_ops_.pop_front();
        op->complete(socket_error::closed, socket_event{});
    }
    event_handler_ = nullptr;
    auto done = std::move(close_done_);
    for (auto& d : done)
        d();
    ctx_->socket_finished(this);
}

} // namespace zmtp::patterns
