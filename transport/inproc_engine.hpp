// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `inproc_engine`: one side of an in-process connection (`inproc://`).

    @par Theory of operation
    Two sockets of one process, each on its own executor, are joined by a
    pair of engines that share an `inproc_link`. Nothing is encoded and no
    byte is copied: the messages a socket's writer takes from its pipe are
    moved, a batch at a time, into one vector that is posted to the other
    side's executor, where its engine hands them to its owner as a stream
    engine hands decoded ones. Subscriptions travel the same way, ahead of
    the messages of their batch, as a stream engine writes control output
    first.

    An application thread that sends a message alone (patterns'
    send_pace) delivers the batch itself when the receiving socket is free:
    it enters that socket as its owner would, hands the message over and
    wakes the receiver's blocked recv() directly -- one wake-up per message,
    as libzmq's shared pipe, instead of two through the I/O thread. Batches
    already posted go first: the shortcut is taken only when none is in
    flight.

    There is no kernel buffer between the two queues, so flow control is
    a credit: the sender may have at most the receiver's RCVHWM messages
    in flight or queued unread on the other side (unlimited when it is 0).
    The receiver returns credit as its application takes messages (every
    quarter window, and whenever its queue runs empty), and wakes a sender
    that ran out. With the sender's own SNDHWM queue in front, a sender
    blocks after SNDHWM + RCVHWM unread messages -- libzmq's inproc
    high-water mark.

    The handshake is not needed: each side is told at creation what a
    READY from the other would have said (type, routing id, properties).
    Heartbeats are not needed either; a side that closes tells the other,
    after every message it posted before.
*/

#include "transport/engine.hpp"
#include "zmtp/metadata.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/any_io_executor.hpp>

#include <array>
#include <memory>
#include <string>

namespace zmtp::transport {

struct inproc_link;

/** Lets a thread do one side's work at once, if nobody else is doing it
    (the socket's owner, patterns/socket_owner.hpp): never waits. */
class inproc_gate {
public:
    virtual bool try_enter() noexcept = 0;
    virtual void leave() noexcept = 0;

protected:
    ~inproc_gate() = default;
};

/** What one side of an in-process connection is, as the other sees it. */
struct inproc_side {
    asio::any_io_executor executor;
    /// Optional: lets the other side's application thread deliver here itself.
    std::shared_ptr<inproc_gate> gate;
    zmtp::socket_type type = zmtp::socket_type::pair;
    std::string routing_id;
    zmtp::metadata properties;
    /// Messages the other side may have in flight to this one (0 = no limit).
    std::size_t rcvhwm = 1000;
};

class inproc_engine final : public engine {
public:
    /// Messages moved in one batch at most: a long run is shared out in turns.
    static constexpr std::size_t max_batch = 4096;

    /** Creates both sides of a connection named `name`: [0] runs on a's
        executor and talks to b, [1] the reverse. Each must be given its
        owner (attach()) and started on its own executor. */
    static std::array<std::shared_ptr<inproc_engine>, 2> make_pair(const inproc_side& a,
                                                                   const inproc_side& b,
                                                                   const std::string& name);

    /// Use make_pair(): `self` and `peer` describe this side and the other.
    inproc_engine(std::shared_ptr<inproc_link> link, int side, const inproc_side& self,
                  const inproc_side& peer, std::string remote);
    ~inproc_engine() override;

    /// Sets the owner; before start().
    void attach(engine_owner& owner) noexcept { owner_ = &owner; }

    // engine
    void start() override;
    void notify_outbound() override;
    void resume_reading() override;
    void close() override;
    void abort(std::error_code reason) override;
    void detach() override;
    void send_subscription(bool subscribe, std::span<const std::byte> topic) override;
    const zmtp::peer_info& peer() const noexcept override { return peer_; }
    bool is_ready() const noexcept override { return ready_; }
    bool is_busy_writing() const noexcept override { return flush_posted_ || !control_.empty(); }
    const std::string& remote() const noexcept override { return remote_; }
    bool counts_consumption() const noexcept override { return window_ != 0; }
    void consumed(bool queue_empty) override;
    void release_output() override;

    /// A subscription in flight.
    struct control_item {
        bool subscribe;
        zmtp::frame topic;
    };
    /// What one post carries from a side to the other.
    struct batch {
        std::vector<control_item> control;
        std::vector<zmtp::message> messages;
    };

    // From the link, on this side's executor.
    void receive(batch&& b);
    void peer_closed();
    void credit_returned();

private:
    void schedule_flush();
    /// Moves what it may to the other side; true when nothing is left to send.
    bool flush();
    /// Hands the inbox to the owner; `past_pause`: all of it (the peer closed).
    void deliver(bool past_pause = false);
    /// Hands a batch to the other side: at once if it may, else posted.
    void send_batch(batch&& b);
    /// Ends this side: tells the other (once).
    void shut();
    void return_credit();

    std::shared_ptr<inproc_link> link_;
    int side_;
    asio::any_io_executor executor_;
    engine_owner* owner_ = nullptr;
    zmtp::peer_info peer_;
    std::string remote_;

    // Sending
    std::vector<control_item> control_;
    bool flush_posted_ = false;
    bool credit_lifted_ = false; // closing: everything goes

    // Receiving
    batch inbox_;
    std::size_t inbox_control_at_ = 0;
    std::size_t inbox_at_ = 0;
    std::size_t window_;     // this side's RCVHWM: credit it grants (0 = unlimited)
    std::size_t ack_every_;  // credit returned in steps of this many messages
    std::size_t unacked_ = 0;

    bool started_ = false;
    bool ready_ = false;
    bool paused_ = false;
    bool closed_ = false;
    bool told_peer_ = false;
};

} // namespace zmtp::transport
