// SPDX-License-Identifier: MIT
#include "patterns/send_handoff.hpp"

#include "patterns/pattern.hpp"
#include "transport/inline_io.hpp"
#include "zmtp/socket_error.hpp"

#include <asio/post.hpp>

namespace zmtp::patterns {
namespace {

constexpr std::size_t queue_capacity = 1024;

} // namespace

send_handoff::send_handoff(socket_strand& strand, pattern& pat,
                           const std::atomic<bool>& closing, bool byte_limited)
    : strand_(strand),
      pattern_(pat),
      closing_(closing),
      blocks_(pat.blocks_on_send()),
      byte_limited_(byte_limited),
      parked_(strand)
{
}

//----------------------------------------------------------------------------
// Any thread

bool send_handoff::send(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    if (ec)
        ec.clear();
    if (closing()) {
        ec = socket_error::closed;
        return false;
    }
    if (!pattern_.can_send()) {
        ec = socket_error::not_supported;
        return false;
    }
    if (auto e = pattern_.front_send(m)) {
        ec = e;
        return false;
    }
    const bool sent = pattern_.sync_send() && !on_strand() ? send_sync(m, deadline, ec)
                                                            : send_queued(m, deadline, ec);
    if (sent) {
        pattern_.front_sent();
        return true;
    }
    pattern_.front_send_failed(m);
    return false;
}

bool send_handoff::send_sync(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    // The outcome is only known on the strand (no such peer, a full peer):
    // route there and report it; a full peer means waiting for room, up to
    // the deadline.
    const bool nonblocking = is_nonblocking(deadline);
    for (;;) {
        const auto key = waiter_.prepare();
        strand_.run_sync([&] { route(m, ec, false); });
        if (ec != socket_error::would_block || nonblocking) {
            waiter_.cancel();
            return !ec;
        }
        if (!waiter_.wait(key, deadline)) {
            ec = socket_error::timed_out;
            return false;
        }
        if (closing()) {
            ec = socket_error::closed;
            return false;
        }
    }
}

bool send_handoff::send_owned(zmtp::message& m, std::error_code& ec)
{
    // Whatever other threads queued goes first.
    if (queue_ready_.load(std::memory_order_acquire) && queue_->size_approx() != 0)
        drain_queue();
    if (!try_take_credit(m.bytes())) {
        ec = socket_error::would_block;
        return false;
    }
    // Only credited sends may wait in the backlog: the credit bounds it.
    return route(m, ec, blocks_);
}

bool send_handoff::queue_drained()
{
    if (!queue_ready_.load(std::memory_order_acquire) || queue_->size_approx() == 0)
        return true;
    drain_queue();
    // The drain stops while messages wait for room (the backlog): what it
    // left must stay ahead of anything routed now.
    return queue_->size_approx() == 0;
}

bool send_handoff::send_queued(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    const bool nonblocking = is_nonblocking(deadline);
    if (on_strand()) {
        if (!send_owned(m, ec) && ec == socket_error::would_block && !nonblocking)
            ec = socket_error::would_deadlock;
        return !ec;
    }
    // Same-thread I/O: a message that comes alone is routed and written
    // here, now, if nobody owns the socket, instead of being handed to the
    // I/O thread (send_pace.hpp says why only then).
    if (pace_.alone() && strand_.owner().try_enter()) {
        bool sent = false;
        // A message this thread queued earlier may still be in the queue:
        // routing this one now would put it first. Then it queues too.
        const bool behind = !queue_drained();
        if (!behind) {
            const transport::inline_io::scope io; // an idle connection is written here
            sent = send_owned(m, ec);
        }
        strand_.owner().leave();
        if (!behind && (sent || ec != socket_error::would_block || nonblocking))
            return sent;
        ec.clear(); // no room yet, or behind the queue: the queue below
    }

    ensure_queue();
    const std::size_t bytes = byte_limited_ ? m.bytes() : 0;
    while (!try_take_credit(bytes)) {
        if (nonblocking) {
            ec = socket_error::would_block;
            return false;
        }
        if (strand_.would_deadlock()) { // a handler of another socket, on our only thread
            ec = socket_error::would_deadlock;
            return false;
        }
        const auto key = waiter_.prepare();
        if (has_credit() || closing()) {
            waiter_.cancel();
        } else if (!waiter_.wait(key, deadline)) {
            ec = socket_error::timed_out;
            return false;
        }
        if (closing()) {
            ec = socket_error::closed;
            return false;
        }
    }
    while (!queue_->try_push(m)) {
        // The strand is behind, or (a no-drop publisher) a subscriber is
        // full and the queue is what holds the sender back.
        post_drain();
        if (!blocks_) {
            if (nonblocking) {
                ec = socket_error::would_block;
                return false;
            }
            if (clock::now() >= deadline) {
                ec = socket_error::timed_out;
                return false;
            }
        }
        const auto key = waiter_.prepare();
        if (queue_->size_approx() < queue_->capacity() || closing())
            waiter_.cancel();
        else
            waiter_.wait(key, std::min(deadline, clock::now() + std::chrono::milliseconds(10)));
        if (closing()) {
            ec = socket_error::closed;
            return false;
        }
    }
    post_drain();
    return true;
}

void send_handoff::ensure_queue()
{
    if (queue_ready_.load(std::memory_order_acquire))
        return;
    std::call_once(queue_once_, [this] {
        queue_ = std::make_unique<detail::mpmc_queue<zmtp::message>>(queue_capacity);
        queue_ready_.store(true, std::memory_order_release);
    });
}

void send_handoff::post_drain()
{
    if (!drain_posted_.exchange(true, std::memory_order_acq_rel))
        strand_.post_alive([this] { drain_queue(); });
}

bool send_handoff::try_take_credit(std::size_t bytes) noexcept
{
    if (!blocks_)
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

bool send_handoff::has_credit() const noexcept
{
    return !blocks_ || (credit_.load(std::memory_order_acquire) > 0 &&
                        (!byte_limited_ || byte_credit_.load(std::memory_order_acquire) > 0));
}

//----------------------------------------------------------------------------
// Strand

bool send_handoff::route(zmtp::message& m, std::error_code& ec, bool may_backlog)
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
    ec = pattern_.send(m);
    if (ec == socket_error::would_block && may_backlog) {
        // A credited send whose pipe has gone, or a no-drop publisher whose
        // subscriber is full: wait, in order, for room.
        backlog_.push_back(std::move(m));
        ec.clear();
    }
    return !ec;
}

void send_handoff::drain_queue()
{
    drain_posted_.store(false, std::memory_order_seq_cst);
    zmtp::message m;
    std::size_t n = 0;
    std::error_code ec;
    // Stop while messages wait for room: the queue then fills, and its
    // senders wait, which bounds what a no-drop publisher holds.
    while (backlog_.empty() && queue_->try_pop(m)) {
        route(m, ec, true); // other errors cannot reach the caller: the message is dropped
        ++n;
    }
    if (n != 0)
        waiter_.notify(); // queue space
}

void send_handoff::add_credit(std::int64_t n, std::int64_t bytes)
{
    if (!byte_limited_)
        bytes = 0;
    if (!blocks_ || (n == 0 && bytes == 0))
        return;
    credit_.fetch_add(n, std::memory_order_acq_rel);
    if (byte_limited_)
        byte_credit_.fetch_add(bytes, std::memory_order_acq_rel);
    if (n <= 0 && bytes <= 0)
        return;
    pump();
    waiter_.notify(); // cheap when nobody waits
}

void send_handoff::writable()
{
    pump();
    waiter_.notify();
}

void send_handoff::pump()
{
    // Routing a message changes the room of its pipe, which the pattern
    // reports through add_credit() -- back here. A nested pump would serve
    // the next parked sender before this one has finished: instead, the
    // outer loop goes round again.
    if (pumping_) {
        pump_again_ = true;
        return;
    }
    struct reset {
        bool& flag;
        ~reset() { flag = false; } // even if routing throws (bad_alloc)
    } guard{pumping_};
    pumping_ = true;
    do {
        pump_again_ = false;
        flush_backlog(); // credited messages that found no room go first
        serve_parked();
    } while (pump_again_);
    // The queue stops draining while the backlog waits: go on now.
    if (backlog_.empty() && queue_ready_.load(std::memory_order_acquire) && queue_->size_approx() != 0)
        post_drain();
}

void send_handoff::flush_backlog()
{
    while (!backlog_.empty()) {
        if (pattern_.send(backlog_.front()) == socket_error::would_block)
            return;
        backlog_.pop_front();
    }
}

void send_handoff::serve_parked()
{
    while (!parked_.empty()) {
        auto& e = parked_.front();
        if (!try_take_credit(byte_limited_ ? e.extra.bytes() : 0))
            return;
        std::error_code ec;
        route(e.extra, ec, blocks_);
        if (ec == socket_error::would_block)
            return; // a non-credit pattern still has no room: wait for writable()
        parked_.pop_front().op->complete(ec);
    }
}

void send_handoff::start_async(zmtp::message m, std::unique_ptr<send_op> op)
{
    if (closing()) {
        op->complete(socket_error::closed);
        return;
    }
    if (!pattern_.can_send()) {
        op->complete(socket_error::not_supported);
        return;
    }
    if (auto ec = pattern_.front_send(m)) {
        op->complete(ec);
        return;
    }
    // The front end has accepted it: from here on the message is sent or
    // waits in order; only closing can still refuse it.
    pattern_.front_sent();
    if (parked_.empty() && try_take_credit(byte_limited_ ? m.bytes() : 0)) {
        std::error_code ec;
        route(m, ec, blocks_);
        if (ec != socket_error::would_block) {
            zmtp::detail::finish(std::move(op), ec);
            return;
        }
    }
    parked_.park(std::move(op), std::move(m));
}

void send_handoff::close()
{
    if (queue_ready_.load(std::memory_order_acquire))
        drain_queue();
    parked_.complete_all(socket_error::closed);
    waiter_.notify();
}

} // namespace zmtp::patterns
