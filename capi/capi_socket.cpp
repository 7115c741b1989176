// SPDX-License-Identifier: MIT
// Sockets: create, close, bind/connect, and the frame-at-a-time send and
// receive of libzmq's API over our whole-message sockets. Frames sent with
// ZMQ_SNDMORE are kept until the last one, then the message goes out whole
// (atomic, as ZMTP delivers it); a received message is handed out frame by
// frame, ZMQ_RCVMORE telling whether more follow.
#include "capi_msg.hpp"
#include "zap_client.hpp"

#include <zmq.h>

#include <chrono>
#include <cstring>

namespace zmtp::capi {

void start_close(socket_obj* s)
{
    if (s->close_started || !s->s)
        return;
    s->close_started = true;
    auto count = s->owner->lingering;
    {
        std::lock_guard lock(count->mutex);
        ++count->n;
    }
    // No thread and no wait: the socket finishes on its own executor.
    s->s->close([count] {
        std::lock_guard lock(count->mutex);
        --count->n;
        count->cv.notify_all();
    });
}

socket_obj* as_socket(void* p) noexcept
{
    auto* s = static_cast<socket_obj*>(p);
    if (!s || s->tag.load(std::memory_order_relaxed) != socket_tag) {
        errno = ENOTSOCK;
        return nullptr;
    }
    return s;
}

namespace {

std::optional<zmtp::socket_type> type_of(int t)
{
    switch (t) {
    case ZMQ_PAIR: return zmtp::socket_type::pair;
    case ZMQ_PUB: return zmtp::socket_type::pub;
    case ZMQ_SUB: return zmtp::socket_type::sub;
    case ZMQ_REQ: return zmtp::socket_type::req;
    case ZMQ_REP: return zmtp::socket_type::rep;
    case ZMQ_DEALER: return zmtp::socket_type::dealer;
    case ZMQ_ROUTER: return zmtp::socket_type::router;
    case ZMQ_PULL: return zmtp::socket_type::pull;
    case ZMQ_PUSH: return zmtp::socket_type::push;
    case ZMQ_XPUB: return zmtp::socket_type::xpub;
    case ZMQ_XSUB: return zmtp::socket_type::xsub;
    case ZMQ_STREAM: return zmtp::socket_type::stream;
    default: return std::nullopt;
    }
}

// An error of a blocking call made while the context terminates is ETERM.
int fail_op(socket_obj* s, const std::error_code& ec)
{
    if (s->terminated)
        return fail_errno(ETERM);
    return fail(ec);
}

// Sends `m` whole as `flags` say; false with `ec` (m as it was) on failure.
bool send_message(socket_obj* s, zmtp::message& m, int flags, std::error_code& ec)
{
    if (flags & ZMQ_DONTWAIT) {
        if (s->s->try_send(m, ec))
            return true;
        if (!ec)
            ec = make_error_code(zmtp::socket_error::would_block);
        return false;
    }
    s->s->send(std::move(m), ec);
    return !ec;
}

// Adds `f` to the frames collected in s->out; without ZMQ_SNDMORE, sends them as one message.
int send_frame(socket_obj* s, zmtp::frame&& f, int flags)
{
    if (s->terminated)
        return fail_errno(ETERM);
    const auto size = static_cast<int>(f.size());
    if (flags & ZMQ_SNDMORE) {
        s->out.push_back(std::move(f));
        return size;
    }
    std::error_code ec;
    if (s->out.empty()) {
        // The common case, a one-frame message: built here, nothing kept.
        zmtp::message m(std::move(f));
        return send_message(s, m, flags, ec) ? size : fail_op(s, ec);
    }
    s->out.push_back(std::move(f));
    if (!send_message(s, s->out, flags, ec)) {
        // EAGAIN: the earlier frames stay queued for a retry of this one, as
        // in libzmq. Any other failure (EHOSTUNREACH, EFSM, ...) drops the
        // message, as libzmq drops what follows a refused frame.
        if (ec == zmtp::socket_error::would_block || ec == zmtp::socket_error::timed_out)
            (void)s->out.pop_back();
        else
            s->out.clear();
        return fail_op(s, ec);
    }
    s->out.clear();
    return size;
}

// The message being received has been handed out whole: its storage goes
// back now, unless it is one small inline frame (the next receive
// overwrites that anyway; clearing it first would only cost).
void done_with_in(socket_obj* s) noexcept
{
    if (s->in.size() > 1 || !s->in.front().is_inline())
        s->in.clear();
}

// bind/connect/unbind/disconnect: the checks they share, then `op`.
template <class Op>
int endpoint_call(void* socket, const char* addr, bool refuse_when_terminated, Op op)
{
    return guarded([&]() -> int {
        auto* s = as_socket(socket);
        if (!s)
            return -1;
        if (!addr)
            return fail_errno(EINVAL);
        if (refuse_when_terminated && s->terminated)
            return fail_errno(ETERM);
        std::error_code ec;
        op(*s->s, addr, ec);
        return ec ? fail(ec) : 0;
    });
}

// The next frame of the message being received, receiving one if needed;
// null with `ec` on failure. The frame stays in s->in (the caller copies or
// shares it) until the next call: received in place, no message moved.
const zmtp::frame* next_frame(socket_obj* s, int flags, bool& more, std::error_code& ec)
{
    if (s->in_next >= s->in.size()) {
        if (s->terminated) {
            ec = make_error_code(zmtp::socket_error::closed);
            return nullptr;
        }
        s->in_next = 0;
        const bool got = (flags & ZMQ_DONTWAIT) ? s->s->try_recv(s->in, ec) : s->s->recv(s->in, ec);
        if (!got) {
            s->in.clear();
            if (!ec)
                ec = make_error_code(zmtp::socket_error::would_block);
            return nullptr;
        }
        if (s->in.empty()) // an empty message is one empty frame to libzmq
            s->in.push_back(zmtp::frame());
    }
    const zmtp::frame* f = &s->in[s->in_next++];
    more = s->in_next < s->in.size();
    return f;
}

} // namespace

} // namespace zmtp::capi

