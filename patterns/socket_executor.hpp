// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `socket_executor<Inner>`: the executor every handler of a socket runs
    on. It wraps the socket's strand (or the io_context's executor, when
    the context has one thread), and runs each handler owning the socket
    (socket_owner): so that an application thread that has taken ownership
    inside send() or recv() and the I/O thread never touch the socket at
    once. Properties are those of the inner executor.
*/

#include "patterns/socket_owner.hpp"

#include <asio/execution.hpp>
#include <asio/query.hpp>
#include <asio/prefer.hpp>
#include <asio/require.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace zmtp::patterns {

template <class Inner>
class socket_executor {
public:
    socket_executor(Inner inner, std::shared_ptr<socket_owner> owner) noexcept
        : inner_(std::move(inner)), owner_(std::move(owner))
    {
    }

    const Inner& inner() const noexcept { return inner_; }
    const std::shared_ptr<socket_owner>& owner() const noexcept { return owner_; }

    template <class Property>
    auto query(const Property& p) const noexcept(noexcept(asio::query(std::declval<const Inner&>(), p)))
        -> std::enable_if_t<asio::can_query<const Inner&, Property>::value,
                            decltype(asio::query(std::declval<const Inner&>(), p))>
    {
        return asio::query(inner_, p);
    }

    template <class Property>
    auto require(const Property& p) const
        -> std::enable_if_t<asio::can_require<const Inner&, Property>::value,
                            socket_executor<std::decay_t<decltype(asio::require(
                                std::declval<const Inner&>(), p))>>>
    {
        return {asio::require(inner_, p), owner_};
    }

    template <class Property>
    auto prefer(const Property& p) const
        -> std::enable_if_t<asio::can_prefer<const Inner&, Property>::value,
                            socket_executor<std::decay_t<decltype(asio::prefer(
                                std::declval<const Inner&>(), p))>>>
    {
        return {asio::prefer(inner_, p), owner_};
    }

    template <class F>
    void execute(F&& f) const
    {
        asio::execution::execute(
            inner_, [owner = owner_, f = std::forward<F>(f)]() mutable { owner->run(std::move(f)); });
    }

    friend bool operator==(const socket_executor& a, const socket_executor& b) noexcept
    {
        return a.owner_ == b.owner_ && a.inner_ == b.inner_;
    }
    friend bool operator!=(const socket_executor& a, const socket_executor& b) noexcept
    {
        return !(a == b);
    }

private:
    Inner inner_;
    std::shared_ptr<socket_owner> owner_;
};

} // namespace zmtp::patterns
