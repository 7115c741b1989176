// SPDX-License-Identifier: MIT
#pragma once

/** @file
    @internal `async_op`: a type-erased asynchronous operation (Asio 1.22
    has no any_completion_handler). The socket's templates wrap a completion
    handler in one and hand it to the library, which parks it until it can
    complete; completing it posts the handler to its own executor -- never
    inline, as Asio requires.
*/

#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include <cstdint>
#include <functional>
#include <tuple>
#include <utility>

namespace zmtp::detail {

template <class... Args>
class async_op {
public:
    virtual ~async_op() = default;
    /// Posts the handler with `args`; the op may be destroyed afterwards.
    virtual void complete(Args... args) = 0;
    /// Installs `fn` as the per-operation cancellation handler, if the
    /// handler has a cancellation slot. `fn` runs on the emitting thread.
    virtual void on_cancel(std::function<void()> fn) = 0;
    std::uint64_t id = 0;
};

template <class Handler, class... Args>
class async_op_impl final : public async_op<Args...> {
public:
    async_op_impl(Handler&& h, const asio::any_io_executor& fallback)
        : handler_(std::move(h)), work_(asio::get_associated_executor(handler_, fallback))
    {
    }

    void complete(Args... args) override
    {
        auto slot = asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected())
            slot.clear();
        auto ex = work_.get_executor();
        asio::post(ex, [h = std::move(handler_), t = std::make_tuple(std::move(args)...)]() mutable {
            std::apply(std::move(h), std::move(t));
        });
        work_.reset();
    }

    void on_cancel(std::function<void()> fn) override
    {
        auto slot = asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected())
            slot.assign([fn = std::move(fn)](asio::cancellation_type) { fn(); });
    }

private:
    Handler handler_;
    asio::executor_work_guard<asio::associated_executor_t<Handler, asio::any_io_executor>> work_;
};

} // namespace zmtp::detail
