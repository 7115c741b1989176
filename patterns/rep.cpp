// SPDX-License-Identifier: MIT
#include "patterns/rep.hpp"

#include "zmtp/socket_error.hpp"

namespace zmtp::patterns {

std::error_code rep_pattern::front_send(zmtp::message& m)
{
    // RFC 28: REP "SHALL ... send exactly one reply" to each request, in turn.
    if (!replying_)
        return socket_error::bad_state;
    for (auto it = envelope_.rbegin(); it != envelope_.rend(); ++it)
        m.push_front(*it);
    return {};
}

void rep_pattern::front_sent()
{
    replying_ = false;
    envelope_.clear();
}

void rep_pattern::front_send_failed(zmtp::message& m)
{
    for (std::size_t i = 0; i < envelope_.size() && !m.empty(); ++i)
        m.pop_front();
}

std::error_code rep_pattern::front_recv_allowed()
{
    if (replying_)
        return socket_error::bad_state;
    return {};
}

bool rep_pattern::front_received(zmtp::message& m, std::error_code&)
{
    // [routing id] [hops ...] [empty delimiter] [body ...]
    std::size_t delimiter = 0;
    for (std::size_t i = 1; i < m.size(); ++i)
        if (m[i].empty()) {
            delimiter = i;
            break;
        }
    // RFC 28: REP "SHALL silently discard" a request without a delimiter.
    if (delimiter == 0)
        return false;
    envelope_.clear();
    for (std::size_t i = 0; i <= delimiter; ++i)
        envelope_.push_back(m.pop_front());
    replying_ = true;
    return true;
}

} // namespace zmtp::patterns
