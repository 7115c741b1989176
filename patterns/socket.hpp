// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::patterns::socket`: the public socket API.

    Every operation comes in the Asio triple: a throwing form, an
    `std::error_code&` form, and (for send, recv and events) an `async_`
    form taking any completion token -- a callback, `asio::use_awaitable`,
    `asio::use_future`, `asio::experimental::deferred` -- with
    per-operation cancellation through the token's cancellation slot.
    `try_send`/`try_recv` never block.

    @par Example
    @code
    zmtp::patterns::context ctx;
    zmtp::patterns::socket push(ctx, zmtp::socket_type::push);
    push.bind("tcp://0.0.0.0:5557");
    push.send(zmtp::message("task 1"));   // blocks until a PULL is connected
    @endcode

    @par Thread Safety
    Distinct objects: safe. Shared objects: safe for send, recv, their try_
    and async_ forms, and close; other members should not race with each
    other. Blocking calls made on the socket's own executor (for example in
    an event handler, or in a coroutine on get_executor()) never wait: they
    fail with socket_error::would_deadlock where they would have to. Use the
    async_ forms there.
*/

#include "patterns/context.hpp"
#include "patterns/error.hpp"
#include "patterns/options.hpp"
#include "patterns/socket_core.hpp"
#include "patterns/socket_event.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace zmtp::patterns {

class socket {
public:
    using executor_type = asio::any_io_executor;

    /// Creates a socket of type `type` on `ctx`.
    socket(context& ctx, zmtp::socket_type type, socket_options opts = {});
    /// Closes the socket; queued messages keep `linger` to go out, in the background.
    ~socket();

    socket(socket&&) noexcept = default;
    socket& operator=(socket&&) noexcept;
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;

    zmtp::socket_type type() const noexcept { return core_->type(); }
    /// The executor the socket's connections run on (its strand).
    executor_type get_executor() const noexcept { return core_->executor(); }

    //------------------------------------------------------------------------
    // Endpoints

    /** Binds to `tcp://host:port` or `ipc://path` and returns the endpoint
        actually bound (with an ephemeral port resolved). */
    std::string bind(std::string_view endpoint);
    std::string bind(std::string_view endpoint, std::error_code& ec);
    /// Connects; the connection is made (and remade) in the background.
    void connect(std::string_view endpoint);
    void connect(std::string_view endpoint, std::error_code& ec);
    void unbind(std::string_view endpoint);
    void unbind(std::string_view endpoint, std::error_code& ec);
    void disconnect(std::string_view endpoint);
    void disconnect(std::string_view endpoint, std::error_code& ec);
    /// The last endpoint bound or connected.
    std::string last_endpoint() const { return core_->last_endpoint(); }

    //------------------------------------------------------------------------
    // Blocking and non-blocking

    /** Sends a message, waiting up to `sndtimeo` for room. On failure `m` is
        left as it was. @throws std::system_error */
    void send(zmtp::message&& m);
    void send(zmtp::message&& m, std::error_code& ec);
    /// Sends a single-frame message holding a copy of `s`.
    void send(std::string_view s) { send(zmtp::message(s)); }
    /// Sends if it can be done at once; false (m untouched) otherwise.
    bool try_send(zmtp::message& m);

    /// Receives a message, waiting up to `rcvtimeo`. @throws std::system_error
    zmtp::message recv();
    zmtp::message recv(std::error_code& ec);
    /// Receives if a message is ready; false otherwise.
    bool try_recv(zmtp::message& m);

    //------------------------------------------------------------------------
    // Asynchronous

    /// Signature void(std::error_code).
    template <class CompletionToken>
    auto async_send(zmtp::message m, CompletionToken&& token)
    {
        return asio::async_initiate<CompletionToken, void(std::error_code)>(
            [core = core_](auto handler, zmtp::message msg) {
                using H = std::decay_t<decltype(handler)>;
                core->start_async_send(
                    std::move(msg),
                    std::make_unique<detail::async_op_impl<H, std::error_code>>(
                        std::move(handler), core->executor()));
            },
            token, std::move(m));
    }

    /// Signature void(std::error_code, zmtp::message).
    template <class CompletionToken>
    auto async_recv(CompletionToken&& token)
    {
        return asio::async_initiate<CompletionToken, void(std::error_code, zmtp::message)>(
            [core = core_](auto handler) {
                using H = std::decay_t<decltype(handler)>;
                core->start_async_recv(
                    std::make_unique<detail::async_op_impl<H, std::error_code, zmtp::message>>(
                        std::move(handler), core->executor()));
            },
            token);
    }

