// SPDX-License-Identifier: MIT
#include "patterns/recv_handoff.hpp"

#include "patterns/detail/send_pace.hpp"
#include "patterns/pattern.hpp"
#include "zmtp/socket_error.hpp"

namespace zmtp::patterns {
namespace {

constexpr std::size_t queue_capacity = 256;

} // namespace

recv_handoff::recv_handoff(socket_strand& strand, pattern& pat, const socket_options& opts,
                           const std::atomic<bool>& closing)
    : strand_(strand), pattern_(pat), opts_(opts), closing_(closing), parked_(strand)
{
}

//----------------------------------------------------------------------------
// Any thread

bool recv_handoff::recv(zmtp::message& m, clock::time_point deadline, std::error_code& ec)
{
    if (ec)
        ec.clear();
    if (!pattern_.can_recv()) {
        ec = socket_error::not_supported;
        return false;
    }
    if (auto e = pattern_.front_recv_allowed()) {
        ec = e;
        return false;
    }
    const bool nonblocking = is_nonblocking(deadline);
    if (strand_.on_strand()) {
        if (take(m, ec))
            return !ec;
        ec = closing() ? socket_error::closed
                       : (nonblocking ? socket_error::would_block : socket_error::would_deadlock);
        return false;
    }
    ensure_queue();
    for (;;) {
        // Same-thread I/O: if nobody owns the socket, take the pattern's
        // next message here instead of waiting for the I/O thread to hand
        // it over.
        if (strand_.owner().try_enter()) {
            const bool got = take(m, ec);
            strand_.owner().leave();
            if (got)
                return !ec;
        }
        if (pop(m)) {
            if (queue_->size_approx() < refill_below_.load(std::memory_order_relaxed))
                request_refill();
            if (!pattern_.front_received(m, ec))
                continue;
            return !ec;
        }
        if (closing()) {
            ec = socket_error::closed;
            return false;
        }
        request_refill();
        if (nonblocking) {
            ec = socket_error::would_block;
            return false;
        }
        if (strand_.would_deadlock()) { // a handler of another socket, on our only thread
            ec = socket_error::would_deadlock;
            return false;
        }
        const auto key = waiter_.prepare();
        if (queue_->size_approx() != 0 || closing()) {
            waiter_.cancel();
            continue;
        }
        if (!waiter_.wait(key, deadline)) {
            while (pop(m))
                if (pattern_.front_received(m, ec))
                    return !ec;
            ec = socket_error::timed_out;
            return false;
        }
        detail::send_pace::note_waited();
    }
}

bool recv_handoff::readable()
{
    if (closing())
        return false;
    ensure_queue();
    if (queue_->size_approx() != 0)
        return true;
    if (strand_.owner().try_enter()) {
        // Taken from the pattern and put back in front, in order: the
        // next recv (or the strand's next refill) takes it from there.
        zmtp::message m;
        const bool got = next_message(m);
        if (got)
            stash_.push_front(std::move(m));
        strand_.owner().leave();
        if (got)
            return true;
    }
    request_refill();
    return queue_->size_approx() != 0;
}

void recv_handoff::ensure_queue()
{
    // Created on first use by a thread other than the strand: sockets used
    // only from coroutines on their own executor never pay for it.
    if (queue_ready_.load(std::memory_order_acquire))
        return;
    std::call_once(queue_once_, [this] {
        queue_ = std::make_unique<detail::mpmc_queue<zmtp::message>>(queue_capacity);
        queue_ready_.store(true, std::memory_order_release);
    });
}

bool recv_handoff::pop(zmtp::message& m)
{
    if (!queue_->try_pop(m))
        return false;
    if (count_bytes_.load(std::memory_order_relaxed))
        queued_bytes_.fetch_sub(static_cast<std::int64_t>(m.bytes()), std::memory_order_relaxed);
    return true;
}

void recv_handoff::request_refill()
{
    // While the demand stands, the strand refills on every arrival and the
    // pattern holds nothing it has not tried to queue (a refill that stops
    // for any other reason than "nothing more" withdraws it): asking again
    // would only wake the I/O thread for nothing, once per recv() that
    // finds the queue empty.
    if (demand_.load(std::memory_order_acquire))
        return;
    if (!refill_posted_.exchange(true, std::memory_order_acq_rel))
        strand_.post_alive([this] {
            refill_posted_.store(false, std::memory_order_seq_cst);
            demand_.store(true, std::memory_order_release);
            refill();
        });
}

//----------------------------------------------------------------------------
// Strand

bool recv_handoff::take(zmtp::message& m, std::error_code& ec)
{
    while ((queue_ready_.load(std::memory_order_acquire) && pop(m)) || next_message(m))
        if (pattern_.front_received(m, ec))
            return true;
    return false;
}

bool recv_handoff::next_message(zmtp::message& m)
{
    if (!stash_.empty()) {
        m = stash_.pop_front();
        return true;
    }
    return pattern_.recv(m);
}

void recv_handoff::incoming()
{
    serve_parked();
    refill();
}

void recv_handoff::refill()
{
    if (!queue_ready_.load(std::memory_order_acquire) || !demand_.load(std::memory_order_relaxed))
        return;
    // Messages in the queue are out of the pipes, so they would not count
    // against rcvhwm: without a bound here a reader that stalls after one
    // recv() holds `queue_capacity` messages of any size.
    // xpub_manual: one at a time, so that the message the application has
    // just read is the one the pattern took last (manual_subscription()).
    const std::size_t max_count = opts_.xpub_manual ? 1
                                  : opts_.rcvhwm == 0
                                      ? queue_capacity
                                      : std::min(queue_capacity, opts_.rcvhwm);
    refill_below_.store(std::max<std::size_t>(1, max_count / 2), std::memory_order_relaxed);
    const auto max_bytes = static_cast<std::int64_t>(opts_.rcvhwm_bytes);
    if (max_bytes != 0)
        count_bytes_.store(true, std::memory_order_relaxed);
    const bool count_bytes = count_bytes_.load(std::memory_order_relaxed);
    const std::size_t max_frames = max_count * pipe::frames_per_message;
    std::size_t n = 0;
    std::size_t frames = 0;
    bool full = false;
    zmtp::message next; // reused: a refill moves messages, it does not make new ones
    // Readers only ever make the queue shorter meanwhile: counting our own
    // pushes from a snapshot is a safe upper bound, and keeps the shared
    // head and tail out of the loop; the snapshot is taken again only when
    // that bound says full, so a reader that keeps up keeps the loop going.
    std::size_t queued = queue_->size_approx();
    if (queued == 0) {
        // Messages queued before rcvhwm_bytes was first set were never
        // counted, so their pops drive the count below zero; an empty queue
        // has no bytes, whatever the count says (a pop still finishing can
        // leave it off by one message, until the queue is next seen empty).
        if (count_bytes)
            queued_bytes_.store(0, std::memory_order_relaxed);
        // The pinned chunks are counted since the queue was last seen
        // empty (readers do not report what they take: an upper bound).
        pinned_ = 0;
        pinned_message_bytes_ = 0;
        last_block_ = nullptr;
    }
    for (;;) {
        if (queued >= max_count)
            queued = queue_->size_approx();
        if (queued >= max_count ||
            (max_bytes != 0 && queued != 0 &&
             queued_bytes_.load(std::memory_order_relaxed) >= max_bytes)) {
            full = true;
            break;
        }
        if (!next_message(next))
            break;
        if (opts_.conflate) {
            // Only the latest is kept: what the queue holds unread goes.
            zmtp::message old;
            while (pop(old))
                ;
            queued = 0;
        }
        // Everything about the message is read before it is pushed: a
        // reader may take it, and free its chunk, at once.
        const std::size_t msg_frames = next.size();
        const auto* block = next.first_block();
        const std::size_t block_capacity = block != nullptr ? block->capacity : 0;
        const std::size_t bytes = (count_bytes || block != nullptr) ? next.bytes() : 0;
        // A push can fail while a reader is still finishing its pop: the
        // message waits in the stash for the next refill.
        if (!queue_->try_push(next)) {
            stash_.push_front(std::move(next));
            full = true;
            break;
        }
        if (count_bytes)
            queued_bytes_.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        ++queued;
        ++n;
        // Frames count too, as in the pipes: one refill moves at most
        // frames_per_message x max_count of them, and the next waits until
        // the reader has taken half the queue. So do the receive chunks the
        // messages keep alive.
        frames += msg_frames;
        if (block != nullptr) {
            pinned_message_bytes_ += bytes;
            if (block != last_block_) { // compares addresses only: it may be gone
                pinned_ += block_capacity;
                last_block_ = block;
            }
        }
        if (frames >= max_frames || pinned_ > 2 * pinned_message_bytes_ + pipe::pin_slack) {
            full = true;
            break;
        }
    }
    if (full)
        demand_.store(false, std::memory_order_release); // the reader asks again when it runs low
    if (n != 0)
        waiter_.notify();
}

void recv_handoff::serve_parked()
{
    while (!parked_.empty()) {
        zmtp::message m;
        if (!next_message(m))
            return;
        std::error_code ec;
        if (!pattern_.front_received(m, ec))
            continue;
        parked_.pop_front().op->complete(ec, ec ? zmtp::message{} : std::move(m));
    }
}

void recv_handoff::start_async(std::unique_ptr<recv_op> op)
{
    if (!pattern_.can_recv()) {
        op->complete(socket_error::not_supported, zmtp::message{});
        return;
    }
    if (auto ec = pattern_.front_recv_allowed()) {
        op->complete(ec, zmtp::message{});
        return;
    }
    if (parked_.empty()) {
        zmtp::message m;
        std::error_code ec;
        if (take(m, ec)) {
            zmtp::detail::finish(std::move(op), ec, ec ? zmtp::message{} : std::move(m));
            return;
        }
    }
    if (closing()) {
        op->complete(socket_error::closed, zmtp::message{});
        return;
    }
    parked_.park(std::move(op));
}

void recv_handoff::close()
{
    parked_.complete_all(socket_error::closed);
    waiter_.notify();
}

} // namespace zmtp::patterns
