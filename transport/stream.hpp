// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The byte streams ZMTP runs over: TCP and Unix-domain (ipc) sockets.
*/

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>

#include <variant>

namespace zmtp::transport {

using tcp_stream = asio::ip::tcp::socket;
using ipc_stream = asio::local::stream_protocol::socket;

/// A connected stream of either kind.
using any_stream = std::variant<tcp_stream, ipc_stream>;

} // namespace zmtp::transport
