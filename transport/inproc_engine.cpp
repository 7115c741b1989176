// SPDX-License-Identifier: MIT
#include "transport/inproc_engine.hpp"

#include "transport/inline_io.hpp"
#include "zmtp/null_mechanism.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>

namespace zmtp::transport {

/** What the two sides share: the credit of each direction, and how to
    reach each side. Everything else belongs to one side's executor. */
struct inproc_link {
    struct direction {
        /// Messages the sender may still move towards this side.
        std::atomic<std::int64_t> credit{0};
        /// The sender ran out of credit and waits to be told of more.
        std::atomic<bool> sender_waiting{false};
        /// Batches posted and not yet received: while there are, a batch
        /// may not be delivered directly (it would overtake them).
        std::atomic<int> batches_posted{0};
    };
    /// to[i]: the messages towards side i, and the credit side i grants.
    std::array<direction, 2> to;
    std::array<asio::any_io_executor, 2> executor;
    std::array<std::shared_ptr<inproc_gate>, 2> gate;
    /// Set once, before either side can run: read without a lock.
    std::array<std::weak_ptr<inproc_engine>, 2> end;

    /// Runs `fn(engine&)` on side i's executor, if that side still exists then.
    template <class Fn>
    static void post_to(const std::shared_ptr<inproc_link>& link, int i, Fn&& fn)
    {
        asio::post(link->executor[i], [link, i, fn = std::forward<Fn>(fn)]() mutable {
            if (auto e = link->end[i].lock())
                fn(*e);
        });
    }
};

namespace {

constexpr std::int64_t unlimited_credit = std::numeric_limits<std::int64_t>::max() / 2;

/// What the handshake would have told the other side about `s`.
zmtp::peer_info describe(const inproc_side& s)
{
    zmtp::peer_info p;
    p.version_major = 3;
    p.version_minor = 1;
    p.type = s.type;
    p.properties = zmtp::null_mechanism(s.type, s.routing_id, s.properties).local_metadata();
    if (zmtp::sends_identity(s.type))
        p.identity = s.routing_id;
    return p;
}

} // namespace

std::array<std::shared_ptr<inproc_engine>, 2> inproc_engine::make_pair(const inproc_side& a,
                                                                       const inproc_side& b,
                                                                       const std::string& name)
{
    auto link = std::make_shared<inproc_link>();
    link->executor = {a.executor, b.executor};
    link->gate = {a.gate, b.gate};
    link->to[0].credit = a.rcvhwm == 0 ? unlimited_credit : static_cast<std::int64_t>(a.rcvhwm);
    link->to[1].credit = b.rcvhwm == 0 ? unlimited_credit : static_cast<std::int64_t>(b.rcvhwm);
    const std::string remote = "inproc://" + name;
    std::array<std::shared_ptr<inproc_engine>, 2> pair{
        std::make_shared<inproc_engine>(link, 0, a, b, remote),
        std::make_shared<inproc_engine>(link, 1, b, a, remote)};
    link->end = {pair[0], pair[1]};
    return pair;
}

inproc_engine::inproc_engine(std::shared_ptr<inproc_link> link, int side, const inproc_side& self,
                             const inproc_side& peer, std::string remote)
    : link_(std::move(link)), side_(side), executor_(self.executor), peer_(describe(peer)),
      remote_(std::move(remote)), window_(self.rcvhwm),
      ack_every_(std::clamp<std::size_t>(self.rcvhwm / 4, 1, 1024))
{
}

inproc_engine::~inproc_engine()
{
    // Dropped without a close (its owner never took it, say): the other
    // side must still hear that this one is gone.
    if (!told_peer_)
        inproc_link::post_to(link_, 1 - side_, [](inproc_engine& e) { e.peer_closed(); });
}

void inproc_engine::start()
{
    if (started_ || closed_)
        return;
    started_ = true;
    ready_ = true;
    // No handshake: the peer is known. Batches the other side posted before
    // this one was started wait in the inbox.
    auto self = shared_from_this();
    if (owner_)
        owner_->on_engine_ready(*this);
    deliver();
}

//----------------------------------------------------------------------------
// Sending

void inproc_engine::notify_outbound()
{
    if (closed_ || !ready_ || flush_posted_)
        return;
    // An application thread that owns the socket hands a lone message over
    // itself: one post to the other side instead of two (basic_engine does
    // the same with its write).
    if (inline_io::take()) {
        flush();
        return;
    }
    schedule_flush();
}

void inproc_engine::schedule_flush()
{
    if (closed_ || !ready_ || flush_posted_)
        return;
    // Posted rather than moved now: whoever notified is usually queueing a
    // run of messages, and the batch should carry all of them.
    flush_posted_ = true;
    asio::post(executor_, [self = std::static_pointer_cast<inproc_engine>(shared_from_this())] {
        self->flush_posted_ = false;
        if (self->flush() && self->owner_)
            self->owner_->on_engine_drained(*self);
    });
}

bool inproc_engine::flush()
{
    if (closed_ || !owner_)
        return false;
    auto& dir = link_->to[1 - side_];
    batch b;
    b.control = std::move(control_);
    control_.clear();
    const std::int64_t credit = dir.credit.load(std::memory_order_acquire);
    const std::size_t allowed = credit_lifted_ ? max_batch
                                : credit <= 0  ? 0
                                               : std::min(static_cast<std::size_t>(credit), max_batch);
    std::size_t taken = 0;
    if (allowed != 0) {
        taken = owner_->take_outbound(*this, b.messages, allowed);
        dir.credit.fetch_sub(static_cast<std::int64_t>(taken), std::memory_order_relaxed);
        messages_out += taken;
    }
    if (!b.control.empty() || taken != 0)
        send_batch(std::move(b));
    if (closed_)
        return false;
    if (allowed != 0 && taken < allowed)
        return true; // the pipe is empty: idle
    if (allowed == max_batch && taken == allowed &&
        (credit_lifted_ || credit > static_cast<std::int64_t>(taken))) {
        schedule_flush(); // more may wait, and credit is left: another turn
        return false;
    }
    // Out of credit, with messages perhaps waiting: ask to be woken. The
    // receiver adds credit and then looks at the flag; we set the flag and
    // then look at the credit -- one of the two sees the other.
    dir.sender_waiting.store(true);
    if (dir.credit.load() > 0 && dir.sender_waiting.exchange(false))
        schedule_flush();
    return false;
}

void inproc_engine::send_batch(batch&& b)
{
    const int peer = 1 - side_;
    auto& dir = link_->to[peer];
    inproc_gate* gate = link_->gate[peer].get();
    // An application thread delivers itself (see the file comment). The
    // other side's handlers take its gate too, so a posted batch that is
    // being received holds it, and one that is queued is counted.
    if (gate && inline_io::allowed() && dir.batches_posted.load(std::memory_order_acquire) == 0 &&
        gate->try_enter()) {
        if (auto e = link_->end[peer].lock())
            e->receive(std::move(b));
        gate->leave();
        return;
    }
    dir.batches_posted.fetch_add(1, std::memory_order_relaxed);
    asio::post(link_->executor[peer], [link = link_, peer, b = std::move(b)]() mutable {
        link->to[peer].batches_posted.fetch_sub(1, std::memory_order_release);
        if (auto e = link->end[peer].lock())
            e->receive(std::move(b));
    });
}

void inproc_engine::release_output()
{
    credit_lifted_ = true;
    schedule_flush();
}

void inproc_engine::credit_returned()
{
    schedule_flush();
}

void inproc_engine::send_subscription(bool subscribe, std::span<const std::byte> topic)
{
    if (closed_)
        return;
    control_.push_back({subscribe, zmtp::frame(topic)});
    schedule_flush();
}

//----------------------------------------------------------------------------
// Receiving

void inproc_engine::receive(batch&& b)
{
    if (closed_)
        return;
    const bool empty = inbox_at_ == inbox_.messages.size() &&
                       inbox_control_at_ == inbox_.control.size();
    if (empty) {
        inbox_ = std::move(b);
        inbox_at_ = 0;
        inbox_control_at_ = 0;
    } else {
        for (auto& c : b.control)
            inbox_.control.push_back(std::move(c));
        for (auto& m : b.messages)
            inbox_.messages.push_back(std::move(m));
    }
    if (ready_ && !paused_)
        deliver();
}

void inproc_engine::deliver(bool past_pause)
{
    auto self = shared_from_this(); // an owner's callback may drop its engine
    bool delivered = false;
    while (!closed_ && (past_pause || !paused_) && owner_) {
        bool more = true;
        if (inbox_control_at_ < inbox_.control.size()) {
            auto& c = inbox_.control[inbox_control_at_++];
            more = owner_->on_engine_subscription(*this, c.subscribe, std::move(c.topic));
        } else if (inbox_at_ < inbox_.messages.size()) {
            ++messages_in;
            more = owner_->on_engine_message(*this, std::move(inbox_.messages[inbox_at_++]));
        } else {
            break;
        }
        delivered = true;
        if (!more && !past_pause)
            paused_ = true;
    }
    if (inbox_at_ == inbox_.messages.size() && inbox_control_at_ == inbox_.control.size()) {
        inbox_.messages.clear();
        inbox_.control.clear();
        inbox_at_ = inbox_control_at_ = 0;
    }
    if (delivered && owner_ && !closed_)
        owner_->on_engine_batch_end(*this);
}

void inproc_engine::resume_reading()
{
    if (closed_ || !paused_)
        return;
    paused_ = false;
    deliver();
}

void inproc_engine::consumed(bool queue_empty)
{
    if (window_ == 0)
        return;
    ++unacked_;
    if (unacked_ >= ack_every_ || queue_empty)
        return_credit();
}

void inproc_engine::return_credit()
{
    auto& dir = link_->to[side_];
    dir.credit.fetch_add(static_cast<std::int64_t>(unacked_));
    unacked_ = 0;
    if (dir.sender_waiting.load() && dir.sender_waiting.exchange(false))
        inproc_link::post_to(link_, 1 - side_, [](inproc_engine& e) { e.credit_returned(); });
}

//----------------------------------------------------------------------------
// Closing

void inproc_engine::peer_closed()
{
    if (closed_)
        return;
    auto self = shared_from_this();
    // Everything the other side sent before it closed reaches the owner,
    // as bytes already in a socket's buffer would; the credit bounds it.
    if (ready_) {
        paused_ = false;
        deliver(true);
    }
    if (closed_)
        return;
    told_peer_ = true; // it is gone: nothing to tell
    shut();
    if (owner_)
        owner_->on_engine_closed(*this, asio::error::eof);
}

void inproc_engine::shut()
{
    closed_ = true;
    ready_ = false;
    inbox_ = {};
    control_.clear();
    if (!told_peer_) {
        told_peer_ = true;
        inproc_link::post_to(link_, 1 - side_, [](inproc_engine& e) { e.peer_closed(); });
    }
}

void inproc_engine::close()
{
    if (!closed_)
        shut();
}

void inproc_engine::detach()
{
    owner_ = nullptr;
    close();
}

void inproc_engine::abort(std::error_code reason)
{
    asio::post(executor_, [self = std::static_pointer_cast<inproc_engine>(shared_from_this()),
                           reason] {
        if (self->closed_)
            return;
        self->shut();
        if (self->owner_)
            self->owner_->on_engine_closed(*self, reason);
    });
}

} // namespace zmtp::transport
