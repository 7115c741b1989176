// SPDX-License-Identifier: MIT
#include "alloc_tracker.hpp"
#include "test_util.hpp"
#include "vectors.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;
using status = frame_decoder::status;
using log_t = std::vector<std::string>;

namespace {

limits with(std::size_t frame, std::size_t message, std::size_t frames, std::size_t command)
{
    limits l;
    l.max_frame_size = frame;
    l.max_message_size = message;
    l.max_frames_per_message = frames;
    l.max_command_size = command;
    return l;
}

// Feeds `wire` to a decoder one byte at a time; returns how many bytes it
// took before failing (or wire.size()).
std::size_t bytes_until_failure(frame_decoder& d, const bytes& wire)
{
    for (std::size_t i = 0; i < wire.size(); ++i) {
        std::size_t used = 0;
        while (true) {
            const auto st = d.decode(std::span(wire).subspan(i, 1), nullptr, used);
            if (st == status::failed)
                return i + 1;
            if (st == status::message)
                d.take_message();
            if (st == status::need_more || used == 1)
                break;
        }
    }
    return wire.size();
}

} // namespace

TEST_CASE("the default limits are finite", "[zmtp][limits]")
{
    const limits l;
    CHECK(l.max_frame_size == 256u << 20);
    CHECK(l.max_message_size == 256u << 20);
    CHECK(l.max_frames_per_message == 4096);
    CHECK(l.max_command_size == 64u << 10);
    CHECK_FALSE(l.lenient_flags);
}

TEST_CASE("max_frame_size: checked per frame at its header", "[zmtp][limits]")
{
    const auto l = with(10, 1000, 100, 1000);
    CHECK(grind_decoder(data_frame(std::string(10, 'a')), l) == log_t{"msg:aaaaaaaaaa"});
    CHECK(grind_decoder(data_frame(std::string(11, 'a')), l) == log_t{err(error::frame_too_large)});
    frame_decoder d(l);
    CHECK(bytes_until_failure(d, data_frame(std::string(11, 'a'))) == 2);
    // The long form for a small size counts its size, not its form.
    CHECK(grind_decoder(vectors::data_long_small, l) == log_t{"msg:abc"});
}

