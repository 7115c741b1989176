// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `connector`: connects to one endpoint, and again after every loss.

    The host name is resolved again at every attempt and every address it
    returns is tried in order (libzmq resolves once and uses the first
    address only, libzmq#2297). Between attempts the connector waits
    `reconnect_ivl` plus a random jitter of up to `reconnect_ivl`; when
    `reconnect_ivl_max` is larger, the wait doubles after each failure up to
    that maximum, and returns to `reconnect_ivl` after a successful
    handshake (RFC 37 asks for a randomized, increasing delay).
*/

#include "transport/endpoint.hpp"
#include "transport/stream.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace zmtp::transport {

/** Socket-level options applied to every TCP connection. */
struct tcp_options {
    /// -1 leaves the OS default; 0 disables, 1 enables SO_KEEPALIVE.
    int keepalive = -1;
    int keepalive_cnt = -1;   ///< TCP_KEEPCNT, -1 = OS default
    int keepalive_idle = -1;  ///< TCP_KEEPIDLE seconds, -1 = OS default
    int keepalive_intvl = -1; ///< TCP_KEEPINTVL seconds, -1 = OS default
    int sndbuf = -1;          ///< SO_SNDBUF bytes, -1 = OS default
    int rcvbuf = -1;          ///< SO_RCVBUF bytes, -1 = OS default
    int tos = -1;             ///< IP_TOS (IPv4) / IPV6_TCLASS (IPv6), -1 = OS default
    int maxrt_ms = 0;         ///< TCP_USER_TIMEOUT milliseconds, 0 = OS default
    std::string device;       ///< SO_BINDTODEVICE interface, empty = any
};

/** Binds an open TCP socket (or acceptor) `fd` to o.device, if set. It
    must happen before connect() and bind(): the route is chosen then. */
std::error_code bind_to_device(int fd, const tcp_options& o);

/// Applies TCP_NODELAY, the keepalive, buffer, TOS and user-timeout options to a TCP socket.
void apply_tcp_options(tcp_stream& s, const tcp_options& o);

struct connector_options {
    /// First retry delay; negative = never reconnect.
    std::chrono::milliseconds reconnect_ivl{100};
    /// Upper bound of the exponential backoff; <= reconnect_ivl = no backoff.
    std::chrono::milliseconds reconnect_ivl_max{0};
    /// A TCP connect not done within this fails (timed_out) and is retried; 0 = the OS's.
    std::chrono::milliseconds connect_timeout{0};
    tcp_options tcp;
};

class connector : public std::enable_shared_from_this<connector> {
public:
    /// Called with a connected stream and the remote's description.
    using connected_handler = std::function<void(any_stream&&, std::string remote)>;
    /// Called when an attempt failed; a retry follows after `delay`.
    using retry_handler = std::function<void(std::error_code, std::chrono::milliseconds delay)>;

    connector(asio::any_io_executor ex, endpoint ep, connector_options opts,
              connected_handler on_connected, retry_handler on_retry);

    /// Attempts a connection now.
    void start();
    /// Attempts again after the backoff delay (after a lost connection).
    void retry();
    /// A handshake succeeded: the next delay starts from reconnect_ivl again.
    void reset_backoff() noexcept { current_ivl_ = opts_.reconnect_ivl; }
    /// Stops all attempts; no handler runs afterwards.
    void stop();

    const endpoint& target() const noexcept { return ep_; }

private:
    void attempt();
    void attempt_tcp();
    /// Tries resolved address `i` of `addrs_`, then the next ones.
    void connect_next(std::size_t i, std::error_code last);
    void attempt_ipc();
    void failed(std::error_code ec);
    std::chrono::milliseconds next_delay();

    asio::any_io_executor ex_;
    endpoint ep_;
    connector_options opts_;
    connected_handler on_connected_;
    retry_handler on_retry_;
    asio::ip::tcp::resolver resolver_;
    asio::steady_timer timer_;
    std::chrono::milliseconds current_ivl_;
    std::minstd_rand rng_;
    std::unique_ptr<any_stream> pending_;
    std::vector<asio::ip::tcp::endpoint> addrs_; // the attempt's resolved addresses
    std::uint64_t attempt_ = 0;   // numbers TCP attempts, for the connect timeout
    bool connect_timed_out_ = false;
    bool stopped_ = false;
};

} // namespace zmtp::transport
