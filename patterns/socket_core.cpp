// SPDX-License-Identifier: MIT
#include "patterns/socket_core.hpp"

#include "patterns/context_impl.hpp"
#include "patterns/session.hpp"
#include "patterns/xpub.hpp"
#include "zmtp/socket_error.hpp"

#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <future>

namespace zmtp::patterns {

socket_core::socket_core(std::shared_ptr<context_impl> ctx, zmtp::socket_type type,
                         socket_options opts)
    : ctx_(std::move(ctx)),
      type_(type),
      opts_(std::move(opts)),
      strand_(ctx_->io(), ctx_->single_threaded()),
      pattern_(make_pattern(type_, *this)),
      send_(strand_, *pattern_, closing_, opts_.sndhwm_bytes != 0),
      recv_(strand_, *pattern_, opts_, closing_),
      events_(strand_),
      waits_(strand_),
      sessions_(*this, *pattern_, strand_)
{
    sndtimeo_ms_ = opts_.sndtimeo.count();
    rcvtimeo_ms_ = opts_.rcvtimeo.count();
    send_.also_signal(&readiness_);
    recv_.also_signal(&readiness_);
}

unsigned socket_core::poll_events()
{
    readiness_.arm();
    if (closing())
        return zmtp::poll_err;
    unsigned ev = 0;
    if (pattern_->can_recv() && !pattern_->front_recv_allowed() && recv_.readable())
        ev |= zmtp::poll_in;
    if (pattern_->can_send() && pattern_->front_send_allowed() && send_.writable_now())
        ev |= zmtp::poll_out;
    return ev;
}

socket_core::~socket_core()
{
    // Normally finish_close() emptied the sessions on the strand; this is the
    // context-already-stopped path.
    sessions_.stop_all();
}

std::shared_ptr<zmtp::authenticator> socket_core::authenticator() const
{
    return ctx_->get_authenticator();
}

inproc_registry& socket_core::inproc() const noexcept
{
    return ctx_->inproc();
}

void socket_core::start()
{
    strand_.set_lifetime(weak_from_this());
    ctx_->register_socket(shared_from_this());
}

//----------------------------------------------------------------------------
// Endpoints

std::string socket_core::bind(std::string_view ep, std::error_code& ec)
{
    std::string bound;
    strand_.run_sync([&] {
        if (closing())
            ec = socket_error::closed;
        else
            bound = sessions_.bind(ep, ec);
    });
    return bound;
}

void socket_core::connect(std::string_view ep, std::error_code& ec)
{
    strand_.run_sync([&] {
        if (closing()) {
            ec = socket_error::closed;
        } else {
            sessions_.connect(ep, ec);
            opts_.connect_routing_id.clear(); // it named this connection only
        }
    });
}

void socket_core::unbind(std::string_view ep, std::error_code& ec)
{
    strand_.run_sync([&] { sessions_.unbind(ep, ec); });
}

void socket_core::disconnect(std::string_view ep, std::error_code& ec)
{
    strand_.run_sync([&] { sessions_.disconnect(ep, ec); });
}

std::string socket_core::last_endpoint()
{
    std::string s;
    strand_.run_sync([&] { s = sessions_.last_endpoint(); });
    return s;
}

//----------------------------------------------------------------------------
// Asynchronous operations: each starts on the strand

void socket_core::start_async_send(zmtp::message m, std::unique_ptr<send_op> op)
{
    if (strand_.on_strand()) { // a coroutine or handler of this socket: no hop
        send_.start_async(std::move(m), std::move(op));
        return;
    }
    asio::dispatch(executor(), [self = shared_from_this(), m = std::move(m), op = std::move(op)]() mutable {
        self->send_.start_async(std::move(m), std::move(op));
    });
}

void socket_core::start_async_recv(std::unique_ptr<recv_op> op)
{
    if (strand_.on_strand()) {
        recv_.start_async(std::move(op));
        return;
    }
    asio::dispatch(executor(), [self = shared_from_this(), op = std::move(op)]() mutable {
        self->recv_.start_async(std::move(op));
    });
}

void socket_core::start_async_event(std::unique_ptr<event_op> op)
{
    asio::dispatch(executor(), [self = shared_from_this(), op = std::move(op)]() mutable {
        self->events_.next(std::move(op));
    });
}

void socket_core::start_async_wait(zmtp::detail::wait_condition c, std::unique_ptr<send_op> op)
{
    asio::dispatch(executor(), [self = shared_from_this(), c = std::move(c), op = std::move(op)]() mutable {
        if (self->closing())
            op->complete(socket_error::closed);
        else if (self->satisfied(c))
            op->complete({});
        else
            self->waits_.park(std::move(op), std::move(c));
    });
}

bool socket_core::wait_until(zmtp::detail::wait_condition c, std::chrono::milliseconds timeout)
{
    // On the thread the socket's handlers need, a wait could never be
    // served: answer now.
    if (strand_.on_strand() || strand_.would_deadlock()) {
        bool now = false;
        strand_.run_sync([&] { now = !closing() && satisfied(c); });
        return now;
    }
    auto done = std::make_shared<std::promise<std::error_code>>();
    auto result = done->get_future();
    auto op = std::make_unique<zmtp::detail::async_op_impl<std::function<void(std::error_code)>, std::error_code>>(
        [done](std::error_code ec) { done->set_value(ec); }, executor());
    std::uint64_t id = 0;
    strand_.run_sync([&] {
        if (closing())
            op->complete(socket_error::closed);
        else if (satisfied(c))
            op->complete({});
        else
            id = waits_.park(std::move(op), std::move(c));
    });
    if (id != 0 && timeout.count() >= 0 &&
        result.wait_for(timeout) != std::future_status::ready) {
        // Timed out: take it back, so nothing stays parked. It may have
        // completed meanwhile; its completion is posted either way.
        strand_.run_sync([&] {
            if (auto e = waits_.take(id))
                e->op->complete(socket_error::timed_out);
        });
    }
    return !result.get();
}

bool socket_core::satisfied(const zmtp::detail::wait_condition& c)
{
    switch (c.what) {
    case zmtp::detail::wait_condition::kind::peers:
        return sessions_.ready_peers() >= c.peers;
    case zmtp::detail::wait_condition::kind::subscriber:
        if (type_ != zmtp::socket_type::pub && type_ != zmtp::socket_type::xpub)
            return false;
        return static_cast<xpub_pattern&>(*pattern_).has_subscriber(c.topic);
    }
    return false;
}

void socket_core::check_waits()
{
    waits_.complete_if([this](const zmtp::detail::wait_condition& c) { return satisfied(c); });
}

std::size_t socket_core::peer_count()
{
    std::size_t n = 0;
    strand_.run_sync([&] { n = sessions_.ready_peers(); });
    return n;
}

std::size_t socket_core::parked_waits()
{
    std::size_t n = 0;
    strand_.run_sync([&] { n = waits_.size(); });
    return n;
}

//----------------------------------------------------------------------------
// Options, events

socket_options socket_core::get_options()
{
    socket_options o;
    strand_.run_sync([&] { o = opts_; });
    return o;
}

void socket_core::update_options(const std::function<void(socket_options&)>& change,
                                 std::error_code& ec)
{
    strand_.run_sync([&] {
        socket_options o = opts_;
        change(o);
        ec = o.validate();
        if (ec)
            return;
        opts_ = std::move(o);
        sndtimeo_ms_ = opts_.sndtimeo.count();
        rcvtimeo_ms_ = opts_.rcvtimeo.count();
        pattern_->options_changed(opts_);
    });
}

void socket_core::set_event_handler(event_handler h)
{
    strand_.run_sync([&] { events_.set_handler(std::move(h)); });
}

void socket_core::with_pattern(const std::function<void(pattern&)>& fn)
{
    strand_.run_sync([&] { fn(*pattern_); });
}

//----------------------------------------------------------------------------
// The pattern's and the sessions' reports

void socket_core::reject(pipe& p, std::error_code reason)
{
    if (reason)
        p.owner().drop_connection(reason);
    else
        sessions_.remove_later(p.owner());
}

void socket_core::session_ready(session&)
{
    sessions_.peer_ready();
    check_waits();
}

void socket_core::session_lost(session&)
{
    sessions_.peer_lost();
    check_waits();
}

//----------------------------------------------------------------------------
// Closing

void socket_core::close(std::function<void()> done)
{
    // Refuse new sends and wake blocked callers at once; the rest is posted,
    // even on the strand: close() may be called from an event handler or a
    // pattern callback whose session the close would destroy.
    closing_.store(true, std::memory_order_release);
    // The inproc names now, from this thread: a bind of the same name
    // right after the close returns must not find them taken (the
    // listeners themselves close on the strand, below).
    inproc().unbind_all(static_cast<const session_host*>(this));
    send_.wake_all();
    recv_.wake_all();
    asio::post(executor(), [self = shared_from_this(), done = std::move(done)]() mutable {
        if (self->finished_) {
            if (done)
                done();
            return;
        }
        if (done)
            self->close_done_.push_back(std::move(done));
        if (std::exchange(self->close_started_, true))
            return;
        self->send_.close();
        self->sessions_.close_listeners();
        self->recv_.close();
        self->waits_.complete_all(socket_error::closed);
        const auto linger = self->opts_.linger;
        if (linger.count() == 0) {
            self->finish_close();
            return;
        }
        self->sessions_.release_output();
        self->lingering_ = self;
        if (linger.count() > 0) {
            self->linger_timer_.emplace(self->executor());
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
    if (strand_.on_strand() || strand_.on_io_thread()) {
        close();
        return;
    }
    std::promise<void> done;
    close([&] { done.set_value(); });
    done.get_future().wait();
}

void socket_core::check_linger()
{
    if (!closing() || finished_ || !close_started_)
        return;
    if (!send_.idle() || !sessions_.output_idle())
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
    sessions_.stop_all();
    send_.clear();
    events_.finish();
    auto done = std::move(close_done_);
    for (auto& d : done)
        d();
    ctx_->socket_finished(this);
    // Dropped later, not here: this may be the last reference, and the
    // caller (a session's callback, say) is still running in this object.
    if (lingering_)
        asio::post(executor(), [keep = std::move(lingering_)] {});
}

} // namespace zmtp::patterns
