// SPDX-License-Identifier: MIT
#include "zmtp/authenticator.hpp"

#include <cstring>

namespace zmtp {
namespace {

zap_reply refused(int code = 400)
{
    zap_reply r;
    r.status_code = code;
    return r;
}

template <class Map>
auto find_domain(const Map& m, const std::string& domain)
{
    auto it = m.find(domain);
    return it != m.end() ? it : m.find("*");
}

} // namespace

std::shared_ptr<authenticator> make_authenticator(std::function<zap_reply(const zap_request&)> decide)
{
    struct function_authenticator final : authenticator {
        std::function<zap_reply(const zap_request&)> fn;
        void authenticate(const zap_request& r, std::function<void(zap_reply)> answer) override
        {
            answer(fn(r));
        }
    };
    auto a = std::make_shared<function_authenticator>();
    a->fn = std::move(decide);
    return a;
}

void standard_authenticator::allow(std::string address)
{
    std::lock_guard lock(mutex_);
    allow_.insert(std::move(address));
}

void standard_authenticator::deny(std::string address)
{
    std::lock_guard lock(mutex_);
    deny_.insert(std::move(address));
}

void standard_authenticator::add_plain_user(std::string user, std::string password,
                                            std::string domain)
{
    std::lock_guard lock(mutex_);
    users_[std::move(domain)][std::move(user)] = std::move(password);
}

void standard_authenticator::allow_curve_key(const curve_key& key, std::string domain)
{
    std::lock_guard lock(mutex_);
    keys_[std::move(domain)].insert(std::string(reinterpret_cast<const char*>(key.data()), key.size()));
}

void standard_authenticator::allow_any_curve(std::string domain)
{
    std::lock_guard lock(mutex_);
    any_curve_.insert(std::move(domain));
}

zap_reply standard_authenticator::decide(const zap_request& r) const
{
    std::lock_guard lock(mutex_);
    if (!allow_.empty() ? allow_.count(r.address) == 0 : deny_.count(r.address) != 0)
        return refused();
    zap_reply ok;
    switch (r.mech) {
    case mechanism::null:
        return ok;
    case mechanism::plain: {
        if (r.credentials.size() != 2)
            return refused();
        auto d = find_domain(users_, r.domain);
        if (d == users_.end())
            return refused();
        auto u = d->second.find(r.credentials[0]);
        const auto& pass = r.credentials[1];
        if (u == d->second.end() ||
            !constant_time_equal({reinterpret_cast<const std::byte*>(u->second.data()), u->second.size()},
                                 {reinterpret_cast<const std::byte*>(pass.data()), pass.size()}))
            return refused();
        ok.user_id = r.credentials[0];
        return ok;
    }
    case mechanism::curve: {
        if (r.credentials.size() != 1 || r.credentials[0].size() != 32)
            return refused();
        curve_key key;
        std::memcpy(key.data(), r.credentials[0].data(), 32);
        const bool any = any_curve_.count(r.domain) || any_curve_.count("*");
        auto d = find_domain(keys_, r.domain);
        if (!any && (d == keys_.end() || d->second.count(r.credentials[0]) == 0))
            return refused();
        ok.user_id = curve_key_to_z85(key);
        return ok;
    }
    default:
        return refused();
    }
}

void standard_authenticator::authenticate(const zap_request& request,
                                          std::function<void(zap_reply)> answer)
{
    answer(decide(request));
}

} // namespace zmtp
