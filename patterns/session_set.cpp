// SPDX-License-Identifier: MIT
#include "patterns/session_set.hpp"

#include "patterns/pipe_events.hpp"
#include "patterns/session_host.hpp"
#include "patterns/inproc_registry.hpp"
#include "transport/endpoint.hpp"

namespace zmtp::patterns {

session_set::session_set(session_host& host, pipe_events& pattern, const socket_strand& strand)
    : host_(host), pattern_(pattern), strand_(strand)
{
}

session_set::~session_set()
{
    stop_all();
    for (auto& l : listeners_)
        l.close(host_.inproc());
}

void session_set::bound_listener::close(inproc_registry& names)
{
    if (listener)
        listener->close();
    if (inproc)
        names.unbind(inproc->name, inproc.get());
}

std::string session_set::bind(std::string_view ep, std::error_code& ec)
{
    const auto parsed = transport::endpoint::parse(ep, ec);
    if (!parsed)
        return {};
    if (parsed->transport == transport::endpoint::kind::inproc) {
        if (host_.type() == zmtp::socket_type::stream) { // raw bytes need a byte stream
            ec = transport::transport_error::unsupported_transport;
            return {};
        }
        return bind_inproc(parsed->path, ec);
    }
    const auto& o = host_.options();
    auto l = o.use_fd >= 0
                 ? transport::listener::adopt(strand_.executor(), *parsed, o.use_fd,
                                              connector_options_of(o).tcp, ec)
                 : transport::listener::open(strand_.executor(), *parsed,
                                             connector_options_of(o).tcp, o.backlog, ec);
    if (!l) {
        host_.emit(socket_event::kind::bind_failed, std::string(ep), ec);
        return {};
    }
    const std::uint64_t id = next_id_++;
    std::string bound = l->bound();
    if (accept_paused_)
        l->pause();
    l->start(
        [this, w = strand_.lifetime(), id, bound](transport::any_stream&& s, std::string remote) {
            if (auto alive = w.lock())
                accepted(id, bound, std::move(s), std::move(remote));
        },
        [this, w = strand_.lifetime(), bound](std::error_code e) {
            if (auto alive = w.lock())
                host_.emit(socket_event::kind::accept_failed, bound, e);
        });
    listeners_.push_back({id, std::string(ep), bound, std::move(l), nullptr});
    last_endpoint_ = bound;
    ec.clear();
    host_.emit(socket_event::kind::listening, bound);
    return bound;
}

std::string session_set::bind_inproc(const std::string& name, std::error_code& ec)
{
    const std::uint64_t id = next_id_++;
    std::string bound = "inproc://" + name;
    auto b = std::make_shared<inproc_registry::binder>();
    b->name = name;
    b->owner = &host_;
    b->side = inproc_side_of(host_);
    // Runs on the strand; `b` belongs to listeners_, so while it is
    // alive (the registry checks) so is this set.
    b->accept = [this, id, bound](inproc_registry::engine_ptr e) {
        accepted_inproc(id, bound, std::move(e));
    };
    listeners_.push_back({id, bound, bound, nullptr, b});
    host_.inproc().bind(name, b, ec); // connecters already waiting are accepted now
    if (ec) {
        listeners_.pop_back();
        host_.emit(socket_event::kind::bind_failed, bound, ec);
        return {};
    }
    last_endpoint_ = bound;
    host_.emit(socket_event::kind::listening, bound);
    return bound;
}

void session_set::accepted_inproc(std::uint64_t listener, const std::string& bound,
                                  std::shared_ptr<transport::inproc_engine> e)
{
    if (host_.closing())
        return; // the engine, dropped, tells the connecter
    host_.emit(socket_event::kind::accepted, bound);
    sessions_.push_back(
        std::make_unique<session>(host_, pattern_, next_id_++, bound, false, listener));
    sessions_.back()->adopt_inproc(std::move(e));
}

void session_set::accepted(std::uint64_t listener, const std::string& bound,
                           transport::any_stream&& s, std::string remote)
{
    // An accept that completed while the socket began closing: the stream
    // is dropped (closed by its destructor), and nobody hears of it.
    if (host_.closing())
        return;
    host_.emit(socket_event::kind::accepted, remote, {}, {}, bound);
    sessions_.push_back(
        std::make_unique<session>(host_, pattern_, next_id_++, bound, false, listener));
    sessions_.back()->adopt(std::move(s), std::move(remote));
}

void session_set::connect(std::string_view ep, std::error_code& ec)
{
    const auto parsed = transport::endpoint::parse(ep, ec);
    if (!parsed)
        return;
    if (parsed->transport == transport::endpoint::kind::inproc &&
        host_.type() == zmtp::socket_type::stream) {
        ec = transport::transport_error::unsupported_transport;
        return;
    }
    sessions_.push_back(
        std::make_unique<session>(host_, pattern_, next_id_++, std::string(ep), true, 0));
    if (parsed->transport == transport::endpoint::kind::inproc) {
        sessions_.back()->start_connect_inproc(parsed->path, ec);
        if (ec) {
            sessions_.back()->stop();
            sessions_.pop_back();
            return;
        }
    } else {
        sessions_.back()->start_connect(*parsed);
    }
    last_endpoint_ = std::string(ep);
    ec.clear();
}

void session_set::unbind(std::string_view ep, std::error_code& ec)
{
    for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
        // Like libzmq, a wildcard port must be unbound by the endpoint
        // actually bound (last_endpoint), not by the wildcard string.
        if (it->bound != ep && !(it->requested == ep && it->requested == it->bound))
            continue;
        const std::uint64_t id = it->id;
        it->close(host_.inproc());
        host_.emit(socket_event::kind::closed, it->bound);
        listeners_.erase(it);
        // Connections accepted through that endpoint go too.
        remove_if([id](const session& s) { return s.listener() == id; });
        ec.clear();
        return;
    }
    ec = transport::transport_error::unknown_endpoint;
}

