// SPDX-License-Identifier: MIT
#include "test_util.hpp"

#include "zmtp/frame_header.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;

namespace {

std::string header(std::uint64_t size, bool more, bool command)
{
    std::byte out[max_frame_header_size + 1];
    out[max_frame_header_size] = std::byte{0xEE}; // must stay untouched
    const auto n = encode_frame_header(out, size, more, command);
    CHECK(out[max_frame_header_size] == std::byte{0xEE});
    return hex(std::span<const std::byte>(out, n));
}

} // namespace

TEST_CASE("short headers up to 255 bytes, as libzmq sends them", "[zmtp][frame_header]")
{
    CHECK(header(0, false, false) == "00 00");
    CHECK(header(5, false, false) == "00 05");
    CHECK(header(255, false, false) == "00 ff");
    CHECK(header(3, true, false) == "01 03");
    CHECK(header(7, false, true) == "04 07");
}

TEST_CASE("long headers from 256 bytes, big-endian 64-bit size", "[zmtp][frame_header]")
{
    CHECK(header(256, false, false) == "02 00 00 00 00 00 00 01 00");
    CHECK(header(300, false, false) == "02 00 00 00 00 00 00 01 2c");
    CHECK(header(65536, true, false) == "03 00 00 00 00 00 01 00 00");
    CHECK(header(64000, false, false) == "02 00 00 00 00 00 00 fa 00");
    CHECK(header(0x1'0000'0001ull, false, false) == "02 00 00 00 01 00 00 00 01");
    CHECK(header(0x7fff'ffff'ffff'ffffull, false, false) == "02 7f ff ff ff ff ff ff ff");
    CHECK(header(1000, false, true) == "06 00 00 00 00 00 00 03 e8");
}

TEST_CASE("flag bits", "[zmtp][frame_header]")
{
    CHECK(frame_flags::more == 0x01);
    CHECK(frame_flags::long_size == 0x02);
    CHECK(frame_flags::command == 0x04);
    CHECK(frame_flags::reserved == 0xF8);
    CHECK((frame_flags::more | frame_flags::long_size | frame_flags::command |
           frame_flags::reserved) == 0xFF);
}

TEST_CASE("encoded headers decode back to the same frame", "[zmtp][frame_header]")
{
    for (std::size_t size : {0, 1, 64, 65, 255, 256, 1000}) {
        for (bool more : {false, true}) {
            INFO("size " << size << " more " << more);
            const auto body = pattern(size, static_cast<unsigned>(size));
            auto wire = data_frame(body, more);
            if (more)
                append(wire, data_frame("end"));
            frame_decoder d;
            const auto log = decode_all(d, wire, {});
            REQUIRE(log.size() == 1);
            CHECK(log[0] == (more ? describe(message{to_string(body), "end"})
                                  : describe(message{to_string(body)})));
        }
    }
}
