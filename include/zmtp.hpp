// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The one header to include: the context, the sockets, messages and
    frames, options, events and errors.

    @code
    #include <zmtp.hpp>

    zmtp::context ctx;
    zmtp::pull_socket pull(ctx);
    pull.bind("tcp://0.0.0.0:5557");
    zmtp::message task = pull.recv();
    @endcode
*/

#include "zmtp/context.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"
#include "zmtp/poll.hpp"
#include "zmtp/proxy.hpp"
#include "zmtp/socket.hpp"
#include "zmtp/socket_error.hpp"
#include "zmtp/socket_event.hpp"
#include "zmtp/socket_options.hpp"
#include "zmtp/socket_type.hpp"
#include "zmtp/version.hpp"
