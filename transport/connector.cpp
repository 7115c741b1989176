// SPDX-License-Identifier: MIT
#include "transport/connector.hpp"

#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace zmtp::transport {

std::error_code bind_to_device(int fd, const tcp_options& o)
{
    if (o.device.empty())
        return {};
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o.device.c_str(),
                     static_cast<socklen_t>(o.device.size() + 1)) != 0)
        return {errno, std::system_category()};
    return {};
}

void apply_tcp_options(tcp_stream& s, const tcp_options& o)
{
    std::error_code ignored;
    // Small messages must not wait for Nagle: batching is our job.
    s.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (o.keepalive >= 0)
        s.set_option(asio::socket_base::keep_alive(o.keepalive != 0), ignored);
    const int fd = s.native_handle();
    if (o.sndbuf >= 0)
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o.sndbuf, sizeof(int));
    if (o.rcvbuf >= 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof(int));
    if (o.tos >= 0) {
        // Whichever the family is; the other call fails harmlessly.
        ::setsockopt(fd, IPPROTO_IP, IP_TOS, &o.tos, sizeof(int));
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &o.tos, sizeof(int));
    }
    if (o.maxrt_ms > 0) {
        const unsigned ms = static_cast<unsigned>(o.maxrt_ms);
        ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
    }
    if (o.keepalive > 0) {
        if (o.keepalive_cnt >= 0)
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &o.keepalive_cnt, sizeof(int));
        if (o.keepalive_idle >= 0)
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &o.keepalive_idle, sizeof(int));
        if (o.keepalive_intvl >= 0)
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &o.keepalive_intvl, sizeof(int));
    }
}

connector::connector(asio::any_io_executor ex, endpoint ep, connector_options opts,
                     connected_handler on_connected, retry_handler on_retry)
    : ex_(ex),
      ep_(std::move(ep)),
      opts_(opts),
      on_connected_(std::move(on_connected)),
      on_retry_(std::move(on_retry)),
      resolver_(ex),
      timer_(ex),
      current_ivl_(opts.reconnect_ivl),
      rng_(std::random_device{}())
{
}

void connector::start()
{
    attempt();
}

void connector::retry()
{
    if (stopped_)
        return;
    if (opts_.reconnect_ivl.count() < 0)
        return; // reconnect_ivl = -1: never reconnect (libzmq semantics)
    timer_.expires_after(next_delay());
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (!ec && !self->stopped_)
            self->attempt();
    });
}

void connector::stop()
{
    stopped_ = true;
    timer_.cancel();
    resolver_.cancel();
    if (pending_)
        std::visit([](auto& s) { std::error_code ignored; s.close(ignored); }, *pending_);
}

std::chrono::milliseconds connector::next_delay()
{
    const auto ivl = std::max<std::int64_t>(opts_.reconnect_ivl.count(), 1);
    // Jitter spreads reconnect storms when many peers lose the same server.
    const auto jitter = std::uniform_int_distribution<std::int64_t>(0, ivl)(rng_);
    const auto delay = std::chrono::milliseconds(current_ivl_.count() + jitter);
    if (opts_.reconnect_ivl_max > opts_.reconnect_ivl)
        current_ivl_ = std::min(current_ivl_ * 2, opts_.reconnect_ivl_max);
    return delay;
}

void connector::attempt()
{
    if (ep_.transport == endpoint::kind::ipc)
        attempt_ipc();
    else
        attempt_tcp();
}

void connector::attempt_tcp()
{
    resolver_.async_resolve(
        ep_.host, std::to_string(ep_.port), asio::ip::tcp::resolver::numeric_service,
        [self = shared_from_this(), this](std::error_code ec,
                                          asio::ip::tcp::resolver::results_type results) {
            if (stopped_)
                return;
            if (ec) {
                failed(ec);
                return;
            }
            addrs_.clear();
            for (const auto& r : results)
                addrs_.push_back(r.endpoint());
            pending_ = std::make_unique<any_stream>(std::in_place_type<tcp_stream>, ex_);
            const std::uint64_t attempt = ++attempt_;
            connect_timed_out_ = false;
            if (opts_.connect_timeout.count() > 0) {
                // The timer is free while an attempt runs (it times retries).
                timer_.expires_after(opts_.connect_timeout);
                timer_.async_wait([self, this, attempt](std::error_code e) {
                    if (e || stopped_ || attempt != attempt_ || !pending_)
                        return;
                    connect_timed_out_ = true;
                    std::error_code ignored;
                    std::get<tcp_stream>(*pending_).close(ignored); // the connect completes, aborted
                });
            }
            connect_next(0, asio::error::host_not_found);
        });
}

// Tries every resolved address in turn. The socket is opened here, not by
// async_connect, so that SO_BINDTODEVICE is set before the connect.
void connector::connect_next(std::size_t i, std::error_code last)
{
    if (i >= addrs_.size() || connect_timed_out_) {
        pending_.reset();
        if (opts_.connect_timeout.count() > 0)
            timer_.cancel();
        failed(connect_timed_out_ ? asio::error::timed_out : last);
        return;
    }
    auto& s = std::get<tcp_stream>(*pending_);
    std::error_code ec;
    if (s.is_open())
        s.close(ec);
    s.open(addrs_[i].protocol(), ec);
    if (!ec)
        ec = bind_to_device(s.native_handle(), opts_.tcp);
    if (ec) {
        connect_next(i + 1, ec);
        return;
    }
    s.async_connect(addrs_[i], [self = shared_from_this(), this, i](std::error_code ec) {
        if (stopped_)
            return;
        if (ec) {
            connect_next(i + 1, ec);
            return;
        }
        auto stream = std::move(pending_);
        if (opts_.connect_timeout.count() > 0)
            timer_.cancel();
        auto& connected = std::get<tcp_stream>(*stream);
        apply_tcp_options(connected, opts_.tcp);
        endpoint r;
        r.host = addrs_[i].address().to_string();
        r.port = addrs_[i].port();
        on_connected_(std::move(*stream), r.to_string());
    });
}

void connector::attempt_ipc()
{
    pending_ = std::make_unique<any_stream>(std::in_place_type<ipc_stream>, ex_);
    std::string path = ep_.path;
    if (!path.empty() && path[0] == '@')
        path[0] = '\0'; // Linux abstract namespace
    std::get<ipc_stream>(*pending_).async_connect(
        asio::local::stream_protocol::endpoint(path),
        [self = shared_from_this(), this](std::error_code ec) {
            if (stopped_)
                return;
            auto stream = std::move(pending_);
            if (ec) {
                failed(ec);
                return;
            }
            on_connected_(std::move(*stream), ep_.to_string());
        });
}

void connector::failed(std::error_code ec)
{
    if (opts_.reconnect_ivl.count() < 0) {
        on_retry_(ec, std::chrono::milliseconds(-1));
        return;
    }
    const auto delay = next_delay();
    on_retry_(ec, delay);
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](std::error_code e) {
        if (!e && !self->stopped_)
            self->attempt();
    });
}

} // namespace zmtp::transport
