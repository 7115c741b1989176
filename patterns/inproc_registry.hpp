// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `inproc_registry`: a context's `inproc://` names -- which socket bound
    each, and which sockets wait to connect to one not bound yet.

    It pairs a connecting socket with the binding one, in either order (a
    connect before the bind waits, as in libzmq since 4.0), and makes the
    two engines of the connection (transport/inproc_engine.hpp): the
    binder's goes to its executor, to be adopted like an accepted
    connection; the connecter's to its own. The names are the only shared
    state, behind a mutex taken at bind, unbind and connect time only.

    Both sides register objects they own (shared_ptr) and the registry
    keeps weak references: a socket that goes away needs no call here.
*/

#include "transport/inproc_engine.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace zmtp::patterns {

class inproc_registry {
public:
    using engine_ptr = std::shared_ptr<transport::inproc_engine>;

    /** A bound name. `accept` runs on the binder's executor (side.executor)
        with the binder's engine of a new connection. */
    struct binder {
        std::string name;
        /// The socket that bound it, for unbind_all (compared, never used).
        const void* owner = nullptr;
        transport::inproc_side side;
        std::function<void(engine_ptr)> accept;
    };

    /** A socket connecting to a name. `connected` runs on its executor with
        its engine; `refused` when the name is bound by a socket of a type
        it cannot talk to (it stays waiting for another bind). */
    struct connecter {
        transport::inproc_side side;
        std::function<void(engine_ptr)> connected;
        std::function<void(std::error_code)> refused;
    };

    /** Binds `name`; address_in_use if another socket has it. Connecters
        waiting for it are paired now (their engines posted, the binder's
        accepted before this returns). Call on the binder's executor. */
    void bind(const std::string& name, const std::shared_ptr<binder>& b, std::error_code& ec);
    /// Releases `name` if `b` holds it.
    void unbind(const std::string& name, const binder* b);
    /** Releases every name `owner` holds. Any thread: a closing socket
        gives its names back at once, so that another socket may bind one
        as soon as the close call returns, though the socket lingers. */
    void unbind_all(const void* owner);
    /// True if a socket has `name` bound now (libzmq's ZAP looks for its handler so).
    bool is_bound(std::string_view name);

    /** Connects to `name`. Bound: returns the connecter's engine (the
        binder's is posted to it), or sets incompatible_socket_type.
        Not bound: returns null, and `c` waits for a bind. Call on the
        connecter's executor. */
    engine_ptr connect(const std::string& name, const std::shared_ptr<connecter>& c,
                       std::error_code& ec);

private:
    struct entry {
        std::weak_ptr<binder> bound;
        std::vector<std::weak_ptr<connecter>> waiting;
    };

    std::mutex mutex_;
    std::map<std::string, entry, std::less<>> names_;
};

} // namespace zmtp::patterns