TEST_CASE("frames declaring 2^63-1 or 2^62 bytes fail after their 9 header bytes, "
          "with nothing allocated",
          "[zmtp][limits]")
{
    for (const auto& header : {cat(0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
                               cat(0x02, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
                               cat(0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)}) {
        INFO(hex(header));
        frame_decoder d;
        std::size_t used = 0;
        status first, second;
        std::size_t allocations = 0;
        {
            alloc_tracker allocs;
            first = d.decode(std::span(header).first(8), nullptr, used);
            second = d.decode(std::span(header).subspan(8), nullptr, used);
            allocations = allocs.count();
        }
        CHECK(first == status::need_more);
        CHECK(second == status::failed);
        CHECK(used == 1);
        CHECK(d.error() == error::frame_too_large);
        CHECK(allocations == 0);
    }
}

TEST_CASE("a huge frame through a connection: only the header is ever read", "[zmtp][limits]")
{
    connection c(options_for(socket_type::pull));
    sink s;
    feed(c, cat(vectors::libzmq_greeting, vectors::ready_push), s);
    REQUIRE(s.log == log_t{"handshake"});
    const auto header = cat(0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    std::size_t largest = 0;
    std::size_t events_after_8 = 0;
    {
        alloc_tracker allocs;
        feed(c, std::span(header).first(8), s);
        events_after_8 = s.log.size();
        feed(c, std::span(header).subspan(8), s);
        largest = allocs.largest();
    }
    CHECK(events_after_8 == 1);
    CHECK(s.log == log_t{"handshake", err(error::frame_too_large)});
    CHECK(largest < 1024); // bookkeeping only, never the body
    CHECK(c.prepare().empty());
}

TEST_CASE("max_message_size: the sum over the frames of one message", "[zmtp][limits]")
{
    const auto l = with(100, 20, 100, 1000);
    const auto ten = std::string(10, 'm');
    // 10 + 10 = 20 is fine, twice (the count restarts with each message).
    const auto ok = cat(data_frame(ten, true), data_frame(ten), data_frame(ten, true), data_frame(ten));
    CHECK(grind_decoder(ok, l).size() == 2);
    // 10 + 10 + 1 fails at the third header.
    const auto over = cat(data_frame(ten, true), data_frame(ten, true), data_frame("x"));
    CHECK(grind_decoder(over, l) == log_t{err(error::message_too_large)});
    frame_decoder d(l);
    CHECK(bytes_until_failure(d, over) == 12 + 12 + 2);
    // A single frame within max_frame_size but above max_message_size.
    CHECK(grind_decoder(data_frame(std::string(21, 'x')), l) == log_t{err(error::message_too_large)});
}

TEST_CASE("max_frames_per_message", "[zmtp][limits]")
{
    const auto l = with(100, 1000, 3, 1000);
    CHECK(grind_decoder(cat(data_frame("", true), data_frame("", true), data_frame("")), l) ==
          log_t{"msg:||"});
    const auto four = cat(data_frame("a", true), data_frame("b", true), data_frame("c", true),
                          data_frame("d"));
    CHECK(grind_decoder(four, l) == log_t{err(error::too_many_frames)});
    frame_decoder d(l);
    CHECK(bytes_until_failure(d, four) == 3 * 3 + 2);
    // Commands between the frames do not count.
    CHECK(grind_decoder(cat(data_frame("a", true), vectors::ping_ttl50, data_frame("b", true),
                            vectors::ping_ttl50, data_frame("c")),
                        l)
              .back() == "msg:a|b|c");
}

TEST_CASE("max_command_size", "[zmtp][limits]")
{
    const auto l = with(1000, 1000, 10, 24);
    // READY for PUB has a 25-byte body, PULL 26.
    CHECK(grind_decoder(vectors::ready_pub, l) == log_t{err(error::command_too_large)});
    CHECK(grind_decoder(vectors::ping_ttl50, l).size() == 1);
    frame_decoder d(l);
    CHECK(bytes_until_failure(d, vectors::ready_pull) == 2);
    // Long-form commands are checked the same way, at their 9th byte.
    frame_decoder d2(l);
    CHECK(bytes_until_failure(d2, cat(0x06, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)) == 9);
    CHECK(d2.error() == error::command_too_large);
    // Data frames are not bound by the command limit.
    CHECK(grind_decoder(data_frame(std::string(100, 'd')), l).size() == 1);
}

TEST_CASE("limits reach the decoder through connection_options", "[zmtp][limits]")
{
    connection_options o = options_for(socket_type::pull);
    o.limits.max_command_size = 10;
    const auto tr = grind(make_connection(o), cat(vectors::libzmq_greeting, vectors::ready_push));
    CHECK(tr.events == log_t{err(error::command_too_large)});

    o.limits = with(16, 32, 3, 1000);
    const auto push = cat(vectors::libzmq_greeting, vectors::ready_push);
    CHECK(grind(make_connection(o), cat(push, data_frame(std::string(17, 'x')))).events ==
          log_t{"handshake", err(error::frame_too_large)});
    CHECK(grind(make_connection(o), cat(push, data_frame(std::string(16, 'x'), true),
                                        data_frame(std::string(16, 'x'), true), data_frame("!")))
              .events == log_t{"handshake", err(error::message_too_large)});
    CHECK(grind(make_connection(o), cat(push, data_frame("1", true), data_frame("2", true),
                                        data_frame("3", true), data_frame("4")))
              .events == log_t{"handshake", err(error::too_many_frames)});
}

TEST_CASE("limit errors are sticky", "[zmtp][limits]")
{
    connection_options o = options_for(socket_type::pull);
    o.limits.max_frame_size = 4;
    connection c(o);
    sink s;
    feed(c, cat(vectors::libzmq_greeting, vectors::ready_push, data_frame("12345")), s);
    REQUIRE(s.ec == error::frame_too_large);
    for (int i = 0; i < 3; ++i) {
        std::error_code ec;
        c.next_event(ec);
        CHECK(ec == error::frame_too_large);
    }
    frame_decoder d(o.limits);
    std::size_t used = 0;
    CHECK(d.decode(data_frame("12345"), nullptr, used) == status::failed);
    CHECK(d.decode(data_frame("1"), nullptr, used) == status::failed);
    CHECK(d.error() == error::frame_too_large);
}

TEST_CASE("unlimited limits: absurd sizes cost what arrives, never what is declared",
          "[zmtp][limits]")
{
    // With every limit lifted (libzmq's default is "unlimited"), the size
    // field alone must not be able to overflow an allocation size, escape
    // as an exception, or reserve what it declares: a data frame starts
    // with at most initial_body_reserve bytes and grows as its body
    // arrives; a command (its body is kept whole) fails at once.
    limits l;
    l.max_frame_size = SIZE_MAX;
    l.max_message_size = SIZE_MAX;
    l.max_command_size = SIZE_MAX;
    for (int flags : {0x02, 0x06}) {
        for (const auto& size : {cat(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
                                 cat(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xd0),
                                 cat(0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
                                 cat(0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00)}) {
            INFO("flags " << flags << " size " << hex(size));
            const auto wire = cat(flags, size, repeat{100, 'x'});
            frame_decoder d(l);
            std::size_t used = 0;
            if (flags == 0x06) {
                CHECK(d.decode(wire, nullptr, used) == status::failed);
                CHECK(used == 9);
                CHECK(d.error() == error::command_too_large);
                CHECK(d.body_window().empty());
            } else {
                CHECK(d.decode(wire, nullptr, used) == status::need_more);
                CHECK(used == wire.size());
                CHECK_FALSE(d.error());
                const auto w = d.body_window();
                CHECK_FALSE(w.empty());
                CHECK(w.size() + 100 == frame_decoder::initial_body_reserve);
            }
        }
    }
}
