// SPDX-License-Identifier: MIT
#pragma once

/** @file
    REQ: sends a request, receives its reply, in lockstep -- and, optionally,
    recovers by itself when the server dies.

    On the wire a request is `[request id]? [empty delimiter] [body ...]`
    (the 4-byte id only with req_correlate, treated as opaque), sent
    round-robin. A reply is accepted only from the peer that got the
    request, only with the delimiter (and the id), and only once.

    Replies can be moved towards the application ahead of its recv(), so
    each accepted reply is tagged with the sequence number of its request;
    the application side drops any reply whose request has since been
    superseded (req_relaxed), so a late reply can never answer the wrong
    request.

    Recovery (options of ours, wire-compatible with any REP or ROUTER):
    - req_fail_on_disconnect: losing the connection that carried the
      outstanding request makes recv() fail with request_lost at once, where
      libzmq's REQ would wait forever.
    - req_timeout / req_retries (lazy pirate): on timeout or loss the request
      is sent again, with a new correlation id, so a late reply to an earlier
      attempt is discarded; after the last retry recv() fails with
      retries_exhausted. A request may reach a server more than once.

    @see RFC 28/REQREP
*/

#include "patterns/dealer.hpp"

#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <optional>

namespace zmtp::patterns {

class req_pattern final : public dealer_pattern {
public:
    explicit req_pattern(pattern_host& host);
    void options_changed(const socket_options& o) override;

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void terminated(pipe& p) override;
    void disconnected(pipe& p) override;
    void writable(pipe& p, std::size_t freed) override;
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override;

    std::error_code front_send(zmtp::message& m) override;
    void front_sent() override;
    std::error_code front_recv_allowed() override;
    bool front_send_allowed() const noexcept override
    {
        return !awaiting_.load(std::memory_order_acquire) || relaxed_.load(std::memory_order_relaxed);
    }
    bool front_received(zmtp::message& m, std::error_code& ec) override;

private:
    bool lazy() const noexcept;
    bool correlate() const noexcept;
    /// Puts the envelope on `m` and routes it; false (m unchanged) if no peer has room.
    bool dispatch(zmtp::message& m, bool resend);
    void arm_timer();
    bool accepts_attempt(const zmtp::message& m) const;
    bool any_connected_peer();
    /// The pipe's connection is lost; `gone`: the pipe itself goes away.
    void lost(pipe& p, bool gone);
    void retry();
    void fail(std::error_code ec);

    // Strand state.
    pipe* reply_pipe_ = nullptr;
    pipe* last_pipe_ = nullptr; // where the latest attempt went
    std::uint32_t request_id_;     // id of the latest attempt
    std::uint32_t first_attempt_id_ = 0; // id of the current request's first attempt
    std::uint64_t seq_ = 0;
    std::optional<zmtp::message> request_; // body kept for resends (lazy pirate)
    bool resend_waiting_ = false;          // a resend found no peer with room
    int retries_left_ = 0;
    std::error_code pending_error_;        // delivered by the next recv()
    asio::steady_timer timer_;
    std::uint64_t timer_gen_ = 0;
    // Front-end state.
    std::atomic<bool> awaiting_{false};
    std::atomic<bool> relaxed_; // req_relaxed, read by the front end on any thread
    std::atomic<std::uint64_t> front_seq_{0};
};

} // namespace zmtp::patterns
