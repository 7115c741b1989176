// SPDX-License-Identifier: MIT
#pragma once

/** @file
    @internal `async_op`: a type-erased asynchronous operation (Asio 1.22
    has no any_completion_handler). The socket's templates wrap a completion
    handler in one and hand it to the library, which parks it until it can
    complete; completing it posts the handler to its own executor.

    One exception: a coroutine (asio::use_awaitable, also through as_tuple
    or redirect_error) on the socket's own executor whose operation
    completes while it is being started -- a message was there, there was
    room -- is resumed at once, without a round trip through the scheduler
    (immediate_completion). Asio's awaitable machinery allows that: the
    coroutine is already suspended when the operation starts, and nothing
    of the starting frame is touched after the handler runs. The nesting
    this makes (a coroutine that receives in a loop resumes inside its own
    previous receive) is bounded: every max_depth-th completion is posted,
    which unwinds the stack.
*/

#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/recycling_allocator.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

// The handler types Asio 1.22 gives a coroutine's operations, declared
// here rather than included: a user's compile pays for them only if it uses
// coroutines.
namespace asio::detail {
template <typename, typename...>
class awaitable_handler;
template <typename Handler>
class redirect_error_handler;
} // namespace asio::detail
namespace asio::experimental::detail {
template <typename Handler>
class as_tuple_handler;
} // namespace asio::experimental::detail

namespace zmtp::detail {

/// Handlers that resume a coroutine of Asio's (see the file comment).
template <class H>
struct is_coroutine_handler : std::false_type {};
template <class Executor, class... T>
struct is_coroutine_handler<asio::detail::awaitable_handler<Executor, T...>> : std::true_type {};
template <class H>
struct is_coroutine_handler<asio::experimental::detail::as_tuple_handler<H>> : is_coroutine_handler<H> {};
template <class H>
struct is_coroutine_handler<asio::detail::redirect_error_handler<H>> : is_coroutine_handler<H> {};

/** Marks the operation being started on this thread: it may complete at
    once, inline, if its handler allows (see the file comment). */
class immediate_completion {
public:
    static constexpr int max_depth = 16;

    class scope {
    public:
        explicit scope(const void* op) noexcept : outer_(current_) { current_ = op; }
        ~scope() { current_ = outer_; }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;

    private:
        const void* outer_;
    };

    /// True if `op` is being started here and the nesting has room; then
    /// the caller runs the handler inside a nesting.
    static bool allowed(const void* op) noexcept { return current_ == op && depth_ < max_depth; }

    class nesting {
    public:
        nesting() noexcept
        {
            ++depth_;
            current_ = nullptr; // what the handler starts is its own operation
        }
        ~nesting() { --depth_; }
        nesting(const nesting&) = delete;
        nesting& operator=(const nesting&) = delete;
    };

private:
    static constinit inline thread_local const void* current_ = nullptr;
    static constinit inline thread_local int depth_ = 0;
};

template <class... Args>
class async_op {
public:
    virtual ~async_op() = default;
    /// Posts the handler with `args`; the op may be destroyed afterwards.
    virtual void complete(Args... args) = 0;
    /** Completes and destroys the operation: for one completing while it is
        started, whose handler may then run at once (see the file comment),
        after the operation is gone -- so that a coroutine receiving in a
        loop reuses one operation's memory, not one per nesting level. */
    virtual void finish(Args... args) = 0;
    /// Installs `fn` as the per-operation cancellation handler, if the
    /// handler has a cancellation slot. `fn` runs on the emitting thread.
    virtual void on_cancel(std::function<void()> fn) = 0;
    /// The operation waits (it is parked): from now until it completes it
    /// counts as outstanding work of its handler's executor, as a pending
    /// Asio operation does.
    virtual void track_work() = 0;
    std::uint64_t id = 0;
};

template <class Handler, class... Args>
class async_op_impl final : public async_op<Args...> {
public:
    using executor_type = asio::associated_executor_t<Handler, asio::any_io_executor>;

    async_op_impl(Handler&& h, const asio::any_io_executor& fallback)
        : handler_(std::move(h)), executor_(asio::get_associated_executor(handler_, fallback))
    {
        if constexpr (is_coroutine_handler<Handler>::value)
            inline_ok_ = executor_ == fallback; // the socket's own executor
        // On another executor the operation counts as its work from the
        // start: it may first travel to the socket's executor. On the
        // socket's own, that trip is work of the same context already, and
        // an operation that completes at once never needs the count.
        if (!inline_ok_)
            track_work();
    }

    void finish(Args... args) override
    {
        if constexpr (is_coroutine_handler<Handler>::value) {
            if (inline_ok_ && immediate_completion::allowed(this)) {
                auto slot = asio::get_associated_cancellation_slot(handler_);
                if (slot.is_connected())
                    slot.clear();
                // The handler leaves this object, which goes, before it
                // runs: the coroutine it resumes starts (and may finish) its
                // next operation inside this call.
                Handler h = std::move(handler_);
                delete this;
                const immediate_completion::nesting nest;
                std::move(h)(std::move(args)...);
                return;
            }
        }
        complete(std::move(args)...);
        delete this;
    }

    void complete(Args... args) override
    {
        auto slot = asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected())
            slot.clear();
        asio::post(executor_, [h = std::move(handler_), t = std::make_tuple(std::move(args)...)]() mutable {
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

    void track_work() override
    {
        if (!work_)
            work_.emplace(executor_);
    }

    // One of these per asynchronous operation: from Asio's per-thread
    // recycling cache rather than the heap.
    static void* operator new(std::size_t n) { return asio::recycling_allocator<unsigned char>().allocate(n); }
    static void operator delete(void* p, std::size_t n)
    {
        asio::recycling_allocator<unsigned char>().deallocate(static_cast<unsigned char*>(p), n);
    }

private:
    Handler handler_;
    executor_type executor_;
    std::optional<asio::executor_work_guard<executor_type>> work_;
    bool inline_ok_ = false;
};

/// Completes `op` and destroys it (async_op::finish).
template <class... Args, class... Values>
void finish(std::unique_ptr<async_op<Args...>> op, Values&&... values)
{
    op.release()->finish(std::forward<Values>(values)...);
}

} // namespace zmtp::detail
