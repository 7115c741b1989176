// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include "zmtp/frame_decoder.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;
using status = frame_decoder::status;
using log_t = std::vector<std::string>;

TEST_CASE("short and long data frames, split anywhere", "[zmtp][frame_decoder]")
{
    CHECK(grind_decoder(vectors::data_hello) == log_t{"msg:Hello"});
    CHECK(grind_decoder(vectors::data_long_300) == log_t{describe(message{std::string(300, 'x')})});
    CHECK(grind_decoder(vectors::data_long_small) == log_t{"msg:abc"});
    CHECK(grind_decoder(cat(0x00, 0x00)) == log_t{"msg:"});
}

TEST_CASE("MORE joins frames into one message", "[zmtp][frame_decoder]")
{
    CHECK(grind_decoder(vectors::data_multipart) == log_t{"msg:ABC||DEF"});
    // Long and short forms mixed in one message; then a second message.
    const auto big = pattern(1000);
    const auto wire = cat(data_frame("id", true), data_frame(big, true), data_frame("", true),
                          vectors::data_long_small, vectors::data_hello);
    CHECK(grind_decoder(wire) ==
          log_t{describe(message{"id", to_string(big), "", "abc"}), "msg:Hello"});
}

TEST_CASE("the COMMAND flag yields commands, even between frames of a message",
          "[zmtp][frame_decoder]")
{
    CHECK(grind_decoder(vectors::ping_ttl50) == log_t{"cmd:\\x04PING\\x002"});
    const auto wire = cat(data_frame("A", true), vectors::ping_lol, data_frame("B"));
    CHECK(grind_decoder(wire) == log_t{"cmd:\\x04PING\\x00\\x00LOL", "msg:A|B"});
    // Long-form command (flags 06).
    const auto long_cmd = command("X-BIG", pattern(300));
    REQUIRE(std::to_integer<int>(long_cmd[0]) == 0x06);
    const auto log = grind_decoder(long_cmd);
    REQUIRE(log.size() == 1);
    CHECK(log[0].rfind("cmd:<306 bytes", 0) == 0);
    // An empty command body is a command; the connection judges it.
    CHECK(grind_decoder(cat(0x04, 0x00)) == log_t{"cmd:"});
}

TEST_CASE("decode stops after each message and reports what it consumed", "[zmtp][frame_decoder]")
{
    const auto wire = cat(vectors::data_hello, vectors::ping_ttl50, vectors::data_multipart);
    frame_decoder d;
    std::size_t used = 0;
    CHECK(d.decode(wire, nullptr, used) == status::message);
    CHECK(used == 7);
    CHECK(d.take_message() == message{"Hello"});
    std::size_t off = used;
    CHECK(d.decode(std::span(wire).subspan(off), nullptr, used) == status::command);
    CHECK(used == vectors::ping_ttl50.size());
    CHECK(to_string(d.command_body()) == to_string(std::span(vectors::ping_ttl50).subspan(2)));
    off += used;
    CHECK(d.decode(std::span(wire).subspan(off), nullptr, used) == status::message);
    CHECK(used == vectors::data_multipart.size());
    CHECK(d.take_message() == message{"ABC", "", "DEF"});
    CHECK(d.decode({}, nullptr, used) == status::need_more);
    CHECK(used == 0);
}

TEST_CASE("mid_message tracks partial frames and messages", "[zmtp][frame_decoder]")
{
    frame_decoder d;
    std::size_t used = 0;
    CHECK_FALSE(d.mid_message());
    d.decode(cat(0x01), nullptr, used);
    CHECK(d.mid_message()); // inside a header
    d.decode(cat(0x01, 'A'), nullptr, used);
    CHECK(d.mid_message()); // a frame with MORE is held
    d.decode(vectors::ping_ttl50, nullptr, used);
    CHECK(d.mid_message()); // a command does not end the message
    CHECK(d.decode(cat(0x00, 0x01, 'B'), nullptr, used) == status::message);
    CHECK(d.take_message() == message{"A", "B"});
    CHECK_FALSE(d.mid_message());
}

TEST_CASE("bodies inside the owner block reference it, others are copied",
          "[zmtp][frame_decoder]")
{
    const auto body = pattern(500);
    const auto wire = data_frame(body);
    auto* owner = detail::allocate_block(wire.size());
    std::memcpy(owner->data(), wire.data(), wire.size());
    const std::span<const std::byte> in(owner->data(), wire.size());

    SECTION("whole body present, owner given: zero-copy")
    {
        frame_decoder d;
        std::size_t used = 0;
        REQUIRE(d.decode(in, owner, used) == status::message);
        auto m = d.take_message();
        CHECK(m[0].data() == owner->data() + 9);
        CHECK(owner->refs.load() == 2);
        detail::release(owner);
        owner = nullptr;
        CHECK(to_string(m[0].bytes()) == to_string(body)); // still alive
    }
    SECTION("no owner: copied")
    {
        frame_decoder d;
        std::size_t used = 0;
        REQUIRE(d.decode(in, nullptr, used) == status::message);
        auto m = d.take_message();
        CHECK(m[0].data() != owner->data() + 9);
        CHECK(owner->refs.load() == 1);
        CHECK(to_string(m[0].bytes()) == to_string(body));
    }
    SECTION("small bodies are always inline copies")
    {
        const auto small = data_frame("0123456789");
        std::memcpy(owner->data(), small.data(), small.size());
        frame_decoder d;
        std::size_t used = 0;
        REQUIRE(d.decode(std::span<const std::byte>(owner->data(), small.size()), owner, used) ==
                status::message);
        CHECK(owner->refs.load() == 1);
        CHECK(d.take_message()[0].is_inline());
    }
    if (owner)
        detail::release(owner);
}

