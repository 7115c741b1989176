// SPDX-License-Identifier: MIT
#include "patterns/xpub.hpp"

#include "patterns/error.hpp"
#include "patterns/session.hpp"
#include "patterns/socket_core.hpp"

#include <algorithm>
#include <cstring>

namespace zmtp::patterns {
namespace {

bool is_empty(const std::vector<pipe*>& v) { return v.empty(); }

} // namespace

void xpub_pattern::attach(pipe& p)
{
    peers_.try_emplace(&p);
    fq_.attach(p);
}

bool xpub_pattern::unlink(pipe& p, std::string_view topic)
{
    auto* v = subs_.find(topic);
    if (v == nullptr)
        return false;
    auto it = std::find(v->begin(), v->end(), &p);
    if (it == v->end())
        return false;
    *it = v->back(); // the order of a topic's subscribers does not matter
    v->pop_back();
    if (!v->empty())
        return false;
    subs_.prune(topic, is_empty);
    return true;
}

void xpub_pattern::forget(pipe& p)
{
    auto it = peers_.find(&p);
    if (it == peers_.end())
        return;
    // Only this peer's topics are visited: a departure costs what the peer
    // subscribed, however many subscriptions the other peers hold.
    auto topics = std::move(it->second.topics);
    peers_.erase(it);
    for (const auto& topic : topics)
        if (unlink(p, topic))
            notify(p, false, topic);
}

void xpub_pattern::detach(pipe& p)
{
    forget(p);
    // The pipe goes now: what it holds for the application (notifications
    // above all) moves to the socket's own queue, in order.
    while (xpub_ && p.has_in())
        orphans_.push_back(p.pop_in());
    fq_.detach(p);
    if (!orphans_.empty())
        core_.on_incoming();
}

void xpub_pattern::terminated(pipe& p)
{
    forget(p); // p stays readable until drained, its notifications with it
    if (xpub_ && p.has_in())
        core_.on_incoming();
}

void xpub_pattern::disconnected(pipe& p)
{
    // A connecting XPUB's peer sends all its subscriptions again when it
    // reconnects; the ones it held until now go.
    forget(p);
    peers_.try_emplace(&p);
    if (xpub_ && p.has_in())
        core_.on_incoming();
}

void xpub_pattern::readable(pipe& p)
{
    if (xpub_) {
        fq_.activated(p);
        return;
    }
    // PUB has no receive side: data a subscriber sends upstream is dropped.
    while (p.has_in())
        p.pop_in();
}

void xpub_pattern::writable(pipe&, std::size_t)
{
    core_.notify_writable();
}

void xpub_pattern::notify(pipe& p, bool subscribe, std::string_view topic)
{
    if (!xpub_)
        return;
    zmtp::frame f(topic.size() + 1);
    f.data()[0] = std::byte(subscribe ? 1 : 0);
    if (!topic.empty())
        std::memcpy(f.data() + 1, topic.data(), topic.size());
    p.push_in(zmtp::message(std::move(f)));
    fq_.activated(p);
}

void xpub_pattern::subscription(pipe& p, bool subscribe, zmtp::frame topic)
{
    auto peer = peers_.find(&p);
    if (peer == peers_.end())
        return; // a departing peer
    const auto key = topic.view();
    const auto& opts = core_.options();
    auto& mine = peer->second;
    if (subscribe) {
        if (mine.topics.contains(key)) {
            if (opts.xpub_verbose || opts.xpub_verboser)
                notify(p, true, key);
            return;
        }
        const std::size_t cost = key.size() + socket_options::subscription_overhead;
        if (opts.max_subscription_bytes != 0 && mine.cost + cost > opts.max_subscription_bytes) {
            p.owner().drop_connection(socket_error::subscription_limit);
            return;
        }
        mine.topics.emplace(key);
        mine.cost += cost;
        auto& v = subs_.at(key);
        v.push_back(&p);
        if (v.size() == 1 || opts.xpub_verbose || opts.xpub_verboser)
            notify(p, true, key);
        core_.check_waits();
        return;
    }
    // Cancelling what was never subscribed is ignored, as libzmq does.
    const auto it = mine.topics.find(key);
    if (it == mine.topics.end())
        return;
    mine.topics.erase(it);
    mine.cost -= key.size() + socket_options::subscription_overhead;
    const bool last = unlink(p, key);
    if (last || opts.xpub_verboser)
        notify(p, false, key);
}

bool xpub_pattern::has_subscriber(std::string_view topic)
{
    bool found = false;
    subs_.for_each_prefix_of(topic, [&](std::vector<pipe*>& v) { found = found || !v.empty(); });
    return found;
}

std::error_code xpub_pattern::send(zmtp::message& m)
{
    if (m.empty())
        return {};
    // RFC 29: a publisher "SHALL ... send a message only to subscribers whose
    // subscription matches its first frame" (a prefix match of bytes).
    ++stamp_;
    matched_.clear();
    subs_.for_each_prefix_of(m.front().view(), [&](std::vector<pipe*>& v) {
        for (pipe* p : v)
            if (p->match_stamp != stamp_) {
                p->match_stamp = stamp_;
                matched_.push_back(p);
            }
    });
    if (core_.options().xpub_nodrop) {
        for (pipe* p : matched_)
            if (!p->can_write())
                return socket_error::would_block;
    }
    // The last peer takes the original; the others get copies, which share
    // every body too large to be stored inline.
    for (std::size_t i = 0; i < matched_.size(); ++i) {
        pipe* p = matched_[i];
        if (!p->can_write()) {
            // RFC 29: "SHALL silently drop the message" for a subscriber at its HWM.
            ++p->dropped;
            continue;
        }
        if (i + 1 == matched_.size())
            p->write(std::move(m));
        else
            p->write(zmtp::message(m));
    }
    m.clear();
    return {};
}

bool xpub_pattern::recv(zmtp::message& m)
{
    if (!orphans_.empty()) {
        m = orphans_.pop_front();
        return true;
    }
    return fq_.recv(m);
}

} // namespace zmtp::patterns
