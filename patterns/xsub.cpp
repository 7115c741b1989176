// SPDX-License-Identifier: MIT
#include "patterns/xsub.hpp"

#include "patterns/session.hpp"
#include "zmtp/command.hpp"

#include <algorithm>

namespace zmtp::patterns {
namespace {

bool is_zero(const std::size_t& n) { return n == 0; }

} // namespace

void xsub_pattern::attach(pipe& p)
{
    pipes_.push_back(&p);
    fq_.attach(p);
}

void xsub_pattern::forget(pipe& p)
{
    std::erase(pipes_, &p);
}

void xsub_pattern::detach(pipe& p)
{
    forget(p);
    fq_.detach(p);
}

void xsub_pattern::terminated(pipe& p)
{
    forget(p);
}

void xsub_pattern::connected(pipe& p)
{
    // RFC 29: a subscriber "SHALL ... send all its subscriptions" to a peer
    // when it connects -- on every reconnect too, at once.
    subs_.for_each([&](std::string_view topic, std::size_t& refs) {
        if (refs > 0)
            p.owner().send_subscription(true, zmtp::as_bytes(topic));
    });
}

void xsub_pattern::broadcast(bool subscribe, std::string_view topic)
{
    for (pipe* p : pipes_)
        p->owner().send_subscription(subscribe, zmtp::as_bytes(topic));
}

void xsub_pattern::subscribe(std::string_view topic)
{
    if (++subs_.at(topic) == 1)
        broadcast(true, topic);
}

void xsub_pattern::unsubscribe(std::string_view topic)
{
    auto* refs = subs_.find(topic);
    // libzmq sends nothing for a topic that was never subscribed.
    if (refs == nullptr || *refs == 0)
        return;
    if (--*refs == 0) {
        subs_.prune(topic, is_zero);
        broadcast(false, topic);
    }
}

bool xsub_pattern::matches(std::string_view topic)
{
    bool found = false;
    subs_.for_each_prefix_of(topic, [&](std::size_t& refs) { found = found || refs > 0; });
    return found;
}

std::error_code xsub_pattern::send(zmtp::message& m)
{
    if (m.size() == 1 && !m.front().empty()) {
        const auto b = std::to_integer<unsigned>(m.front().data()[0]);
        if (b <= 1) {
            const auto topic = m.front().view().substr(1);
            if (b == 1) {
                // Every subscribe goes upstream, so XPUB_VERBOSE works through proxies.
                ++subs_.at(topic);
                broadcast(true, topic);
            } else {
                unsubscribe(topic);
            }
            m.clear();
            return {};
        }
    }
    // Anything else goes to every publisher, dropped where a queue is full.
    for (std::size_t i = 0; i < pipes_.size(); ++i) {
        pipe* p = pipes_[i];
        if (!p->can_write()) {
            p->count_drop();
            continue;
        }
        p->write(i + 1 == pipes_.size() ? std::move(m) : zmtp::message(m));
    }
    m.clear();
    return {};
}

bool xsub_pattern::recv(zmtp::message& m)
{
    while (fq_.recv(m)) {
        // RFC 29: SUB "SHALL ... [filter] incoming messages" -- on the first frame.
        // invert_matching: what does NOT match is delivered.
        if (xsub_ || (!m.empty() && matches(m.front().view()) != host_.options().invert_matching))
            return true;
    }
    return false;
}

} // namespace zmtp::patterns
