// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Size and count limits, checked when a frame header arrives and before
    anything is allocated for its body.
*/

#include <cstddef>

namespace zmtp {

/** Limits on what a peer may send. libzmq's defaults are unlimited; ours are
    finite so that a hostile peer cannot make us allocate without bound. */
struct limits {
    /// Largest data frame body. A frame that declares more closes the connection.
    std::size_t max_frame_size = std::size_t{256} << 20; // 256 MiB
    /// Largest message (sum of its frame bodies).
    std::size_t max_message_size = std::size_t{256} << 20; // 256 MiB
    /// Most frames in one message.
    std::size_t max_frames_per_message = 4096;
    /// Largest command frame body (READY with its metadata, PING, SUBSCRIBE ...).
    std::size_t max_command_size = std::size_t{64} << 10; // 64 KiB
    /** Control output (subscriptions, mostly) queued for a peer that does
        not read it. Past this the connection fails with
        error::output_backlog. PING and PONG never add to it: at most one of
        each waits unsent, the newest (libzmq keeps one PONG too). */
    std::size_t max_control_output = std::size_t{16} << 20; // 16 MiB
    /// Accept frames with reserved flag bits set (ignoring the bits), as libzmq does.
    bool lenient_flags = false;
};

} // namespace zmtp
