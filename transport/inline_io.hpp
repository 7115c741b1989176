// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `inline_io`: whether the current thread may do a connection's I/O
    itself, now.

    An engine normally writes from its I/O thread. An application thread
    that owns its socket (patterns/socket_owner.hpp) marks itself with an
    `inline_io::scope` while it does; an engine then writes a message to
    an idle connection at once, on that thread, instead of waking the I/O
    thread for it (see basic_engine::notify_outbound).
*/

namespace zmtp::transport {

class inline_io {
public:
    /// True while the current thread is inside a scope.
    static bool allowed() noexcept { return depth_ != 0; }

    class scope {
    public:
        scope() noexcept { ++depth_; }
        ~scope() { --depth_; }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;
    };

private:
    static constinit inline thread_local int depth_ = 0;
};

} // namespace zmtp::transport
