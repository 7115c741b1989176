// SPDX-License-Identifier: MIT
#pragma once

/** @file
    REQ: sends a request, receives its reply, in lockstep.

    On the wire a request is `[request id]? [empty delimiter] [body ...]`
    (the 4-byte id only with req_correlate, treated as opaque), sent
    round-robin. A reply is accepted only from the peer that got the
    request, only with the delimiter (and the id), and only once.

    Replies can be moved towards the application ahead of its recv(), so
    each accepted reply is tagged with the sequence number of its request;
    the application side drops any reply whose request has since been
    superseded (req_relaxed), so a late reply can never answer the wrong
    request.

    @see RFC 28/REQREP
*/

#include "patterns/dealer.hpp"

#include <atomic>
#include <cstdint>

namespace zmtp::patterns {

class req_pattern final : public dealer_pattern {
public:
    explicit req_pattern(socket_core& core);

    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override;

    std::error_code front_send(zmtp::message& m) override;
    void front_sent() override;
    std::error_code front_recv_allowed() override;
    bool front_received(zmtp::message& m) override;

private:
    // Strand state.
    pipe* reply_pipe_ = nullptr;
    std::uint32_t request_id_;
    std::uint64_t seq_ = 0;
    // Front-end state.
    std::atomic<bool> awaiting_{false};
    std::atomic<std::uint64_t> front_seq_{0};
};

} // namespace zmtp::patterns
