// SPDX-License-Identifier: MIT
#include "zmtp/socket_error.hpp"

#include <string>

namespace zmtp {
namespace {

class category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "zmtp.socket"; }
    std::string message(int ev) const override
    {
        switch (static_cast<socket_error>(ev)) {
        case socket_error::would_block: return "operation would block";
        case socket_error::timed_out: return "operation timed out";
        case socket_error::closed: return "socket closed";
        case socket_error::not_supported: return "operation not supported by this socket type";
        case socket_error::bad_state: return "operation not allowed in the socket's current state";
        case socket_error::request_lost: return "the connection carrying the request was lost";
        case socket_error::retries_exhausted: return "no reply after the last retry";
        case socket_error::host_unreachable: return "no peer with that routing id";
        case socket_error::invalid_argument: return "invalid argument";
        case socket_error::would_deadlock:
            return "blocking call on the socket's own executor would deadlock";
        case socket_error::subscription_limit:
            return "the peer's subscriptions passed max_subscription_bytes";
        case socket_error::not_a_socket: return "not a socket (moved from)";
        }
        return "unknown socket error";
    }
    std::error_condition default_error_condition(int ev) const noexcept override
    {
        switch (static_cast<socket_error>(ev)) {
        case socket_error::would_block:
        case socket_error::timed_out:
            return std::errc::resource_unavailable_try_again;
        case socket_error::not_supported: return std::errc::operation_not_supported;
        case socket_error::invalid_argument: return std::errc::invalid_argument;
        case socket_error::host_unreachable: return std::errc::host_unreachable;
        case socket_error::not_a_socket: return std::errc::not_a_socket;
        default: return {ev, *this};
        }
    }
};

} // namespace

const std::error_category& socket_category() noexcept
{
    static const category_impl instance;
    return instance;
}

} // namespace zmtp
