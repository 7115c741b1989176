// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `session_set`: a socket's endpoints -- the listeners it bound, and the
    sessions (peers) they accepted or that connect() made -- from bind to
    unbind, connect to disconnect, accept to departure.

    It also keeps two counts the socket needs: the peers whose handshake is
    complete (wait_for_peers), and the departed peers whose unread messages
    the socket keeps. A live peer's queue is bounded by the HWM and the
    number of live peers by the descriptors; without a bound on departed
    ones a peer could connect, fill its queue, leave, and do it again, for
    ever, while the application is slow. At 16 x rcvhwm messages left by
    departed peers, or 4096 such peers, the listeners stop accepting
    (nothing is dropped: new peers wait in the kernel's backlog) until half
    is read.
*/

#include "patterns/session.hpp"
#include "patterns/socket_strand.hpp"
#include "transport/listener.hpp"

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp::patterns {

class pipe_events;
class session_host;

class session_set {
public:
    static constexpr std::size_t departed_hwm_factor = 16;
    static constexpr std::size_t max_departed_peers = 4096;

    session_set(session_host& host, pipe_events& pattern, const socket_strand& strand);
    ~session_set();
    session_set(const session_set&) = delete;
    session_set& operator=(const session_set&) = delete;

    // All on the strand.

    /// Binds and starts accepting; returns the endpoint bound (port resolved).
    std::string bind(std::string_view ep, std::error_code& ec);
    /// Starts connecting (and reconnecting) to `ep`.
    void connect(std::string_view ep, std::error_code& ec);
    /// Closes the listener of `ep` and the connections it accepted.
    void unbind(std::string_view ep, std::error_code& ec);
    /// Removes the sessions that connect() made to `ep`.
    void disconnect(std::string_view ep, std::error_code& ec);
    const std::string& last_endpoint() const noexcept { return last_endpoint_; }

    /// Peers whose handshake is complete and whose connection is up.
    std::size_t ready_peers() const noexcept { return ready_peers_; }
    void peer_ready() noexcept { ++ready_peers_; }
    void peer_lost() noexcept { --ready_peers_; }

    /// An accepted session's connection ended: it stays while it has messages to read.
    void departed(session& s);
    /// Removes a session on a fresh turn (never from inside code that uses it).
    void remove_later(const session& s);
    /// True when no session has output waiting (closing waits for it).
    bool output_idle() const noexcept;

    /// The socket is closing and lingers (session::release_output()).
    void release_output()
    {
        for (auto& s : sessions_)
            s->release_output();
    }
    /// Closes every listener (reporting each as closed).
    void close_listeners();
    /// Stops and removes every session, without events.
    void stop_all();

private:
    struct bound_listener {
        std::uint64_t id;
        std::string requested;
        std::string bound;
        std::shared_ptr<transport::listener> listener; ///< tcp and ipc
        std::shared_ptr<inproc_registry::binder> inproc; ///< inproc: the name bound
        /// Stops accepting (the name is free again for inproc).
        void close(inproc_registry& names);
    };

    std::string bind_inproc(const std::string& name, std::error_code& ec);
    void accepted_inproc(std::uint64_t listener, const std::string& bound,
                         std::shared_ptr<transport::inproc_engine> e);

    void accepted(std::uint64_t listener, const std::string& bound, transport::any_stream&& s,
                  std::string remote);
    void remove(session& s);
    /// Removes the sessions `pred` selects; returns how many it selected.
    template <class Pred>
    std::size_t remove_if(Pred pred);
    /// Pauses or resumes accepting as departed peers' unread messages pile up or drain.
    void check_departed();

    session_host& host_;
    pipe_events& pattern_;
    const socket_strand& strand_;
    std::list<std::unique_ptr<session>> sessions_;
    std::vector<bound_listener> listeners_;
    std::uint64_t next_id_ = 1; // for sessions and listeners alike
    std::string last_endpoint_;
    std::size_t ready_peers_ = 0;
    std::size_t departed_ = 0;
    std::size_t departed_messages_ = 0;
    bool accept_paused_ = false;
};

} // namespace zmtp::patterns
