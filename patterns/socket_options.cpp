// SPDX-License-Identifier: MIT
#include "zmtp/socket_options.hpp"

#include "zmtp/socket_error.hpp"

namespace zmtp {

std::error_code socket_options::validate() const
{
    // A routing id is at most 255 bytes (RFC 37 sends it as a property of
    // READY, whose name is a short string; libzmq caps the value too), and
    // ids starting with a zero byte are reserved for the generated ones.
    if (routing_id.size() > 255 || (!routing_id.empty() && routing_id[0] == '\0'))
        return socket_error::invalid_argument;
    if (connect_routing_id.size() > 255 ||
        (!connect_routing_id.empty() && connect_routing_id[0] == '\0'))
        return socket_error::invalid_argument;
    // IFNAMSIZ (16) with its terminating zero.
    if (bindtodevice.size() > 15 || bindtodevice.find('\0') != std::string::npos)
        return socket_error::invalid_argument;
    // RFC 24: PLAIN's user name and password are each at most 255 octets.
    if (plain_username.size() > 255 || plain_password.size() > 255)
        return socket_error::invalid_argument;
    const bool plain = plain_server || !plain_username.empty();
    const bool curve = curve_server || curve_serverkey.has_value();
    if (plain && curve)
        return socket_error::invalid_argument; // one mechanism per socket
    if (limits.max_frame_size == 0 || limits.max_message_size == 0 ||
        limits.max_frames_per_message == 0)
        return socket_error::invalid_argument;
    return {};
}

} // namespace zmtp