void session_set::disconnect(std::string_view ep, std::error_code& ec)
{
    const bool found =
        remove_if([ep](const session& s) { return s.connecting() && s.endpoint() == ep; }) != 0;
    if (found)
        ec.clear();
    else
        ec = transport::transport_error::unknown_endpoint;
}

template <class Pred>
std::size_t session_set::remove_if(Pred pred)
{
    // By id, one at a time: removing a session can end a lingering close,
    // which stops and removes every session (the list changes under us).
    std::vector<std::uint64_t> ids;
    for (const auto& s : sessions_)
        if (pred(*s))
            ids.push_back(s->id());
    for (const std::uint64_t id : ids)
        for (auto& s : sessions_)
            if (s->id() == id) {
                remove(*s);
                break;
            }
    return ids.size();
}

void session_set::remove(session& s)
{
    if (s.lingering != 0) {
        --departed_;
        departed_messages_ -= s.lingering;
        s.lingering = 0;
        check_departed();
    }
    s.stop(); // its pipe leaves the pattern
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
        if (it->get() == &s) {
            sessions_.erase(it);
            break;
        }
    host_.output_idle();
}

void session_set::remove_later(const session& s)
{
    // Posted, so never from inside code that still uses the session; by id,
    // because the session may be gone (close, unbind) before this runs.
    strand_.post_alive([this, id = s.id()] {
        for (auto& x : sessions_)
            if (x->id() == id) {
                remove(*x);
                return;
            }
    });
}

void session_set::departed(session& s)
{
    pipe* p = s.get_pipe();
    if (p == nullptr || !p->has_in()) {
        remove_later(s); // nothing to read: it can go
        return;
    }
    // What it left can only shrink from here: counted once, as an upper bound.
    s.lingering = p->in_size();
    ++departed_;
    departed_messages_ += s.lingering;
    check_departed();
}

void session_set::check_departed()
{
    const std::size_t rcvhwm = host_.options().rcvhwm;
    const std::size_t max_messages = departed_hwm_factor * (rcvhwm != 0 ? rcvhwm : 1000);
    const bool pause = departed_ >= max_departed_peers || departed_messages_ >= max_messages;
    const bool resume = departed_ <= max_departed_peers / 2 && departed_messages_ <= max_messages / 2;
    if (pause && !accept_paused_) {
        accept_paused_ = true;
        for (auto& l : listeners_)
            if (l.listener)
                l.listener->pause();
    } else if (resume && accept_paused_) {
        accept_paused_ = false;
        for (auto& l : listeners_)
            if (l.listener)
                l.listener->resume();
    }
}

bool session_set::output_idle() const noexcept
{
    for (const auto& s : sessions_)
        if (!s->output_idle())
            return false;
    return true;
}

void session_set::close_listeners()
{
    for (auto& l : listeners_) {
        l.close(host_.inproc());
        host_.emit(socket_event::kind::closed, l.bound);
    }
    listeners_.clear();
}

void session_set::stop_all()
{
    for (auto& s : sessions_)
        s->stop();
    sessions_.clear();
}

} // namespace zmtp::patterns