using namespace zmtp::capi;

extern "C" {

void* zmq_socket(void* context, int type)
{
    auto* c = as_context(context);
    if (!c)
        return nullptr;
    const auto t = type_of(type);
    if (!t) {
        errno = EINVAL;
        return nullptr;
    }
    std::unique_lock lock(c->mutex);
    if (c->shut_down) {
        errno = ETERM;
        return nullptr;
    }
    if (static_cast<int>(c->sockets.size()) >= c->max_sockets) {
        errno = EMFILE;
        return nullptr;
    }
    try {
        if (!c->ctx) {
            c->ctx = std::make_unique<zmtp::context>(c->io_threads);
            c->zap = std::make_shared<zap_client>(*c->ctx);
            c->ctx->set_authenticator(c->zap);
        }
        zmtp::socket_options o;
        // libzmq's defaults: linger forever (ZMQ_BLOCKY), or 0 without.
        o.linger = c->blocky ? std::chrono::milliseconds(-1) : std::chrono::milliseconds(0);
        auto s = std::make_unique<socket_obj>();
        s->owner = c;
        s->type = type;
        if (*t == zmtp::socket_type::sub)
            s->s = std::make_unique<zmtp::sub_socket>(*c->ctx, o);
        else
            s->s = std::make_unique<zmtp::socket>(*c->ctx, *t, o);
        c->sockets.insert(s.get());
        return s.release();
    } catch (const std::system_error& e) {
        errno = errno_of(e.code());
    } catch (const std::bad_alloc&) {
        errno = ENOMEM;
    } catch (...) {
        errno = EINVAL;
    }
    return nullptr;
}

int zmq_close(void* socket)
{
    return guarded([&]() -> int {
        auto* s = as_socket(socket);
        if (!s)
            return -1;
        s->tag.store(dead_tag, std::memory_order_relaxed);
        stop_monitor(s);
        context_obj* c = s->owner;
        s->in = zmtp::message();
        s->out = zmtp::message();
        // Under the context's lock: zmq_ctx_shutdown in another thread may
        // be starting the close of this very socket (start_close is not
        // safe to race with itself).
        std::lock_guard lock(c->mutex);
        start_close(s); // libzmq's zmq_close never waits: the socket lingers in the background
        c->sockets.erase(s);
        s->s.reset(); // the close goes on without the object; its inproc names are free already
        c->tombstones.emplace_back(s);
        if (c->tombstones.size() > context_obj::max_tombstones)
            c->tombstones.pop_front();
        c->cv.notify_all();
        return 0;
    });
}

int zmq_bind(void* socket, const char* addr)
{
    return endpoint_call(socket, addr, true, [](zmtp::socket& s, const char* a, std::error_code& ec) {
        s.bind(a, ec);
    });
}

int zmq_connect(void* socket, const char* addr)
{
    return endpoint_call(socket, addr, true, [](zmtp::socket& s, const char* a, std::error_code& ec) {
        s.connect(a, ec);
    });
}

int zmq_unbind(void* socket, const char* addr)
{
    return endpoint_call(socket, addr, false, [](zmtp::socket& s, const char* a, std::error_code& ec) {
        s.unbind(a, ec);
    });
}

int zmq_disconnect(void* socket, const char* addr)
{
    return endpoint_call(socket, addr, false, [](zmtp::socket& s, const char* a, std::error_code& ec) {
        s.disconnect(a, ec);
    });
}

int zmq_send(void* socket, const void* buf, size_t len, int flags)
{
    return guarded([&]() -> int {
        auto* s = as_socket(socket);
        if (!s)
            return -1;
        if (!buf && len)
            return fail_errno(EFAULT);
        try {
            return send_frame(s, zmtp::frame(buf, len), flags);
        } catch (const std::bad_alloc&) {
            return fail_errno(ENOMEM);
        }
    });
}

int zmq_send_const(void* socket, const void* buf, size_t len, int flags)
{
    return guarded([&]() -> int {
        auto* s = as_socket(socket);
        if (!s)
            return -1;
        if (!buf && len)
            return fail_errno(EFAULT);
        // The buffer is constant and outlives the send: shared, never copied.
        auto f = zmtp::frame::wrap(const_cast<void*>(buf), len, [](void*, void*) {});
        return send_frame(s, std::move(f), flags);
    });
}

int zmq_msg_send(zmq_msg_t* msg, void* socket, int flags)
{
    return guarded([&]() -> int {
        auto* s = as_socket(socket);
        if (!s)
            return -1;
        auto* r = rep_of(msg);
        if (!r)
            return -1;
        const int n = send_frame(s, to_frame(r), flags);
        if (n < 0)
            return -1;
        release(r); // sent: the message is empty again, as in libzmq
        init_empty(msg);
        return n;
    });
}

int zmq_sendmsg(void* socket, zmq_msg_t* msg, int flags)
{
    return zmq_msg_send(msg, socket, flags);
}

int zmq_recv(void* socket, void* buf, size_t len, int flags)
{
    return guarded([&]() -> int {
        auto* s = as_socket(socket);
        if (!s)
            return -1;
        if (!buf && len)
            return fail_errno(EFAULT);
        bool more = false;
        std::error_code ec;
        const zmtp::frame* f = next_frame(s, flags, more, ec);
        if (!f)
            return fail_op(s, ec);
        const std::size_t size = f->size();
        if (const std::size_t n = std::min(len, size))
            std::memcpy(buf, f->data(), n);
        if (!more)
            done_with_in(s);
        // libzmq returns the frame's size, even when larger than the buffer.
        return static_cast<int>(size);
    });
}

int zmq_msg_recv(zmq_msg_t* msg, void* socket, int flags)
{
    return guarded([&]() -> int {
        auto* s = as_socket(socket);
        if (!s)
            return -1;
        auto* r = rep_of(msg);
        if (!r)
            return -1;
        bool more = false;
        std::error_code ec;
        const zmtp::frame* f = next_frame(s, flags, more, ec);
        if (!f)
            return fail_op(s, ec);
        release(r);
        from_frame(msg, *f, s->in.shared_properties());
        reinterpret_cast<msg_rep*>(msg)->more = more ? 1 : 0;
        const std::size_t size = f->size();
        if (!more)
            done_with_in(s);
        return static_cast<int>(size);
    });
}

int zmq_recvmsg(void* socket, zmq_msg_t* msg, int flags)
{
    return zmq_msg_recv(msg, socket, flags);
}

} // extern "C"
