// SPDX-License-Identifier: MIT
// zmq_proxy, zmq_proxy_steerable and zmq_device on zmtp::proxy.
#include "capi_objects.hpp"

#include "zmtp/proxy.hpp"

#include <zmq.h>

using namespace zmtp::capi;

extern "C" {

int zmq_proxy_steerable(void* frontend, void* backend, void* capture, void* control)
{
    return guarded([&]() -> int {
        auto* f = as_socket(frontend);
        auto* b = as_socket(backend);
        if (!f || !b)
            return -1;
        socket_obj* c = nullptr;
        socket_obj* k = nullptr;
        if (capture && !(c = as_socket(capture)))
            return -1;
        if (control && !(k = as_socket(control)))
            return -1;
        const auto ec = zmtp::proxy(*f->s, *b->s, c ? c->s.get() : nullptr, k ? k->s.get() : nullptr);
        if (!ec)
            return 0; // TERMINATE on the control socket
        // A socket closed under the proxy: its context is terminating (ETERM).
        if (ec == zmtp::socket_error::closed || f->terminated || b->terminated)
            return fail_errno(ETERM);
        return fail(ec);
    });
}

int zmq_proxy(void* frontend, void* backend, void* capture)
{
    return zmq_proxy_steerable(frontend, backend, capture, nullptr);
}

int zmq_device(int type, void* frontend, void* backend)
{
    (void)type; // libzmq ignores it too: every device is a proxy
    return zmq_proxy(frontend, backend, nullptr);
}

} // extern "C"
