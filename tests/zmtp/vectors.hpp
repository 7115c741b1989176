// SPDX-License-Identifier: MIT
#pragma once

// Golden byte vectors: what libzmq 4.3.4 actually puts on the wire, written
// out byte by byte (never produced by our encoders). Sources:
// /work/shared/reference/zmtp-digest.md §1.1, §3 (probes P1-P3) and
// libzmq-tests.md §1.9 (libzmq's tests/testutil.hpp, test_heartbeats.cpp,
// test_mock_pub_sub.cpp, test_stream.cpp).

#include "test_util.hpp"

namespace zmtp::test::vectors {

//----------------------------------------------------------------------------
// Greetings (64 bytes)

/// libzmq 4.3.4 PULL without identity: padding is uint64_be(id_len + 1).
inline const bytes libzmq_greeting =
    cat(0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x7f, // signature
        0x03, 0x01,                                                 // version 3.1
        "NULL", zeros{16},                                          // mechanism
        0x00,                                                       // as-server
        zeros{31});                                                 // filler

/// The same with ZMQ_ROUTING_ID "abc": padding byte 8 is 04.
inline const bytes libzmq_greeting_identity_abc =
    cat(0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x7f, 0x03, 0x01, "NULL", zeros{16},
        0x00, zeros{31});

/// libzmq's tests/testutil.hpp zmtp_greeting_null: a ZMTP 3.0 peer.
inline const bytes libzmq_test_greeting_30 =
    cat(0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x03, 0x00, "NULL", zeros{16},
        0x00, zeros{31});

/// What we send: zero padding, 3.1, NULL, as-server 0.
inline const bytes our_greeting =
    cat(0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x03, 0x01, "NULL", zeros{16},
        0x00, zeros{31});

//----------------------------------------------------------------------------
// READY as libzmq 4.3.4 sends it (Identity only for REQ, DEALER, ROUTER)

inline const bytes ready_pull =
    cat(0x04, 0x1a, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x04, "PULL");
inline const bytes ready_push =
    cat(0x04, 0x1a, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x04, "PUSH");
inline const bytes ready_pub =
    cat(0x04, 0x19, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x03, "PUB");
inline const bytes ready_sub =
    cat(0x04, 0x19, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x03, "SUB");
inline const bytes ready_xpub =
    cat(0x04, 0x1a, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x04, "XPUB");
inline const bytes ready_req =
    cat(0x04, 0x26, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x03, "REQ", 0x08,
        "Identity", 0x00, 0x00, 0x00, 0x00);
inline const bytes ready_dealer =
    cat(0x04, 0x29, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x06, "DEALER", 0x08,
        "Identity", 0x00, 0x00, 0x00, 0x00);
inline const bytes ready_dealer_abc =
    cat(0x04, 0x2c, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x06, "DEALER", 0x08,
        "Identity", 0x00, 0x00, 0x00, 0x03, "abc");
inline const bytes ready_router =
    cat(0x04, 0x29, 0x05, "READY", 0x0b, "Socket-Type", 0x00, 0x00, 0x00, 0x06, "ROUTER", 0x08,
        "Identity", 0x00, 0x00, 0x00, 0x00);

//----------------------------------------------------------------------------
// Heartbeats (test_heartbeats.cpp, probe P3)

/// libzmq's PING: TTL 50 ds, no context.
inline const bytes ping_ttl50 = cat(0x04, 0x07, 0x04, "PING", 0x00, 0x32);
/// Our answer to a PING without context.
inline const bytes pong_empty = cat(0x04, 0x05, 0x04, "PONG");
inline const bytes ping_lol = cat(0x04, 0x0a, 0x04, "PING", 0x00, 0x00, "LOL");
inline const bytes pong_lol = cat(0x04, 0x08, 0x04, "PONG", "LOL");
/// Body of 65 bytes: TTL 0, a 58-byte context "LOL" + 55 'z'.
inline const bytes ping_ctx58 = cat(0x04, 0x41, 0x04, "PING", 0x00, 0x00, "LOL", repeat{55, 'z'});
/// The context echoed truncated to 16 bytes.
inline const bytes pong_ctx16 = cat(0x04, 0x15, 0x04, "PONG", "LOL", repeat{13, 'z'});

//----------------------------------------------------------------------------
// Subscriptions (test_mock_pub_sub.cpp, probe P2)

inline const bytes subscribe_a = cat(0x04, 0x0b, 0x09, "SUBSCRIBE", "A");
inline const bytes cancel_a = cat(0x04, 0x08, 0x06, "CANCEL", "A");
/// ZMTP 3.0 form: one data frame, 0x01 / 0x00 then the topic.
inline const bytes legacy_subscribe_a = cat(0x00, 0x02, 0x01, "A");
inline const bytes legacy_cancel_a = cat(0x00, 0x02, 0x00, "A");

//----------------------------------------------------------------------------
// Data frames (test_stream.cpp)

inline const bytes data_hello = cat(0x00, 0x05, "Hello");
inline const bytes data_multipart = cat(0x01, 0x03, "ABC", 0x01, 0x00, 0x00, 0x03, "DEF");
/// Long form, 300 bytes of 'x'.
inline const bytes data_long_300 =
    cat(0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c, repeat{300, 'x'});
/// Long form for a 3-byte body: libzmq never sends it, but accepts it (and so do we).
inline const bytes data_long_small =
    cat(0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, "abc");

} // namespace zmtp::test::vectors
