// SPDX-License-Identifier: MIT
#include "patterns/socket.hpp"

#include "patterns/detail/context_impl.hpp"
#include "patterns/xpub.hpp"
#include "patterns/xsub.hpp"

#include <future>

namespace zmtp::patterns {
namespace {

void throw_if(const std::error_code& ec, const char* what)
{
    if (ec)
        throw std::system_error(ec, what);
}

socket_core::clock::time_point deadline_after(std::chrono::milliseconds timeout)
{
    if (timeout.count() < 0)
        return socket_core::clock::time_point::max();
    return socket_core::clock::now() + timeout;
}

} // namespace

socket::socket(context& ctx, zmtp::socket_type type, socket_options opts)
    : core_(std::make_shared<socket_core>(ctx.impl(), type, std::move(opts)))
{
    core_->start();
}

socket::~socket()
{
    if (core_)
        core_->close();
}

socket& socket::operator=(socket&& other) noexcept
{
    if (this != &other) {
        if (core_)
            core_->close();
        core_ = std::move(other.core_);
    }
    return *this;
}

std::string socket::bind(std::string_view endpoint)
{
    std::error_code ec;
    auto s = bind(endpoint, ec);
    throw_if(ec, "bind");
    return s;
}

std::string socket::bind(std::string_view endpoint, std::error_code& ec)
{
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
    core_->disconnect(endpoint, ec);
}

void socket::send(zmtp::message&& m)
{
    std::error_code ec;
    send(std::move(m), ec);
    throw_if(ec, "send");
}

void socket::send(zmtp::message&& m, std::error_code& ec)
{
    core_->send(m, deadline_after(core_->send_timeout()), ec);
}

bool socket::try_send(zmtp::message& m)
{
    std::error_code ec;
    return core_->send(m, socket_core::clock::time_point::min(), ec);
}

zmtp::message socket::recv()
{
    std::error_code ec;
    auto m = recv(ec);
    throw_if(ec, "recv");
    return m;
}

zmtp::message socket::recv(std::error_code& ec)
{
    zmtp::message m;
    core_->recv(m, deadline_after(core_->recv_timeout()), ec);
    return m;
}

bool socket::try_recv(zmtp::message& m)
{
    std::error_code ec;
    return core_->recv(m, socket_core::clock::time_point::min(), ec);
}

void socket::set_options(const socket_options& o)
{
    core_->set_options(o);
}

void socket::on_event(std::function<void(const socket_event&)> handler)
{
    core_->set_event_handler(std::move(handler));
}

void socket::close()
{
    core_->close_and_wait();
}

bool socket::wait_until(std::function<bool()> ready, std::chrono::milliseconds timeout)
{
    auto done = std::make_shared<std::promise<std::error_code>>();
    auto result = done->get_future();
    core_->start_async_wait(
        std::move(ready),
        std::make_unique<detail::async_op_impl<std::function<void(std::error_code)>, std::error_code>>(
            [done](std::error_code ec) { done->set_value(ec); }, core_->executor()));
    if (timeout.count() < 0)
        result.wait();
    else if (result.wait_for(timeout) != std::future_status::ready)
        return false; // the parked wait completes harmlessly later (or at close)
    return !result.get();
}

bool socket::wait_for_peers(std::size_t n, std::chrono::milliseconds timeout)
{
    return wait_until([c = core_.get(), n] { return c->ready_peers() >= n; }, timeout);
}

std::size_t socket::peer_count() const
{
    std::size_t n = 0;
    core_->run_sync([&] { n = core_->ready_peers(); });
    return n;
}

template <zmtp::socket_type Type>
std::function<bool()> basic_publisher<Type>::subscriber_predicate(std::string topic)
{
    auto* c = core().get();
    return [c, topic = std::move(topic)] {
        return static_cast<xpub_pattern&>(c->pat()).has_subscriber(topic);
    };
}

template <zmtp::socket_type Type>
bool basic_publisher<Type>::wait_for_subscriber(std::string_view topic,
                                                std::chrono::milliseconds timeout)
{
    return wait_until(subscriber_predicate(std::string(topic)), timeout);
}

template class basic_publisher<zmtp::socket_type::pub>;
template class basic_publisher<zmtp::socket_type::xpub>;

void sub_socket::subscribe(std::string_view prefix)
{
    auto& core = *this->core();
    core.run_sync([&] { static_cast<xsub_pattern&>(core.pat()).subscribe(prefix); });
}

void sub_socket::unsubscribe(std::string_view prefix)
{
    auto& core = *this->core();
    core.run_sync([&] { static_cast<xsub_pattern&>(core.pat()).unsubscribe(prefix); });
}

} // namespace zmtp::patterns
