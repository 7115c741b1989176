// SPDX-License-Identifier: MIT
#include "patterns/xpub.hpp"

#include "patterns/error.hpp"
#include "patterns/socket_core.hpp"

#include <algorithm>
#include <cstring>

namespace zmtp::patterns {
namespace {

std::string_view as_view(const zmtp::frame& f) { return f.view(); }

bool is_empty(const std::vector<pipe*>& v) { return v.empty(); }

} // namespace

void xpub_pattern::attach(pipe& p)
{
    p.member = true;
    ++peers_;
    fq_.attach(p);
}

void xpub_pattern::forget(pipe& p)
{
    if (!p.member)
        return;
    p.member = false;
    // A departed subscriber's subscriptions go with it; the application
    // hears of each topic that has no subscriber left.
    std::vector<std::string> emptied;
    subs_.for_each([&](std::string_view key, std::vector<pipe*>& v) {
        auto it = std::find(v.begin(), v.end(), &p);
        if (it == v.end())
            return;
        v.erase(it);
        if (v.empty())
            emptied.emplace_back(key);
    });
    for (const auto& topic : emptied) {
        subs_.prune(topic, is_empty);
        notify(false, topic);
    }
    --peers_;
}

void xpub_pattern::detach(pipe& p)
{
    forget(p);
    fq_.detach(p);
}

void xpub_pattern::terminated(pipe& p)
{
    forget(p);
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

void xpub_pattern::notify(bool subscribe, std::string_view topic)
{
    if (!xpub_)
        return;
    zmtp::frame f(topic.size() + 1);
    f.data()[0] = std::byte(subscribe ? 1 : 0);
    if (!topic.empty())
        std::memcpy(f.data() + 1, topic.data(), topic.size());
    notifications_.push_back(zmtp::message(std::move(f)));
    core_.on_incoming();
}

void xpub_pattern::subscription(pipe& p, bool subscribe, zmtp::frame topic)
{
    const auto key = as_view(topic);
    const auto& opts = core_.options();
    if (subscribe) {
        auto& v = subs_.at(key);
        const bool duplicate = std::find(v.begin(), v.end(), &p) != v.end();
        if (!duplicate)
            v.push_back(&p);
        const bool first = !duplicate && v.size() == 1;
        if (first || opts.xpub_verbose || opts.xpub_verboser)
            notify(true, key);
        core_.check_waits();
        return;
    }
    auto* v = subs_.find(key);
    if (v == nullptr)
        return; // cancelling what was never subscribed: ignored, as libzmq does
    auto it = std::find(v->begin(), v->end(), &p);
    if (it == v->end())
        return;
    v->erase(it);
    const bool last = v->empty();
    subs_.prune(key, is_empty);
    if (last || opts.xpub_verboser)
        notify(false, key);
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
    if (!notifications_.empty()) {
        m = notifications_.pop_front();
        return true;
    }
    return fq_.recv(m);
}

} // namespace zmtp::patterns
