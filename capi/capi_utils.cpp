// SPDX-License-Identifier: MIT
// Z85 and CURVE key helpers, atomic counters, the stopwatch, sleep and
// thread helpers of zmq_utils.h.
#include "capi_objects.hpp"

#include "zmtp/curve_keys.hpp"
#include "zmtp/z85.hpp"

#include <zmq.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

using namespace zmtp::capi;

extern "C" {

char* zmq_z85_encode(char* dest, const uint8_t* data, size_t size)
{
    if (!dest || !data || size % 4 != 0) {
        errno = EINVAL;
        return nullptr;
    }
    auto text = zmtp::z85_encode({reinterpret_cast<const std::byte*>(data), size});
    std::memcpy(dest, text->c_str(), text->size() + 1);
    return dest;
}

uint8_t* zmq_z85_decode(uint8_t* dest, const char* string)
{
    if (!dest || !string) {
        errno = EINVAL;
        return nullptr;
    }
    auto bytes = zmtp::z85_decode(string);
    if (!bytes) {
        errno = EINVAL;
        return nullptr;
    }
    if (!bytes->empty())
        std::memcpy(dest, bytes->data(), bytes->size());
    return dest;
}

int zmq_curve_keypair(char* z85_public, char* z85_secret)
{
    if (!z85_public || !z85_secret)
        return fail_errno(EINVAL);
    const auto kp = zmtp::generate_curve_keypair();
    const auto pub = zmtp::curve_key_to_z85(kp.public_key);
    auto sec = zmtp::curve_key_to_z85(kp.secret_key);
    std::memcpy(z85_public, pub.c_str(), 41);
    std::memcpy(z85_secret, sec.c_str(), 41);
    zmtp::wipe({reinterpret_cast<std::byte*>(sec.data()), sec.size()});
    return 0;
}

int zmq_curve_public(char* z85_public, const char* z85_secret)
{
    if (!z85_public || !z85_secret || std::strlen(z85_secret) != 40)
        return fail_errno(EINVAL);
    auto secret = zmtp::parse_curve_key(z85_secret);
    if (!secret)
        return fail_errno(EINVAL);
    const auto pub = zmtp::curve_key_to_z85(zmtp::curve_public_from_secret(*secret));
    zmtp::wipe(*secret);
    std::memcpy(z85_public, pub.c_str(), 41);
    return 0;
}

void* zmq_atomic_counter_new(void)
{
    return new (std::nothrow) std::atomic<int>(0);
}

void zmq_atomic_counter_set(void* counter, int value)
{
    if (counter)
        static_cast<std::atomic<int>*>(counter)->store(value);
}

int zmq_atomic_counter_inc(void* counter)
{
    return counter ? static_cast<std::atomic<int>*>(counter)->fetch_add(1) : 0;
}

int zmq_atomic_counter_dec(void* counter)
{
    // libzmq returns 0 when the counter reached zero, else 1.
    return counter ? (static_cast<std::atomic<int>*>(counter)->fetch_sub(1) - 1 != 0 ? 1 : 0) : 0;
}

int zmq_atomic_counter_value(void* counter)
{
    return counter ? static_cast<std::atomic<int>*>(counter)->load() : 0;
}

void zmq_atomic_counter_destroy(void** counter_p)
{
    if (counter_p && *counter_p) {
        delete static_cast<std::atomic<int>*>(*counter_p);
        *counter_p = nullptr;
    }
}

void* zmq_stopwatch_start(void)
{
    auto* t = new (std::nothrow) std::chrono::steady_clock::time_point(std::chrono::steady_clock::now());
    return t;
}

unsigned long zmq_stopwatch_intermediate(void* watch)
{
    if (!watch)
        return 0;
    const auto start = *static_cast<std::chrono::steady_clock::time_point*>(watch);
    return static_cast<unsigned long>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start)
            .count());
}

unsigned long zmq_stopwatch_stop(void* watch)
{
    const unsigned long us = zmq_stopwatch_intermediate(watch);
    delete static_cast<std::chrono::steady_clock::time_point*>(watch);
    return us;
}

void zmq_sleep(int seconds)
{
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
}

void* zmq_threadstart(zmq_thread_fn* func, void* arg)
{
    try {
        return new std::thread(func, arg);
    } catch (...) {
        errno = EAGAIN;
        return nullptr;
    }
}

void zmq_threadclose(void* thread)
{
    if (auto* t = static_cast<std::thread*>(thread)) {
        if (t->joinable())
            t->join();
        delete t;
    }
}

} // extern "C"
