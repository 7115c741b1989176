// SPDX-License-Identifier: MIT
#include "patterns/inproc_registry.hpp"

#include "transport/endpoint.hpp"
#include "zmtp/error.hpp"

#include <asio/post.hpp>

namespace zmtp::patterns {

void inproc_registry::bind(const std::string& name, const std::shared_ptr<binder>& b,
                           std::error_code& ec)
{
    std::vector<std::shared_ptr<connecter>> paired;
    std::vector<std::shared_ptr<connecter>> refused;
    {
        std::lock_guard lock(mutex_);
        auto& e = names_[name];
        if (!e.bound.expired()) {
            ec = transport::transport_error::address_in_use;
            return;
        }
        e.bound = b;
        std::vector<std::weak_ptr<connecter>> still;
        for (auto& w : e.waiting) {
            auto c = w.lock();
            if (!c)
                continue;
            if (zmtp::is_compatible(c->side.type, b->side.type)) {
                paired.push_back(std::move(c));
            } else {
                refused.push_back(c);
                still.push_back(w);
            }
        }
        e.waiting = std::move(still);
    }
    ec.clear();
    // Outside the lock: what follows runs the sockets' own code.
    for (auto& c : paired) {
        auto engines = transport::inproc_engine::make_pair(c->side, b->side, name);
        asio::post(c->side.executor, [w = std::weak_ptr<connecter>(c), e = std::move(engines[0])] {
            if (auto alive = w.lock())
                alive->connected(e);
        });
        b->accept(std::move(engines[1]));
    }
    for (auto& c : refused)
        asio::post(c->side.executor, [w = std::weak_ptr<connecter>(c)] {
            if (auto alive = w.lock())
                alive->refused(zmtp::error::incompatible_socket_type);
        });
}

void inproc_registry::unbind(const std::string& name, const binder* b)
{
    std::lock_guard lock(mutex_);
    const auto it = names_.find(name);
    if (it == names_.end())
        return;
    if (it->second.bound.lock().get() == b)
        it->second.bound.reset();
    if (it->second.bound.expired() && it->second.waiting.empty())
        names_.erase(it);
}

void inproc_registry::unbind_all(const void* owner)
{
    std::lock_guard lock(mutex_);
    for (auto it = names_.begin(); it != names_.end();) {
        auto& e = it->second;
        if (auto b = e.bound.lock(); b && b->owner == owner)
            e.bound.reset();
        if (e.bound.expired() && e.waiting.empty())
            it = names_.erase(it);
        else
            ++it;
    }
}

inproc_registry::engine_ptr inproc_registry::connect(const std::string& name,
                                                     const std::shared_ptr<connecter>& c,
                                                     std::error_code& ec)
{
    std::shared_ptr<binder> b;
    {
        std::lock_guard lock(mutex_);
        auto& e = names_[name];
        b = e.bound.lock();
        if (!b) {
            // Not bound yet: wait for it (forgetting those gone meanwhile).
            std::erase_if(e.waiting, [](const auto& w) { return w.expired(); });
            e.waiting.push_back(c);
            ec.clear();
            return nullptr;
        }
    }
    if (!zmtp::is_compatible(c->side.type, b->side.type)) {
        ec = zmtp::error::incompatible_socket_type;
        return nullptr;
    }
    ec.clear();
    auto engines = transport::inproc_engine::make_pair(c->side, b->side, name);
    // The binder's side is accepted on its executor, before anything this
    // side sends (which follows on the same executor).
    asio::post(b->side.executor, [w = std::weak_ptr<binder>(b), e = std::move(engines[1])] {
        if (auto alive = w.lock())
            alive->accept(e);
    });
    return std::move(engines[0]);
}

bool inproc_registry::is_bound(std::string_view name)
{
    std::lock_guard lock(mutex_);
    auto it = names_.find(name);
    return it != names_.end() && !it->second.bound.expired();
}

} // namespace zmtp::patterns