    /// The next socket event. Signature void(std::error_code, socket_event).
    template <class CompletionToken>
    auto async_next_event(CompletionToken&& token)
    {
        return asio::async_initiate<CompletionToken, void(std::error_code, socket_event)>(
            [core = core_](auto handler) {
                using H = std::decay_t<decltype(handler)>;
                core->start_async_event(
                    std::make_unique<detail::async_op_impl<H, std::error_code, socket_event>>(
                        std::move(handler), core->executor()));
            },
            token);
    }

    //------------------------------------------------------------------------
    // Waiting for peers (the cure for the "slow joiner")

    /** Waits until at least `n` peers have completed their handshake and
        are connected. Returns false on timeout (negative = no limit). */
    bool wait_for_peers(std::size_t n, std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));

    /// Completes once at least `n` peers are connected. Signature void(std::error_code).
    template <class CompletionToken>
    auto async_wait_for_peers(std::size_t n, CompletionToken&& token)
    {
        return async_wait_until(
            [c = core_.get(), n] { return c->ready_peers() >= n; },
            std::forward<CompletionToken>(token));
    }

    /// Number of connected peers (handshake complete).
    std::size_t peer_count() const;

    //------------------------------------------------------------------------
    // Options, events, closing

    socket_options options() const { return core_->get_options(); }
    /// Replaces the options; they apply to connections made afterwards.
    void set_options(const socket_options& o);
    /// Calls `handler` (on the socket's executor) for every event.
    void on_event(std::function<void(const socket_event&)> handler);

    /** Closes the socket: waits until queued messages are sent or `linger`
        has passed. Further operations fail with socket_error::closed and
        pending asynchronous operations complete with it. Called on a thread
        that runs the socket's context (in a coroutine, say) it starts the
        close without waiting. */
    void close();

    /// @internal
    const std::shared_ptr<socket_core>& core() const noexcept { return core_; }

protected:
    template <class CompletionToken>
    auto async_wait_until(std::function<bool()> ready, CompletionToken&& token)
    {
        return asio::async_initiate<CompletionToken, void(std::error_code)>(
            [core = core_](auto handler, std::function<bool()> r) {
                using H = std::decay_t<decltype(handler)>;
                core->start_async_wait(std::move(r),
                                       std::make_unique<detail::async_op_impl<H, std::error_code>>(
                                           std::move(handler), core->executor()));
            },
            token, std::move(ready));
    }
    bool wait_until(std::function<bool()> ready, std::chrono::milliseconds timeout);

private:
    std::shared_ptr<socket_core> core_;
};

/** A socket whose type is fixed at compile time: `push_socket s(ctx);`. */
template <zmtp::socket_type Type>
class typed_socket : public socket {
public:
    explicit typed_socket(context& ctx, socket_options opts = {})
        : socket(ctx, Type, std::move(opts))
    {
    }
};

using push_socket = typed_socket<zmtp::socket_type::push>;
using pull_socket = typed_socket<zmtp::socket_type::pull>;
using xsub_socket = typed_socket<zmtp::socket_type::xsub>;
using req_socket = typed_socket<zmtp::socket_type::req>;
using rep_socket = typed_socket<zmtp::socket_type::rep>;
using dealer_socket = typed_socket<zmtp::socket_type::dealer>;
using router_socket = typed_socket<zmtp::socket_type::router>;
using pair_socket = typed_socket<zmtp::socket_type::pair>;

/** A PUB or XPUB socket: can also wait until somebody listens. */
template <zmtp::socket_type Type>
class basic_publisher : public socket {
public:
    explicit basic_publisher(context& ctx, socket_options opts = {})
        : socket(ctx, Type, std::move(opts))
    {
    }

    /** Waits until some subscriber's subscription matches `topic` -- that
        is, until a message whose first frame is `topic` would be delivered
        to at least one subscriber. Returns false on timeout. */
    bool wait_for_subscriber(std::string_view topic,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));

    /// As wait_for_subscriber(). Signature void(std::error_code).
    template <class CompletionToken>
    auto async_wait_for_subscriber(std::string topic, CompletionToken&& token)
    {
        return async_wait_until(subscriber_predicate(std::move(topic)),
                                std::forward<CompletionToken>(token));
    }

private:
    std::function<bool()> subscriber_predicate(std::string topic);
};

using pub_socket = basic_publisher<zmtp::socket_type::pub>;
using xpub_socket = basic_publisher<zmtp::socket_type::xpub>;

/** A SUB socket: receives what its publishers send on the topics it subscribed to. */
class sub_socket : public socket {
public:
    explicit sub_socket(context& ctx, socket_options opts = {})
        : socket(ctx, zmtp::socket_type::sub, std::move(opts))
    {
    }

    /** Subscribes to messages whose first frame starts with `prefix` ("" =
        everything). Subscriptions are counted: each needs its unsubscribe. */
    void subscribe(std::string_view prefix);
    /// Removes one subscription to `prefix`; the last one cancels it upstream.
    void unsubscribe(std::string_view prefix);
};

} // namespace zmtp::patterns
