// SPDX-License-Identifier: MIT
#include "patterns/xpub.hpp"

#include "zmtp/socket_error.hpp"

#include <algorithm>
#include <cstring>

namespace zmtp::patterns {

void xpub_pattern::attach(pipe& p)
{
    auto s = std::make_unique<subscriber>();
    s->p = &p;
    subscribers_.emplace(&p, std::move(s));
    fq_.attach(p);
}

xpub_pattern::subscriber* xpub_pattern::find(pipe& p)
{
    auto it = subscribers_.find(&p);
    return it == subscribers_.end() ? nullptr : it->second.get();
}

bool xpub_pattern::unlink(subscriber& s, std::string_view topic)
{
    auto* v = subs_.find(topic);
    if (v == nullptr)
        return false;
    auto it = std::find(v->begin(), v->end(), &s);
    if (it == v->end())
        return false;
    *it = v->back(); // the order of a topic's subscribers does not matter
    v->pop_back();
    if (!v->empty())
        return false;
    subs_.prune(topic, [](const std::vector<subscriber*>& x) { return x.empty(); });
    return true;
}

void xpub_pattern::forget(subscriber& s)
{
    // Only this peer's topics are visited: a departure costs what the peer
    // subscribed, however many subscriptions the other peers hold.
    auto topics = std::move(s.topics);
    s.topics.clear();
    s.cost = 0;
    for (const auto& topic : topics)
        if (unlink(s, topic))
            notify(*s.p, false, topic);
}

void xpub_pattern::detach(pipe& p)
{
    if (last_ == &p)
        last_ = nullptr;
    if (auto* s = find(p)) {
        forget(*s);
        subscribers_.erase(&p);
    }
    // The pipe goes now: what it holds for the application (notifications
    // above all) moves to the socket's own queue, in order.
    while (xpub_ && p.has_in())
        orphans_.push_back(p.pop_in());
    fq_.detach(p);
    if (!orphans_.empty())
        host_.readable();
}

void xpub_pattern::terminated(pipe& p)
{
    if (auto* s = find(p)) {
        forget(*s); // p stays readable until drained, its notifications with it
        subscribers_.erase(&p);
    }
    if (xpub_ && p.has_in())
        host_.readable();
}

void xpub_pattern::connected(pipe& p)
{
    // xpub_welcome_msg: to each new subscriber, ahead of any publication
    // (its SUB filters it like any other: subscribe to its prefix).
    const auto& welcome = host_.options().xpub_welcome_msg;
    if (xpub_ && !welcome.empty())
        p.write_first(zmtp::message(std::string_view(welcome)));
}

void xpub_pattern::disconnected(pipe& p)
{
    // A connecting XPUB's peer sends all its subscriptions again when it
    // reconnects; the ones it held until now go.
    if (auto* s = find(p))
        forget(*s);
    if (xpub_ && p.has_in())
        host_.readable();
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
    host_.writable();
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
    subscriber* s = find(p);
    if (s == nullptr)
        return; // a departing peer
    if (xpub_ && host_.options().xpub_manual) {
        // The application decides (manual_subscription()): it hears of all.
        notify(p, subscribe, topic.view());
        return;
    }
    apply(*s, subscribe, topic.view(), true);
}

void xpub_pattern::manual_subscription(bool subscribe, std::string_view topic)
{
    if (last_ == nullptr)
        return;
    if (subscriber* s = find(*last_))
        apply(*s, subscribe, topic, false);
}

void xpub_pattern::apply(subscriber& s, bool subscribe, std::string_view key, bool report)
{
    pipe& p = *s.p;
    const auto& opts = host_.options();
    if (subscribe) {
        if (s.topics.contains(key)) {
            if (report && (opts.xpub_verbose || opts.xpub_verboser))
                notify(p, true, key);
            return;
        }
        const std::size_t cost = key.size() + socket_options::subscription_overhead;
        if (opts.max_subscription_bytes != 0 && s.cost + cost > opts.max_subscription_bytes) {
            host_.reject(p, socket_error::subscription_limit);
            return;
        }
        s.topics.emplace(key);
        s.cost += cost;
        auto& v = subs_.at(key);
        v.push_back(&s);
        if (report && (v.size() == 1 || opts.xpub_verbose || opts.xpub_verboser))
            notify(p, true, key);
        host_.subscriptions_changed();
        return;
    }
    // Cancelling what was never subscribed is ignored, as libzmq does.
    const auto it = s.topics.find(key);
    if (it == s.topics.end())
        return;
    s.topics.erase(it);
    s.cost -= key.size() + socket_options::subscription_overhead;
    const bool last = unlink(s, key);
    if (report && (last || opts.xpub_verboser))
        notify(p, false, key);
}

bool xpub_pattern::has_subscriber(std::string_view topic)
{
    bool found = false;
    subs_.for_each_prefix_of(topic, [&](std::vector<subscriber*>& v) { found = found || !v.empty(); });
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
    subs_.for_each_prefix_of(m.front().view(), [&](std::vector<subscriber*>& v) {
        for (subscriber* s : v)
            if (s->stamp != stamp_) {
                s->stamp = stamp_;
                matched_.push_back(s);
            }
    });
    if (host_.options().invert_matching) {
        // invert_matching: everyone the match did not stamp.
        matched_.clear();
        for (auto& [p, s] : subscribers_)
            if (s->stamp != stamp_)
                matched_.push_back(s.get());
    }
    if (host_.options().xpub_nodrop) {
        for (const subscriber* s : matched_)
            if (!s->p->can_write())
                return socket_error::would_block;
    }
    // The last peer takes the original; the others get copies, which share
    // every body too large to be stored inline.
    for (std::size_t i = 0; i < matched_.size(); ++i) {
        pipe* p = matched_[i]->p;
        if (!p->can_write()) {
            // RFC 29: "SHALL silently drop the message" for a subscriber at its HWM.
            p->count_drop();
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
        last_ = nullptr; // its peer is gone
        return true;
    }
    pipe* from = nullptr;
    if (!fq_.recv(m, &from))
        return false;
    last_ = from;
    return true;
}

} // namespace zmtp::patterns
