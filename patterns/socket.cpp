// SPDX-License-Identifier: MIT
// zmtp::socket: the public API, over patterns::socket_core.
#include "zmtp/socket.hpp"

#include "patterns/context_impl.hpp"
#include "patterns/socket_core.hpp"
#include "patterns/xpub.hpp"
#include "patterns/xsub.hpp"

#include <asio/system_executor.hpp>

namespace zmtp {
namespace {

using clock = patterns::socket_core::clock;

void throw_if(const std::error_code& ec, const char* what)
{
    if (ec)
        throw std::system_error(ec, what);
}

clock::time_point deadline_after(std::chrono::milliseconds timeout)
{
    if (timeout.count() < 0)
        return clock::time_point::max();
    return clock::now() + timeout;
}

std::shared_ptr<patterns::socket_core> open_socket(context& ctx, socket_type type, socket_options opts)
{
    throw_if(opts.validate(), "socket");
    auto core = std::make_shared<patterns::socket_core>(ctx.impl(), type, std::move(opts));
    core->start();
    return core;
}

} // namespace

//----------------------------------------------------------------------------
// Lifetime

socket::socket(context& ctx, socket_type type, socket_options opts)
    : core_(open_socket(ctx, type, std::move(opts)))
{
}

socket::~socket()
{
    if (core_)
        core_->close();
}

socket::socket(socket&& other) noexcept = default;

socket& socket::operator=(socket&& other) noexcept
{
    if (this != &other) {
        if (core_)
            core_->close();
        core_ = std::move(other.core_);
    }
    return *this;
}

patterns::socket_core& socket::core() const
{
    if (!core_)
        throw std::system_error(socket_error::not_a_socket);
    return *core_;
}

socket_type socket::type() const
{
    return core().type();
}

socket::executor_type socket::get_executor() const
{
    return core().executor();
}

void socket::close()
{
    core().close_and_wait();
}

void socket::close(std::function<void()> done)
{
    core().close(std::move(done));
}

//----------------------------------------------------------------------------
// Endpoints

std::string socket::bind(std::string_view endpoint)
{
    std::error_code ec;
    auto s = bind(endpoint, ec);
    throw_if(ec, "bind");
    return s;
}

std::string socket::bind(std::string_view endpoint, std::error_code& ec)
{
    if (!core_) {
        ec = socket_error::not_a_socket;
        return {};
    }
    return core_->bind(endpoint, ec);
}

void socket::connect(std::string_view endpoint)
{
    std::error_code ec;
    connect(endpoint, ec);
    throw_if(ec, "connect");
}

void socket::connect(std::string_view endpoint, std::error_code& ec)
{
    if (!core_)
        ec = socket_error::not_a_socket;
    else
        core_->connect(endpoint, ec);
}

void socket::unbind(std::string_view endpoint)
{
    std::error_code ec;
    unbind(endpoint, ec);
    throw_if(ec, "unbind");
}

void socket::unbind(std::string_view endpoint, std::error_code& ec)
{
    if (!core_)
        ec = socket_error::not_a_socket;
    else
        core_->unbind(endpoint, ec);
}

void socket::disconnect(std::string_view endpoint)
{
    std::error_code ec;
    disconnect(endpoint, ec);
    throw_if(ec, "disconnect");
}

void socket::disconnect(std::string_view endpoint, std::error_code& ec)
{
    if (!core_)
        ec = socket_error::not_a_socket;
    else
        core_->disconnect(endpoint, ec);
}

std::string socket::last_endpoint() const
{
    return core().last_endpoint();
}

//----------------------------------------------------------------------------
// Sending and receiving

void socket::send(message&& m)
{
    std::error_code ec;
    send(std::move(m), ec);
    throw_if(ec, "send");
}

void socket::send(message&& m, std::error_code& ec)
{
    if (!core_) {
        ec = socket_error::not_a_socket;
        return;
    }
    core_->send(m, deadline_after(core_->send_timeout()), ec);
}

void socket::send(std::string_view s)
{
    send(message(s));
}

void socket::send(std::string_view s, std::error_code& ec)
{
    send(message(s), ec);
}

void socket::send(std::initializer_list<std::string_view> frames)
{
    send(message(frames));
}

void socket::send(std::initializer_list<std::string_view> frames, std::error_code& ec)
{
    send(message(frames), ec);
}

bool socket::try_send(message& m)
{
    std::error_code ec;
    return try_send(m, ec);
}

bool socket::try_send(message& m, std::error_code& ec)
{
    if (!core_) {
        ec = socket_error::not_a_socket;
        return false;
    }
    return core_->send(m, clock::time_point::min(), ec);
}

message socket::recv()
{
    std::error_code ec;
    auto m = recv(ec);
    throw_if(ec, "recv");
    return m;
}

message socket::recv(std::error_code& ec)
{
    message m;
    if (!core_)
        ec = socket_error::not_a_socket;
    else
        core_->recv(m, deadline_after(core_->recv_timeout()), ec);
    return m;
}

std::optional<message> socket::try_recv()
{
    std::error_code ec;
    return try_recv(ec);
}

bool socket::try_recv(message& m)
{
    std::error_code ec;
    return core_ && core_->recv(m, clock::time_point::min(), ec);
}

bool socket::try_recv(message& m, std::error_code& ec)
{
    if (!core_) {
        ec = socket_error::not_a_socket;
        return false;
    }
    return core_->recv(m, clock::time_point::min(), ec);
}

bool socket::recv(message& m, std::error_code& ec)
{
    if (!core_) {
        ec = socket_error::not_a_socket;
        return false;
    }
    return core_->recv(m, deadline_after(core_->recv_timeout()), ec);
}

std::optional<message> socket::try_recv(std::error_code& ec)
{
    if (!core_) {
        ec = socket_error::not_a_socket;
        return std::nullopt;
    }
    message m;
    if (!core_->recv(m, clock::time_point::min(), ec))
        return std::nullopt;
    return m;
}

//----------------------------------------------------------------------------
// Waits, options, events

bool socket::wait_until(wait_condition c, std::chrono::milliseconds timeout)
{
    return core().wait_until(std::move(c), timeout);
}

bool socket::wait_for_peers(std::size_t n, std::chrono::milliseconds timeout)
{
    return wait_until({wait_condition::kind::peers, n, {}}, timeout);
}

std::size_t socket::peer_count() const
{
    return core().peer_count();
}

void socket::manual_subscription(bool subscribe, std::string_view topic)
{
    if (type() != socket_type::xpub)
        return;
    core().with_pattern([&](patterns::pattern& p) {
        static_cast<patterns::xpub_pattern&>(p).manual_subscription(subscribe, topic);
    });
}

int socket::fd() const
{
    return core().poll_fd();
}

unsigned socket::events() const
{
    return core().poll_events();
}

socket_options socket::options() const
{
    return core().get_options();
}

void socket::set_options(const socket_options& o)
{
    update_options([&o](socket_options& current) { current = o; });
}

void socket::update_options(const std::function<void(socket_options&)>& change)
{
    std::error_code ec;
    core().update_options(change, ec);
    throw_if(ec, "set_options");
}

void socket::on_event(std::function<void(const socket_event&)> handler)
{
    core().set_event_handler(std::move(handler));
}

void sub_socket::subscribe(std::string_view prefix)
{
    core().with_pattern([&](patterns::pattern& p) { static_cast<patterns::xsub_pattern&>(p).subscribe(prefix); });
}

void sub_socket::unsubscribe(std::string_view prefix)
{
    core().with_pattern([&](patterns::pattern& p) { static_cast<patterns::xsub_pattern&>(p).unsubscribe(prefix); });
}

std::weak_ptr<patterns::socket_core> patterns::core_of(const socket& s)
{
    return s.core_;
}

//----------------------------------------------------------------------------
// The entry points of the async templates (impl/socket.hpp)

namespace detail {

const asio::any_io_executor& completion_executor(const core_ptr& core)
{
    if (core)
        return core->executor();
    static const asio::any_io_executor system = asio::system_executor();
    return system;
}

void start_send(const core_ptr& core, message m, std::unique_ptr<send_op> op)
{
    if (!core) {
        op->complete(socket_error::not_a_socket);
        return;
    }
    // An operation that completes inside this call may resume its coroutine
    // here (async_op.hpp), which may drop the socket and the frame that
    // holds `core`: the call keeps its own reference.
    const core_ptr keep = core;
    const immediate_completion::scope now(op.get());
    keep->start_async_send(std::move(m), std::move(op));
}

void start_recv(const core_ptr& core, std::unique_ptr<recv_op> op)
{
    if (!core) {
        op->complete(socket_error::not_a_socket, message{});
        return;
    }
    const core_ptr keep = core;
    const immediate_completion::scope now(op.get());
    keep->start_async_recv(std::move(op));
}

void start_next_event(const core_ptr& core, std::unique_ptr<event_op> op)
{
    if (!core)
        op->complete(socket_error::not_a_socket, socket_event{});
    else
        core->start_async_event(std::move(op));
}

void start_wait(const core_ptr& core, wait_condition c, std::unique_ptr<send_op> op)
{
    if (!core)
        op->complete(socket_error::not_a_socket);
    else
        core->start_async_wait(std::move(c), std::move(op));
}

} // namespace detail
} // namespace zmtp
