// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The objects behind the C API's `void*` handles and `zmq_msg_t`, and the
    mapping of our error codes to libzmq's errno values.

    A handle is checked before use (a tag at its start): a NULL, closed or
    foreign pointer gets EFAULT or ENOTSOCK instead of a crash, where libzmq
    would assert. A context tracks its sockets: zmq_ctx_term() makes their
    blocking calls fail with ETERM and waits until the application has
    closed each of them, as libzmq does.
*/

#include "zmtp/context.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket.hpp"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <zmq.h> // the errno values libzmq adds (ETERM)

namespace zmtp::capi {

inline constexpr std::uint32_t context_tag = 0x5a4d5443; // "ZMTC"
inline constexpr std::uint32_t socket_tag = 0x5a4d5453;  // "ZMTS"
inline constexpr std::uint32_t dead_tag = 0xdeadbeef;

struct socket_obj;
class zap_client;

struct context_obj {
    std::uint32_t tag = context_tag;
    std::mutex mutex;
    std::condition_variable cv;
    std::unique_ptr<zmtp::context> ctx; // made with the first socket (ZMQ_IO_THREADS applies until then)
    std::shared_ptr<zap_client> zap;     // ZAP through inproc://zeromq.zap.01
    int io_threads = 1;
    int max_sockets = 1023;
    bool blocky = true;
    bool shut_down = false; // zmq_ctx_shutdown / term started: new sockets fail with ETERM
    std::set<socket_obj*> sockets;
    /// How many closed sockets still linger in the background (zmq_close
    /// never blocks; zmq_ctx_term waits for them, as libzmq's term waits
    /// for linger). Shared with the sockets' close handlers, which may run
    /// as the context goes.
    struct linger_count {
        std::mutex mutex;
        std::condition_variable cv;
        std::size_t n = 0;
    };
    std::shared_ptr<linger_count> lingering = std::make_shared<linger_count>();
    /// Closed handles kept (dead-tagged) so that a use after zmq_close gets
    /// ENOTSOCK instead of reading freed memory; the oldest are freed past
    /// a bound, and all at zmq_ctx_term.
    std::deque<std::unique_ptr<socket_obj>> tombstones;
    static constexpr std::size_t max_tombstones = 4096;
};

struct socket_obj {
    // Atomic: a thread may look at a handle that another is closing (a
    // misuse libzmq does not survive); it then sees either tag, never a torn one.
    std::atomic<std::uint32_t> tag{socket_tag};
    context_obj* owner = nullptr;
    int type = 0;
    std::unique_ptr<zmtp::socket> s;
    zmtp::message out;      // frames sent with ZMQ_SNDMORE, not yet sent
    zmtp::message in;       // the message being handed out frame by frame
    std::size_t in_next = 0;
    std::atomic<bool> terminated{false}; // the context is terminating: blocking calls fail with ETERM
    std::shared_ptr<zmtp::socket> monitor; // zmq_socket_monitor's PAIR, if any
    std::shared_ptr<struct monitor_state> monitor_state; // what it has seen listening
    bool close_started = false;            // closing in the background (term, or zmq_close)
};

/// Starts closing `s` in the background (idempotent); the socket lingers
/// there. Called with the owning context's mutex held.
void start_close(socket_obj* s);

/// Stops zmq_socket_monitor's events (MONITOR_STOPPED is the last one).
void stop_monitor(socket_obj* s);

/// The context behind a handle, or null (errno EFAULT).
context_obj* as_context(void* p) noexcept;
/// The socket behind a handle, or null (errno ENOTSOCK).
socket_obj* as_socket(void* p) noexcept;
/// As as_socket(), for calls refused once the context is terminating
/// (null with errno ETERM then, as libzmq).
inline socket_obj* live_socket(void* p) noexcept
{
    auto* s = as_socket(p);
    if (s && s->terminated) {
        errno = ETERM;
        return nullptr;
    }
    return s;
}

/// libzmq's errno for one of our error codes.
int errno_of(const std::error_code& ec) noexcept;
/// Sets errno from `ec` and returns -1.
int fail(const std::error_code& ec) noexcept;
/// Sets errno to `e` and returns -1.
inline int fail_errno(int e) noexcept
{
    errno = e;
    return -1;
}

/** Runs an API function's body: no exception ever crosses the C boundary
    (a system error becomes its errno, anything else EINVAL or ENOMEM). */
template <class F>
int guarded(F&& body) noexcept
{
    try {
        return body();
    } catch (const std::system_error& e) {
        return fail(e.code());
    } catch (const std::bad_alloc&) {
        return fail_errno(ENOMEM);
    } catch (...) {
        return fail_errno(EINVAL);
    }
}

//----------------------------------------------------------------------------
// zmq_msg_t

/** What a zmq_msg_t holds (64 bytes): a small body in place, or a shared
    block (ours, or the application's through zmq_msg_init_data), plus the
    sender's properties. */
struct msg_rep {
    static constexpr std::size_t small_capacity = 40;
    std::uint32_t tag;      // msg_live while initialised
    std::uint8_t large;     // 0: small[], 1: block
    std::uint8_t more;      // ZMQ_MORE
    std::uint16_t small_size;
    void* props;            // message_properties's representation, owned
    struct shared_body {
        zmtp::detail::block* owner;
        std::byte* data;
        std::size_t size;
    };
    union {
        std::byte small[small_capacity];
        shared_body big;
    };
};
static_assert(sizeof(msg_rep) <= 64, "a zmq_msg_t is 64 bytes");
inline constexpr std::uint32_t msg_live = 0x4d534721;

} // namespace zmtp::capi
