// SPDX-License-Identifier: MIT
#pragma once

/** @file
    REP: receives a request, sends its reply, in lockstep.

    Underneath it is a ROUTER. The envelope -- every frame up to and
    including the first empty one, plus the peer's internal routing id --
    stays attached to each request while it is queued, and is taken off
    only when the application receives it, then put back on the reply. So
    requests can be queued ahead of the application without mixing up who
    gets which reply.

    @see RFC 28/REQREP
*/

#include "patterns/router.hpp"

#include <vector>

namespace zmtp::patterns {

class rep_pattern final : public router_pattern {
public:
    explicit rep_pattern(pattern_host& host) : router_pattern(host, false) {}

    std::error_code front_send(zmtp::message& m) override;
    void front_sent() override;
    void front_send_failed(zmtp::message& m) override;
    std::error_code front_recv_allowed() override;
    bool front_send_allowed() const noexcept override { return replying_; }
    bool front_received(zmtp::message& m, std::error_code& ec) override;
    bool sync_send() const noexcept override { return false; }

private:
    // Front-end state: used by one caller at a time, as REP's lockstep implies.
    bool replying_ = false;
    std::vector<zmtp::frame> envelope_;
};

} // namespace zmtp::patterns
