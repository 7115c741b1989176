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

    A scope grants one such write: a message that goes to many peers (PUB
    to its subscribers) is written to the first on this thread and handed
    to the I/O thread for the others. Writing to all of them here made a
    send cost one system call per subscriber, and a send that slow always
    looks "alone" to send_pace, so a publisher fell into that mode for good
    (a hundred times slower with 8 or 64 subscribers).
*/

namespace zmtp::transport {

class inline_io {
public:
    /// True while the current thread is inside a scope.
    static bool allowed() noexcept { return depth_ != 0; }
    /// True, once per scope, when the current thread may write now.
    static bool take() noexcept
    {
        if (depth_ == 0 || budget_ == 0)
            return false;
        --budget_;
        return true;
    }

    class scope {
    public:
        scope() noexcept
        {
            if (depth_++ == 0)
                budget_ = 1;
        }
        ~scope() { --depth_; }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;
    };

private:
    static constinit inline thread_local int depth_ = 0;
    static constinit inline thread_local int budget_ = 0;
};

} // namespace zmtp::transport
