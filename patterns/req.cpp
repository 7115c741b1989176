// SPDX-License-Identifier: MIT
#include "patterns/req.hpp"

#include "zmtp/socket_error.hpp"
#include "patterns/session.hpp"

#include <cstring>
#include <random>

namespace zmtp::patterns {
namespace {

// The tag that travels in front of a reply towards the application: the
// request's sequence number and, for a failed request, the error.
struct tag {
    std::uint64_t seq;
    std::int32_t error;
};

zmtp::frame make_tag(std::uint64_t seq, int error = 0)
{
    const tag t{seq, error};
    return zmtp::frame(&t, sizeof t);
}

} // namespace

req_pattern::req_pattern(pattern_host& host)
    : dealer_pattern(host, false),
      request_id_(static_cast<std::uint32_t>(std::random_device{}())),
      timer_(host.executor()),
      relaxed_(host.options().req_relaxed)
{
}

void req_pattern::options_changed(const socket_options& o)
{
    relaxed_.store(o.req_relaxed, std::memory_order_relaxed);
}

bool req_pattern::lazy() const noexcept
{
    return host_.options().req_timeout.count() > 0;
}

bool req_pattern::correlate() const noexcept
{
    // Resends need correlation, or a late reply could answer a newer attempt.
    return host_.options().req_correlate || lazy();
}

void req_pattern::attach(pipe& p)
{
    dealer_pattern::attach(p);
    if (resend_waiting_)
        retry();
}

void req_pattern::writable(pipe& p, std::size_t freed)
{
    dealer_pattern::writable(p, freed);
    if (resend_waiting_)
        retry();
}

void req_pattern::detach(pipe& p)
{
    lost(p, true);
    dealer_pattern::detach(p);
}

void req_pattern::terminated(pipe& p)
{
    lost(p, true);
    dealer_pattern::terminated(p);
}

void req_pattern::disconnected(pipe& p)
{
    lost(p, false); // a connecting pipe stays, and reconnects
}

bool req_pattern::dispatch(zmtp::message& m, bool resend)
{
    const bool with_id = correlate();
    const std::size_t body_bytes = m.bytes(); // what the sender paid credit for
    // RFC 28: REQ "SHALL prefix the outgoing message with an empty delimiter frame".
    m.push_front(zmtp::frame());
    if (with_id) {
        const std::uint32_t id = request_id_ + 1;
        // libzmq copies the id in host byte order; peers echo it as opaque bytes.
        m.push_front(zmtp::frame(&id, sizeof id));
    }
    // A resend goes to a connected peer when there is one: a copy queued
    // for a peer that is down would only be delivered, late, with others.
    pipe* p = resend ? send_lb_connected_first(m, body_bytes) : send_lb(m, body_bytes);
    if (p == nullptr) {
        m.pop_front();
        if (with_id)
            m.pop_front();
        return false;
    }
    if (with_id)
        ++request_id_;
    reply_pipe_ = p;
    last_pipe_ = p;
    return true;
}

std::error_code req_pattern::send(zmtp::message& m)
{
    std::optional<zmtp::message> copy;
    if (lazy())
        copy.emplace(m); // shares large bodies: a resend costs no copy of them
    if (!dispatch(m, false))
        return socket_error::would_block;
    first_attempt_id_ = request_id_;
    ++seq_;
    pending_error_.clear();
    resend_waiting_ = false;
    request_ = std::move(copy);
    retries_left_ = host_.options().req_retries;
    if (request_)
        arm_timer();
    return {};
}

void req_pattern::arm_timer()
{
    const std::uint64_t gen = ++timer_gen_;
    timer_.expires_after(host_.options().req_timeout);
    timer_.async_wait([this, gen, alive = host_.lifetime()](std::error_code ec) {
        if (ec || alive.expired() || gen != timer_gen_)
            return;
        retry(); // no reply in time
    });
}

void req_pattern::lost(pipe& p, bool gone)
{
    if (gone && &p == last_pipe_)
        last_pipe_ = nullptr; // the pipe is going away: forget it before retrying
    if (&p != reply_pipe_)
        return;
    reply_pipe_ = nullptr;
    if (request_)
        retry();
    else if (host_.options().req_fail_on_disconnect)
        fail(socket_error::request_lost);
}

void req_pattern::retry()
{
    if (!request_)
        return;
    reply_pipe_ = nullptr; // a reply to the abandoned attempt is no longer accepted
    if (!resend_waiting_) {
        if (retries_left_ <= 0) {
            fail(socket_error::retries_exhausted);
            return;
        }
        --retries_left_;
    }
    // The last attempt still waits, unsent, for its peer to come back:
    // another copy behind it would only make the server answer twice.
    if (last_pipe_ != nullptr && !last_pipe_->owner().connected() && last_pipe_->out_size() != 0 &&
        !any_connected_peer()) {
        arm_timer();
        return;
    }
    zmtp::message m(*request_);
    if (!dispatch(m, true)) {
        resend_waiting_ = true; // resent when a peer has room
        ++timer_gen_;
        return;
    }
    resend_waiting_ = false;
    // The resend used credit no caller paid for.
    host_.add_credit(-1, -static_cast<std::int64_t>(request_->bytes()));
    arm_timer();
}

bool req_pattern::accepts_attempt(const zmtp::message& m) const
{
    if (m.size() < 2 || m[0].size() != sizeof request_id_)
        return false;
    std::uint32_t id = 0;
    std::memcpy(&id, m[0].data(), sizeof id);
    // Attempts of this request have ids first_attempt_id_ .. request_id_
    // (unsigned arithmetic handles the wrap).
    return id - first_attempt_id_ <= request_id_ - first_attempt_id_;
}

bool req_pattern::any_connected_peer()
{
    bool found = false;
    for_each_pipe([&](pipe& p) { found = found || p.owner().connected(); });
    return found;
}

void req_pattern::fail(std::error_code ec)
{
    request_.reset();
    resend_waiting_ = false;
    reply_pipe_ = nullptr;
    last_pipe_ = nullptr;
    ++timer_gen_;
    timer_.cancel();
    pending_error_ = ec;
    host_.readable(); // wake the receiver
}

bool req_pattern::recv(zmtp::message& m)
{
    if (pending_error_) {
        m.clear();
        m.push_back(make_tag(seq_, pending_error_.value()));
        pending_error_.clear();
        return true;
    }
    const bool with_id = correlate();
    pipe* from = nullptr;
    while (recv_fq(m, from)) {
        // RFC 28: REQ "SHALL accept an incoming message only from the last
        // peer that it sent a request to"; anything else is discarded. In
        // lazy-pirate mode any attempt of the current request may answer:
        // the ids, unique per attempt, say which replies are current.
        if (request_ ? !accepts_attempt(m) : from != reply_pipe_)
            continue;
        std::size_t at = 0;
        if (with_id) {
            if (!request_ && (m.size() < 2 || m[0].size() != sizeof request_id_ ||
                              std::memcmp(m[0].data(), &request_id_, sizeof request_id_) != 0))
                continue;
            at = 1;
        }
        // RFC 28: REQ "SHALL ... discard the message if [the delimiter] is not empty".
        if (m.size() <= at + 1 || !m[at].empty())
            continue;
        for (std::size_t i = 0; i <= at; ++i)
            m.pop_front();
        reply_pipe_ = nullptr; // one reply per request
        last_pipe_ = nullptr;
        request_.reset();
        ++timer_gen_;
        timer_.cancel();
        m.push_front(make_tag(seq_));
        return true;
    }
    return false;
}

std::error_code req_pattern::front_send(zmtp::message&)
{
    if (awaiting_.load(std::memory_order_acquire) && !relaxed_.load(std::memory_order_relaxed))
        return socket_error::bad_state;
    return {};
}

void req_pattern::front_sent()
{
    front_seq_.fetch_add(1, std::memory_order_acq_rel);
    awaiting_.store(true, std::memory_order_release);
}

std::error_code req_pattern::front_recv_allowed()
{
    if (!awaiting_.load(std::memory_order_acquire))
        return socket_error::bad_state;
    return {};
}

bool req_pattern::front_received(zmtp::message& m, std::error_code& ec)
{
    tag t{};
    const zmtp::frame f = m.pop_front();
    std::memcpy(&t, f.data(), sizeof t);
    if (t.seq != front_seq_.load(std::memory_order_acquire))
        return false; // the reply to a request that was superseded
    awaiting_.store(false, std::memory_order_release);
    if (t.error != 0)
        ec = static_cast<socket_error>(t.error);
    return true;
}

} // namespace zmtp::patterns
