// SPDX-License-Identifier: MIT
#include "transport/listener.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>

#include <sys/socket.h>
#include <unistd.h>

namespace zmtp::transport {
namespace {

template <class Protocol>
class basic_listener final : public listener {
public:
    using acceptor_type = typename Protocol::acceptor;
    using stream_type = typename Protocol::socket;

    basic_listener(acceptor_type&& a, std::string bound, tcp_options tcp, std::string unlink_path)
        : acceptor_(std::move(a)), bound_(std::move(bound)), tcp_(tcp),
          unlink_path_(std::move(unlink_path))
    {
    }

    ~basic_listener() override { close(); }

    void start(accept_handler on_accept, error_handler on_error) override
    {
        on_accept_ = std::move(on_accept);
        on_error_ = std::move(on_error);
        do_accept();
    }

    void pause() override { paused_ = true; }

    void resume() override
    {
        if (!paused_)
            return;
        paused_ = false;
        if (!accepting_ && !backing_off_ && !closed_)
            do_accept();
    }

    void close() override
    {
        if (closed_)
            return;
        closed_ = true;
        std::error_code ignored;
        acceptor_.close(ignored);
        retry_timer_.cancel();
        if (!unlink_path_.empty())
            ::unlink(unlink_path_.c_str());
    }

    const std::string& bound() const noexcept override { return bound_; }

private:
    static constexpr std::chrono::milliseconds first_backoff{100};
    static constexpr std::chrono::milliseconds max_backoff{1600};

    void do_accept()
    {
        if (paused_ || closed_)
            return;
        accepting_ = true;
        acceptor_.async_accept([self = shared_from_this(), this](std::error_code ec, stream_type s) {
            accepting_ = false;
            if (closed_)
                return;
            if (ec) {
                if (ec == asio::error::operation_aborted)
                    return;
                // Out of descriptors and the like: report, and try again
                // later -- at once would spin, failing again and again.
                if (on_error_)
                    on_error_(ec);
                backing_off_ = true;
                retry_timer_.expires_after(backoff_);
                backoff_ = std::min(backoff_ * 2, max_backoff);
                retry_timer_.async_wait([self, this](std::error_code e) {
                    backing_off_ = false;
                    if (!e)
                        do_accept();
                });
                return;
            } else {
                backoff_ = first_backoff;
                std::string remote;
                if constexpr (std::is_same_v<Protocol, asio::ip::tcp>) {
                    apply_tcp_options(s, tcp_);
                    std::error_code e;
                    const auto r = s.remote_endpoint(e);
                    endpoint ep;
                    ep.host = e ? "?" : r.address().to_string();
                    ep.port = e ? 0 : r.port();
                    remote = ep.to_string();
                } else {
                    remote = bound_;
                }
                on_accept_(any_stream(std::move(s)), std::move(remote));
            }
            do_accept();
        });
    }

