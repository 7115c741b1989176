// SPDX-License-Identifier: MIT
// Contexts: zmq_ctx_new/term/shutdown/set/get and the deprecated forms.
#include "capi_objects.hpp"
#include "zap_client.hpp"

#include <zmq.h>

namespace zmtp::capi {

context_obj* as_context(void* p) noexcept
{
    auto* c = static_cast<context_obj*>(p);
    if (!c || c->tag != context_tag) {
        errno = EFAULT;
        return nullptr;
    }
    return c;
}

} // namespace zmtp::capi

using namespace zmtp::capi;

extern "C" {

void* zmq_ctx_new(void)
{
    try {
        return new context_obj;
    } catch (...) {
        errno = ENOMEM;
        return nullptr;
    }
}

int zmq_ctx_shutdown(void* context)
{
    return guarded([&]() -> int {
        auto* c = as_context(context);
        if (!c)
            return -1;
        std::lock_guard lock(c->mutex);
        c->shut_down = true;
        // Blocking calls in other threads fail with ETERM from now on.
        for (auto* s : c->sockets) {
            s->terminated = true;
            start_close(s); // wakes its blocked operations (closed -> ETERM); lingers
        }
        return 0;
    });
}

int zmq_ctx_term(void* context)
{
    return guarded([&]() -> int {
        auto* c = as_context(context);
        if (!c)
            return -1;
        if (zmq_ctx_shutdown(context) != 0)
            return -1;
        {
            // libzmq: term blocks until every socket of the context is closed,
            // then until each has sent what it holds or its linger has passed.
            std::unique_lock lock(c->mutex);
            c->cv.wait(lock, [&] { return c->sockets.empty(); });
        }
        {
            auto& count = *c->lingering;
            std::unique_lock lock(count.mutex);
            count.cv.wait(lock, [&] { return count.n == 0; });
        }
        c->tag = dead_tag;
        if (c->zap)
            c->zap->stop();
        delete c; // the context's destructor stops its threads
        return 0;
    });
}

int zmq_ctx_set(void* context, int option, int value)
{
    auto* c = as_context(context);
    if (!c)
        return -1;
    std::lock_guard lock(c->mutex);
    switch (option) {
    case ZMQ_IO_THREADS:
        if (value < 0)
            return fail_errno(EINVAL);
        c->io_threads = value == 0 ? 1 : value; // takes effect with the first socket
        return 0;
    case ZMQ_MAX_SOCKETS:
        if (value < 1)
            return fail_errno(EINVAL);
        c->max_sockets = value;
        return 0;
    case ZMQ_BLOCKY:
        c->blocky = value != 0;
        return 0;
    case ZMQ_THREAD_PRIORITY:
    case ZMQ_THREAD_SCHED_POLICY:
    case ZMQ_THREAD_AFFINITY_CPU_ADD:
    case ZMQ_THREAD_AFFINITY_CPU_REMOVE:
    case ZMQ_THREAD_NAME_PREFIX:
    case ZMQ_MAX_MSGSZ:
        return 0; // accepted; the I/O threads keep the system's defaults
    default:
        return fail_errno(EINVAL);
    }
}

int zmq_ctx_get(void* context, int option)
{
    auto* c = as_context(context);
    if (!c)
        return -1;
    std::lock_guard lock(c->mutex);
    switch (option) {
    case ZMQ_IO_THREADS: return c->io_threads;
    case ZMQ_MAX_SOCKETS: return c->max_sockets;
    case ZMQ_SOCKET_LIMIT: return 65535;
    case ZMQ_BLOCKY: return c->blocky ? 1 : 0;
    case ZMQ_MSG_T_SIZE: return static_cast<int>(sizeof(zmq_msg_t));
    case ZMQ_MAX_MSGSZ: return 0x7fffffff;
    default: return fail_errno(EINVAL);
    }
}

void* zmq_init(int io_threads)
{
    if (io_threads < 0) {
        errno = EINVAL;
        return nullptr;
    }
    void* c = zmq_ctx_new();
    if (c)
        zmq_ctx_set(c, ZMQ_IO_THREADS, io_threads);
    return c;
}

int zmq_term(void* context)
{
    return zmq_ctx_term(context);
}

int zmq_ctx_destroy(void* context)
{
    return zmq_ctx_term(context);
}

} // extern "C"
