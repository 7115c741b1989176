// SPDX-License-Identifier: MIT
// zmq_errno, zmq_strerror, zmq_version, zmq_has, and the mapping of our
// error codes to libzmq's errno values.
#include "capi_objects.hpp"

#include "zmtp/error.hpp"
#include "zmtp/socket_error.hpp"
#include "transport/endpoint.hpp"

#include <zmq.h>

#include <cstring>

namespace zmtp::capi {

int errno_of(const std::error_code& ec) noexcept
{
    if (ec.category() == zmtp::socket_category()) {
        switch (static_cast<zmtp::socket_error>(ec.value())) {
        case zmtp::socket_error::would_block:
        case zmtp::socket_error::timed_out: return EAGAIN;
        case zmtp::socket_error::closed: return ETERM;
        case zmtp::socket_error::not_supported: return ENOTSUP;
        case zmtp::socket_error::bad_state: return EFSM;
        case zmtp::socket_error::host_unreachable: return EHOSTUNREACH;
        case zmtp::socket_error::invalid_argument: return EINVAL;
        case zmtp::socket_error::not_a_socket: return ENOTSOCK;
        case zmtp::socket_error::request_lost:
        case zmtp::socket_error::retries_exhausted: return EAGAIN;
        case zmtp::socket_error::would_deadlock: return EDEADLK;
        case zmtp::socket_error::subscription_limit: return ENOBUFS;
        }
        return EINVAL;
    }
    if (ec.category() == zmtp::error_category()) {
        switch (static_cast<zmtp::error>(ec.value())) {
        case zmtp::error::incompatible_socket_type: return EINVAL;
        default: return EPROTO;
        }
    }
    // errno values: the standard categories, and Asio's own system category
    // (standalone Asio reports socket errors in "asio.system").
    if (ec.category() == std::system_category() || ec.category() == std::generic_category() ||
        std::strcmp(ec.category().name(), "asio.system") == 0)
        return ec.value() ? ec.value() : EINVAL;
    if (std::strcmp(ec.category().name(), "asio.netdb") == 0 ||
        std::strcmp(ec.category().name(), "asio.addrinfo") == 0)
        return ENODEV; // a name that does not resolve: libzmq's bind says no such device
    if (ec.category() == zmtp::transport::transport_category()) {
        switch (static_cast<zmtp::transport::transport_error>(ec.value())) {
        case zmtp::transport::transport_error::unsupported_transport: return EPROTONOSUPPORT;
        case zmtp::transport::transport_error::unknown_endpoint: return ENOENT;
        case zmtp::transport::transport_error::address_in_use: return EADDRINUSE;
        default: return EINVAL;
        }
    }
    return EINVAL;
}

int fail(const std::error_code& ec) noexcept
{
    errno = errno_of(ec);
    return -1;
}

} // namespace zmtp::capi

using namespace zmtp::capi;

extern "C" {

int zmq_errno(void)
{
    return errno;
}

const char* zmq_strerror(int errnum)
{
    switch (errnum) {
    case EFSM: return "Operation cannot be accomplished in current state";
    case ENOCOMPATPROTO: return "The protocol is not compatible with the socket type";
    case ETERM: return "Context was terminated";
    case EMTHREAD: return "No thread available";
    default: return std::strerror(errnum);
    }
}

void zmq_version(int* major, int* minor, int* patch)
{
    if (major)
        *major = ZMQ_VERSION_MAJOR;
    if (minor)
        *minor = ZMQ_VERSION_MINOR;
    if (patch)
        *patch = ZMQ_VERSION_PATCH;
}

int zmq_has(const char* capability)
{
    if (!capability)
        return 0;
    // What this engine has: ipc, curve (libsodium). Not pgm, norm, tipc,
    // gssapi, vmci, draft.
    return std::strcmp(capability, "ipc") == 0 || std::strcmp(capability, "curve") == 0;
}

} // extern "C"