    acceptor_type acceptor_;
    std::string bound_;
    tcp_options tcp_;
    std::string unlink_path_;
    accept_handler on_accept_;
    error_handler on_error_;
    asio::steady_timer retry_timer_{acceptor_.get_executor()};
    std::chrono::milliseconds backoff_ = first_backoff;
    bool accepting_ = false;
    bool backing_off_ = false;
    bool paused_ = false;
    bool closed_ = false;
};

std::shared_ptr<listener> open_tcp(asio::any_io_executor ex, const endpoint& ep,
                                   const tcp_options& opts, int backlog, std::error_code& ec)
{
    using asio::ip::tcp;
    std::vector<tcp::endpoint> candidates;
    if (ep.is_wildcard_host()) {
        candidates.emplace_back(asio::ip::address_v6::any(), ep.port);
        candidates.emplace_back(asio::ip::address_v4::any(), ep.port);
    } else {
        tcp::resolver resolver(ex);
        auto results = resolver.resolve(ep.host, std::to_string(ep.port),
                                        tcp::resolver::numeric_service | tcp::resolver::passive, ec);
        if (ec)
            return nullptr;
        for (const auto& r : results)
            candidates.push_back(r.endpoint());
    }
    for (const auto& candidate : candidates) {
        tcp::acceptor a(ex);
        a.open(candidate.protocol(), ec);
        if (ec)
            continue;
        a.set_option(tcp::acceptor::reuse_address(true), ec);
        if (auto dev = bind_to_device(a.native_handle(), opts)) {
            ec = dev; // the device is part of the request: no fallback without it
            continue;
        }
        if (candidate.protocol() == tcp::v6() && ep.is_wildcard_host())
            a.set_option(asio::ip::v6_only(false), ec); // dual stack: IPv4 too
        a.bind(candidate, ec);
        if (ec)
            continue;
        a.listen(backlog, ec);
        if (ec)
            continue;
        const auto local = a.local_endpoint(ec);
        if (ec)
            continue;
        endpoint b = ep;
        b.host = ep.is_wildcard_host() ? (local.address().is_v6() ? "::" : "0.0.0.0")
                                       : local.address().to_string();
        b.port = local.port();
        return std::make_shared<basic_listener<tcp>>(std::move(a), b.to_string(), opts, "");
    }
    if (!ec)
        ec = std::make_error_code(std::errc::address_not_available);
    return nullptr;
}

std::shared_ptr<listener> open_ipc(asio::any_io_executor ex, const endpoint& ep, int backlog,
                                   std::error_code& ec)
{
    using proto = asio::local::stream_protocol;
    std::string path = ep.path;
    const bool abstract = !path.empty() && path[0] == '@';
    if (abstract)
        path[0] = '\0';
    else
        ::unlink(path.c_str()); // a socket file left behind by an earlier run
    proto::acceptor a(ex);
    a.open(proto(), ec);
    if (!ec)
        a.bind(proto::endpoint(path), ec);
    if (!ec)
        a.listen(backlog, ec);
    if (ec)
        return nullptr;
    return std::make_shared<basic_listener<proto>>(std::move(a), ep.to_string(), tcp_options{},
                                                   abstract ? "" : ep.path);
}

} // namespace

std::shared_ptr<listener> listener::adopt(asio::any_io_executor ex, const endpoint& ep, int fd,
                                          const tcp_options& opts, std::error_code& ec)
{
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int listening = 0;
    socklen_t ilen = sizeof listening;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 || !listening) {
        ec = std::make_error_code(std::errc::not_a_socket);
        return nullptr;
    }
    const bool is_ipc = ep.transport == endpoint::kind::ipc;
    if (is_ipc != (ss.ss_family == AF_UNIX) ||
        (!is_ipc && ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
        ec = std::make_error_code(std::errc::address_family_not_supported);
        return nullptr;
    }
    if (is_ipc) {
        asio::local::stream_protocol::acceptor a(ex);
        a.assign(asio::local::stream_protocol(), fd, ec);
        if (ec)
            return nullptr;
        // Its path is whoever made it's to remove, not ours.
        return std::make_shared<basic_listener<asio::local::stream_protocol>>(
            std::move(a), ep.to_string(), tcp_options{}, "");
    }
    using asio::ip::tcp;
    tcp::acceptor a(ex);
    a.assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec)
        return nullptr;
    const auto local = a.local_endpoint(ec);
    if (ec)
        return nullptr;
    endpoint b = ep;
    b.host = local.address().to_string();
    b.port = local.port();
    return std::make_shared<basic_listener<tcp>>(std::move(a), b.to_string(), opts, "");
}

std::shared_ptr<listener> listener::open(asio::any_io_executor ex, const endpoint& ep,
                                         const tcp_options& tcp, int backlog, std::error_code& ec)
{
    if (ep.transport == endpoint::kind::ipc)
        return open_ipc(ex, ep, backlog, ec);
    return open_tcp(ex, ep, tcp, backlog, ec);
}

} // namespace zmtp::transport
