// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::socket`: the public socket API, and a class per socket type
    (`zmtp::push_socket`, `zmtp::sub_socket` ...).

    Every operation comes in the Asio triple: a throwing form, an
    `std::error_code&` form, and (for send, recv, events and waits) an
    `async_` form taking any completion token -- a callback,
    `asio::use_awaitable`, `asio::use_future`, `asio::experimental::deferred`
    -- with per-operation cancellation through the token's cancellation slot.
    `try_send`/`try_recv` never block.

    @par Example
    @code
    #include <zmtp.hpp>

    zmtp::context ctx;
    zmtp::push_socket push(ctx);
    push.bind("tcp://0.0.0.0:5557");
    push.send("task 1");                 // blocks until a PULL is connected
    @endcode

    @par Thread Safety
    Distinct objects: safe. Shared objects: safe for send, recv, their try_
    and async_ forms, and close; other members should not race with each
    other. Blocking calls made on the socket's own executor (for example in
    an event handler, or in a coroutine on get_executor()) never wait: they
    fail with socket_error::would_deadlock where they would have to. Use the
    async_ forms there.

    A moved-from socket fails every call with socket_error::not_a_socket.
*/

#include "zmtp/context.hpp"
#include "zmtp/detail/async_op.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_error.hpp"
#include "zmtp/socket_event.hpp"
#include "zmtp/socket_options.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace zmtp {

/// Readiness flags of socket::events() and zmtp::poll().
enum poll_flags : unsigned {
    poll_in = 1,  ///< a recv would not block (for a descriptor: readable)
    poll_out = 2, ///< a send would not block (for a descriptor: writable)
    poll_err = 4, ///< a closed socket, a descriptor's error or hang-up (reported, never asked for)
};

class socket;

namespace patterns {
class socket_core;
/// @internal The state behind a socket (for tests of its lifetime).
std::weak_ptr<socket_core> core_of(const socket& s);
}

namespace detail {
/// @internal What a wait waits for (evaluated on the socket's strand).
struct wait_condition {
    enum class kind { peers, subscriber } what;
    std::size_t peers = 0;
    std::string topic;
};
} // namespace detail

class socket {
public:
    using executor_type = asio::any_io_executor;
    /// The default completion token of the async_ functions: Asio's for the executor.
    using default_token = asio::default_completion_token_t<executor_type>;

    /// Creates a socket of type `type` on `ctx`. @throws std::system_error
    /// (socket_error::invalid_argument) if `opts` holds an invalid value.
    socket(context& ctx, socket_type type, socket_options opts = {});
    /// Closes the socket; queued messages keep `linger` to go out, in the background.
    ~socket();

    socket(socket&& other) noexcept;
    socket& operator=(socket&& other) noexcept;
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;

    /// False for a moved-from socket.
    explicit operator bool() const noexcept { return core_ != nullptr; }

    socket_type type() const;
    /// The executor the socket's connections run on (its strand).
    executor_type get_executor() const;

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
    std::string last_endpoint() const;

    //------------------------------------------------------------------------
    // Blocking and non-blocking

    /** Sends a message, waiting up to `sndtimeo` for room. On failure `m` is
        left as it was. @throws std::system_error */
    void send(message&& m);
    void send(message&& m, std::error_code& ec);
    /// Sends a single-frame message holding a copy of `s`.
    void send(std::string_view s);
    void send(std::string_view s, std::error_code& ec);
    /// Sends a message with one frame per string: `send({"id", "", "body"})`.
    void send(std::initializer_list<std::string_view> frames);
    void send(std::initializer_list<std::string_view> frames, std::error_code& ec);
    /// Sends if it can be done at once; false (m untouched) otherwise.
    bool try_send(message& m);
    /// As try_send(m); `ec` says why not (would_block, closed, ...).
    bool try_send(message& m, std::error_code& ec);

    /// Receives a message, waiting up to `rcvtimeo`. @throws std::system_error
    message recv();
    message recv(std::error_code& ec);
    /// A message if one is ready now, else nothing.
    std::optional<message> try_recv();
    /// As try_recv(); `ec` says why not (would_block, closed, ...).
    std::optional<message> try_recv(std::error_code& ec);
    /** Receives into `m` if a message is ready now; false otherwise. The
        form for a loop that reuses one message: no optional to move through. */
    bool try_recv(message& m);
    /// As try_recv(m); `ec` says why not (would_block, closed, ...).
    bool try_recv(message& m, std::error_code& ec);
    /** Receives into `m`, waiting up to `rcvtimeo`, as recv(ec) does; false
        with `ec` on failure. The blocking form of the reusing loop. */
    bool recv(message& m, std::error_code& ec);

    //------------------------------------------------------------------------
    // Asynchronous

    /// Sends `m`. Signature void(std::error_code).
    template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken = default_token>
    auto async_send(message m, CompletionToken&& token = default_token());

    /// Receives a message. Signature void(std::error_code, zmtp::message).
    template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code, message)) CompletionToken = default_token>
    auto async_recv(CompletionToken&& token = default_token());

    /// The next socket event. Signature void(std::error_code, socket_event).
    template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code, socket_event)) CompletionToken = default_token>
    auto async_next_event(CompletionToken&& token = default_token());

    //------------------------------------------------------------------------
    // Waiting for peers (the cure for the "slow joiner")

    /** Waits until at least `n` peers have completed their handshake and
        are connected. Returns false on timeout (negative = no limit); a wait
        that timed out leaves nothing behind. */
    bool wait_for_peers(std::size_t n, std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));

    /// Completes once at least `n` peers are connected. Signature void(std::error_code).
    template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken = default_token>
    auto async_wait_for_peers(std::size_t n, CompletionToken&& token = default_token());

    /// Number of connected peers (handshake complete).
    std::size_t peer_count() const;

