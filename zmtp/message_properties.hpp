// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `message_properties`: the properties of the peer a message came from,
    shared by all its messages through an intrusive count -- one pointer in
    each message, so that a message that carries none (most) costs a null
    pointer when it is moved, and nothing more.
*/

#include "zmtp/metadata.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zmtp {

/** A counted, immutable property set. Build with make(); copies share it. */
class message_properties {
public:
    message_properties() noexcept = default;
    /// A set holding `md`.
    static message_properties make(metadata md)
    {
        message_properties p;
        p.rep_ = new rep{std::move(md), {}};
        p.rep_->md.for_each([&](const property& prop) {
            p.rep_->strings.emplace_back(std::string(prop.name), std::string(prop.value));
        });
        return p;
    }
    message_properties(const message_properties& o) noexcept : rep_(o.rep_) { add_ref(); }
    message_properties(message_properties&& o) noexcept : rep_(std::exchange(o.rep_, nullptr)) {}
    message_properties& operator=(message_properties&& o) noexcept
    {
        rep* old = std::exchange(rep_, std::exchange(o.rep_, nullptr));
        if (old) [[unlikely]]
            drop(old);
        return *this;
    }
    message_properties& operator=(const message_properties& o) noexcept
    {
        if (o.rep_)
            o.rep_->refs.fetch_add(1, std::memory_order_relaxed);
        rep* old = std::exchange(rep_, o.rep_);
        if (old)
            drop(old);
        return *this;
    }
    ~message_properties()
    {
        if (rep_) [[unlikely]]
            drop(rep_);
    }

    explicit operator bool() const noexcept { return rep_ != nullptr; }
    /// The properties; null when empty.
    const metadata* get() const noexcept { return rep_ ? &rep_->md : nullptr; }
    /** The value of `name` as a NUL-terminated string that lives as long as
        the set (what libzmq's zmq_msg_gets() returns), or null. */
    const char* c_str(std::string_view name) const noexcept
    {
        if (!rep_)
            return nullptr;
        for (const auto& [n, v] : rep_->strings)
            if (iequals(n, name))
                return v.c_str();
        return nullptr;
    }

    /// @internal Gives up the reference as an opaque handle (the C API's zmq_msg_t holds it).
    void* release_handle() noexcept { return std::exchange(rep_, nullptr); }
    /// @internal Takes back a handle from release_handle().
    static message_properties adopt(void* h) noexcept
    {
        message_properties p;
        p.rep_ = static_cast<rep*>(h);
        return p;
    }

private:
    struct rep {
        metadata md;
        std::vector<std::pair<std::string, std::string>> strings; // NUL-terminated copies
        std::atomic<std::uint32_t> refs{1};
    };
    void add_ref() noexcept
    {
        if (rep_)
            rep_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    static void drop(rep* r) noexcept
    {
        if (r->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
            delete r;
    }
    rep* rep_ = nullptr;
};

} // namespace zmtp