TEST_CASE("body_window exposes the missing part of a large body", "[zmtp][frame_decoder]")
{
    const auto body = pattern(10000);
    const auto wire = cat(data_frame("env", true), data_frame(body));
    frame_decoder d;
    std::size_t used = 0;
    // Header of the second frame and 100 body bytes.
    const std::size_t first = 5 + 9 + 100;
    CHECK(d.body_window().empty());
    REQUIRE(d.decode(std::span(wire).first(first), nullptr, used) == status::need_more);
    CHECK(used == first);
    auto w = d.body_window();
    REQUIRE(w.size() == 9900);
    // Fill it in two steps, as two socket reads would.
    std::memcpy(w.data(), wire.data() + first, 4000);
    CHECK(d.commit_body(4000) == status::need_more);
    w = d.body_window();
    REQUIRE(w.size() == 5900);
    std::memcpy(w.data(), wire.data() + first + 4000, 5900);
    CHECK(d.commit_body(5900) == status::message);
    CHECK(d.body_window().empty());
    const auto m = d.take_message();
    REQUIRE(m.size() == 2);
    CHECK(m[0] == std::string_view("env"));
    CHECK(to_string(m[1].bytes()) == to_string(body));
}

TEST_CASE("body_window is empty for inline bodies and commands", "[zmtp][frame_decoder]")
{
    frame_decoder d;
    std::size_t used = 0;
    d.decode(cat(0x00, 0x40, 'a'), nullptr, used); // 64-byte body: inline
    CHECK(d.body_window().empty());
    frame_decoder c;
    c.decode(cat(0x06, zeros{6}, 0x03, 0xe8, 0x05), nullptr, used); // 1000-byte command
    CHECK(c.body_window().empty());
}

TEST_CASE("commands-only mode refuses data frames at their flags byte", "[zmtp][frame_decoder]")
{
    CHECK(grind_decoder(cat(vectors::ready_pull, vectors::data_hello), {}, true) ==
          log_t{"cmd:" + printable(std::span(vectors::ready_pull).subspan(2)),
                err(error::data_before_ready)});
    frame_decoder d;
    d.set_commands_only(true);
    std::size_t used = 0;
    CHECK(d.decode(cat(0x00), nullptr, used) == status::failed);
    CHECK(used == 1);
    CHECK(d.error() == error::data_before_ready);
    d.set_commands_only(false); // errors stay
    CHECK(d.decode(vectors::data_hello, nullptr, used) == status::failed);
}

TEST_CASE("flag errors are detected on the flags byte", "[zmtp][frame_decoder]")
{
    for (int flags : {0x08, 0x10, 0x20, 0x40, 0x80, 0xF8, 0x0C}) {
        INFO("flags " << flags);
        frame_decoder d;
        std::size_t used = 0;
        CHECK(d.decode(cat(flags, 0x01, 'x'), nullptr, used) == status::failed);
        CHECK(used == 1);
        CHECK(d.error() == error::reserved_flags);
    }
    frame_decoder d;
    std::size_t used = 0;
    CHECK(d.decode(cat(0x05, 0x07, 0x04, "PING", 0x00, 0x00), nullptr, used) == status::failed);
    CHECK(used == 1);
    CHECK(d.error() == error::more_on_command);
}

TEST_CASE("lenient_flags ignores reserved bits", "[zmtp][frame_decoder]")
{
    limits l;
    l.lenient_flags = true;
    CHECK(grind_decoder(cat(0x08, 0x01, 'x'), l) == log_t{"msg:x"});
    CHECK(grind_decoder(cat(0x80 | 0x01, 0x01, 'a', 0xF8, 0x01, 'b'), l) == log_t{"msg:a|b"});
    CHECK(grind_decoder(cat(0x80 | 0x04, vectors::ping_ttl50.size() - 2,
                            std::span(vectors::ping_ttl50).subspan(2)),
                        l) == log_t{"cmd:\\x04PING\\x002"});
    // ... but a command with MORE is still refused.
    CHECK(grind_decoder(cat(0x85, 0x00), l) == log_t{err(error::more_on_command)});
}

TEST_CASE("decoder errors are sticky", "[zmtp][frame_decoder]")
{
    frame_decoder d;
    std::size_t used = 0;
    REQUIRE(d.decode(cat(0x40), nullptr, used) == status::failed);
    for (int i = 0; i < 3; ++i) {
        CHECK(d.decode(vectors::data_hello, nullptr, used) == status::failed);
        CHECK(used == 0);
        CHECK(d.error() == error::reserved_flags);
    }
    d.fail(error::unexpected_eof); // fail() records the connection's reason
    CHECK(d.error() == error::unexpected_eof);
}