protected:
    /// XPUB's manual subscriptions (basic_publisher::subscribe).
    void manual_subscription(bool subscribe, std::string_view topic);

public:

    //------------------------------------------------------------------------
    // Readiness, for zmtp::poll() and foreign event loops (libzmq's ZMQ_FD
    // and ZMQ_EVENTS)

    /** A file descriptor that becomes readable when the socket's state may
        have changed since the last events(). Edge-triggered, as libzmq's:
        on each wake, call events() and act on it (recv, send) until it no
        longer reports what you wait for, then wait again. Do not read,
        write or close it; it lives as long as the socket. */
    int fd() const;
    /** poll_in if a recv would not block now, poll_out if a send would
        not; poll_err (alone) once closed. Arms fd() for the next change. */
    unsigned events() const;

    //------------------------------------------------------------------------
    // Options, events, closing

    socket_options options() const;
    /** Replaces the options; they apply to connections made afterwards.
        @throws std::system_error (invalid_argument) for an invalid value. */
    void set_options(const socket_options& o);
    /** Sets one option: `s.set(&zmtp::socket_options::linger, 0ms)`.
        @throws std::system_error (invalid_argument) for an invalid value. */
    template <class T, class U>
    void set(T socket_options::*option, U&& value)
    {
        update_options([&](socket_options& o) { o.*option = std::forward<U>(value); });
    }
    /// One option's value: `s.get(&zmtp::socket_options::sndhwm)`.
    template <class T>
    T get(T socket_options::*option) const
    {
        return options().*option;
    }
    /// Calls `handler` (on the socket's executor) for every event.
    void on_event(std::function<void(const socket_event&)> handler);

    /** Closes the socket: waits until queued messages are sent or `linger`
        has passed. Further operations fail with socket_error::closed and
        pending asynchronous operations complete with it. Called on a thread
        that runs the socket's context (in a coroutine, say) it starts the
        close without waiting. */
    void close();
    /** Starts the close and returns at once; `done` runs on the socket's
        executor once the socket has finished (sent what it held, or
        `linger` passed). The socket object may be destroyed meanwhile:
        the close goes on without it. */
    void close(std::function<void()> done);

protected:
    using wait_condition = detail::wait_condition;
    bool wait_until(wait_condition c, std::chrono::milliseconds timeout);
    template <class CompletionToken>
    auto async_wait_until(wait_condition c, CompletionToken&& token);
    void update_options(const std::function<void(socket_options&)>& change);
    /// The core; throws not_a_socket for a moved-from socket.
    patterns::socket_core& core() const;

private:
    friend std::weak_ptr<patterns::socket_core> patterns::core_of(const socket& s);
    std::shared_ptr<patterns::socket_core> core_;
};

/** A socket whose type is fixed at compile time: `push_socket s(ctx);`. */
template <socket_type Type>
class typed_socket : public socket {
public:
    explicit typed_socket(context& ctx, socket_options opts = {})
        : socket(ctx, Type, std::move(opts))
    {
    }
};

using push_socket = typed_socket<socket_type::push>;
using pull_socket = typed_socket<socket_type::pull>;
using xsub_socket = typed_socket<socket_type::xsub>;
using req_socket = typed_socket<socket_type::req>;
using rep_socket = typed_socket<socket_type::rep>;
using dealer_socket = typed_socket<socket_type::dealer>;
using router_socket = typed_socket<socket_type::router>;
using pair_socket = typed_socket<socket_type::pair>;
/// Raw TCP peers (libzmq's ZMQ_STREAM): messages are [routing id, bytes].
using stream_socket = typed_socket<socket_type::stream>;

/** A PUB or XPUB socket: can also wait until somebody listens. */
template <socket_type Type>
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
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        return wait_until({wait_condition::kind::subscriber, 0, std::string(topic)}, timeout);
    }

    /** XPUB with xpub_manual: subscribes the peer whose message recv()
        returned last to `topic` (what libzmq's ZMQ_SUBSCRIBE on an XPUB
        does); nothing if there is no such peer. */
    void subscribe(std::string_view topic) { manual_subscription(true, topic); }
    /// XPUB with xpub_manual: as subscribe(), cancelling.
    void unsubscribe(std::string_view topic) { manual_subscription(false, topic); }

    /// As wait_for_subscriber(). Signature void(std::error_code).
    template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken = default_token>
    auto async_wait_for_subscriber(std::string topic, CompletionToken&& token = default_token())
    {
        return async_wait_until({wait_condition::kind::subscriber, 0, std::move(topic)},
                                std::forward<CompletionToken>(token));
    }
};

using pub_socket = basic_publisher<socket_type::pub>;
using xpub_socket = basic_publisher<socket_type::xpub>;

/** A SUB socket: receives what its publishers send on the topics it subscribed to. */
class sub_socket : public socket {
public:
    explicit sub_socket(context& ctx, socket_options opts = {})
        : socket(ctx, socket_type::sub, std::move(opts))
    {
    }

    /** Subscribes to messages whose first frame starts with `prefix` ("" =
        everything). Subscriptions are counted: each needs its unsubscribe. */
    void subscribe(std::string_view prefix);
    /// Removes one subscription to `prefix`; the last one cancels it upstream.
    void unsubscribe(std::string_view prefix);
};

} // namespace zmtp

#include "zmtp/impl/socket.hpp"
