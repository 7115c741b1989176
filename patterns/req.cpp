// SPDX-License-Identifier: MIT
#include "patterns/req.hpp"

#include "patterns/error.hpp"
#include "patterns/socket_core.hpp"

#include <cstring>
#include <random>

namespace zmtp::patterns {
namespace {

zmtp::frame seq_tag(std::uint64_t seq)
{
    return zmtp::frame(&seq, sizeof seq);
}

} // namespace

req_pattern::req_pattern(socket_core& core)
    : dealer_pattern(core, false), request_id_(static_cast<std::uint32_t>(std::random_device{}()))
{
}

std::error_code req_pattern::send(zmtp::message& m)
{
    const bool correlate = core_.options().req_correlate;
    // RFC 28: REQ "SHALL prefix the outgoing message with an empty delimiter frame".
    m.push_front(zmtp::frame());
    if (correlate) {
        const std::uint32_t id = request_id_ + 1;
        // libzmq copies the id in host byte order; peers echo it as opaque bytes.
        m.push_front(zmtp::frame(&id, sizeof id));
    }
    pipe* p = send_lb(m);
    if (p == nullptr) {
        m.pop_front();
        if (correlate)
            m.pop_front();
        return socket_error::would_block;
    }
    if (correlate)
        ++request_id_;
    ++seq_;
    reply_pipe_ = p;
    return {};
}

bool req_pattern::recv(zmtp::message& m)
{
    const bool correlate = core_.options().req_correlate;
    pipe* from = nullptr;
    while (recv_fq(m, from)) {
        // RFC 28: REQ "SHALL accept an incoming message only from the last
        // peer that it sent a request to"; anything else is discarded.
        if (from != reply_pipe_)
            continue;
        std::size_t at = 0;
        if (correlate) {
            if (m.size() < 2 || m[0].size() != sizeof request_id_ ||
                std::memcmp(m[0].data(), &request_id_, sizeof request_id_) != 0)
                continue;
            at = 1;
        }
        // RFC 28: REQ "SHALL ... discard the message if [the delimiter] is not empty".
        if (m.size() <= at + 1 || !m[at].empty())
            continue;
        for (std::size_t i = 0; i <= at; ++i)
            m.pop_front();
        reply_pipe_ = nullptr; // one reply per request
        m.push_front(seq_tag(seq_));
        return true;
    }
    return false;
}

std::error_code req_pattern::front_send(zmtp::message&)
{
    if (awaiting_.load(std::memory_order_acquire) && !core_.req_relaxed())
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

bool req_pattern::front_received(zmtp::message& m)
{
    std::uint64_t seq = 0;
    const zmtp::frame tag = m.pop_front();
    std::memcpy(&seq, tag.data(), sizeof seq);
    if (seq != front_seq_.load(std::memory_order_acquire))
        return false; // the reply to a request that was superseded
    awaiting_.store(false, std::memory_order_release);
    return true;
}

} // namespace zmtp::patterns
