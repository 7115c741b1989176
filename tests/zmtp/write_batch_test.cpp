// SPDX-License-Identifier: MIT
#include "test_util.hpp"

#include "zmtp/write_batch.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;

namespace {

void count_delete(void*, void* hint) { ++*static_cast<int*>(hint); }

} // namespace

TEST_CASE("small bodies are staged with their headers in one buffer", "[zmtp][write_batch]")
{
    write_batch batch;
    CHECK(batch.empty());
    const auto body300 = pattern(300);
    message m{"A", to_string(body300), ""};
    batch.append_message(std::move(m));
    const auto expected =
        cat(0x01, 0x01, "A", 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c, body300, 0x00, 0x00);
    CHECK(hex(flatten(batch)) == hex(expected));
    CHECK(batch.buffer_count() == 1);
    CHECK(batch.size_bytes() == expected.size());
    CHECK(batch.message_count() == 1);
    CHECK_FALSE(batch.empty());
}

TEST_CASE("many small messages share one gather buffer", "[zmtp][write_batch]")
{
    write_batch batch;
    bytes expected;
    for (int i = 0; i < 1000; ++i) {
        const std::string s = "msg " + std::to_string(i);
        batch.append_message(message{s});
        append(expected, data_frame(s));
    }
    CHECK(batch.message_count() == 1000);
    CHECK(batch.buffer_count() == 1);
    CHECK(hex(flatten(batch)) == hex(expected));
}

TEST_CASE("bodies above the copy threshold are referenced, not copied", "[zmtp][write_batch]")
{
    write_batch batch; // threshold 512
    const auto big = pattern(1000);
    frame f(big.data(), big.size());
    const std::byte* body = f.data();
    message m;
    m.push_back(frame(std::string_view("head")));
    m.push_back(std::move(f));
    m.push_back(frame(std::string(512, 't'))); // at the threshold: copied
    batch.append_message(std::move(m));

    const auto& bufs = batch.buffers();
    REQUIRE(bufs.size() == 3);
    CHECK(hex(bufs[0]) == hex(cat(0x01, 0x04, "head", 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8)));
    CHECK(bufs[1].data() == body); // the frame's own storage
    CHECK(bufs[1].size() == 1000);
    CHECK(hex(bufs[2]) == hex(cat(0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, repeat{512, 't'})));
    CHECK(batch.size_bytes() == 6 + 9 + 1000 + 9 + 512);
}

TEST_CASE("the batch keeps referenced bodies alive until clear()", "[zmtp][write_batch]")
{
    int deleted = 0;
    std::vector<std::byte> storage = pattern(4096);
    write_batch batch;
    {
        message m(frame::wrap(storage.data(), storage.size(), count_delete, &deleted));
        batch.append_message(std::move(m));
    }
    CHECK(deleted == 0);
    const auto& bufs = batch.buffers();
    REQUIRE(bufs.size() == 2);
    CHECK(bufs[1].data() == storage.data());
    batch.clear();
    CHECK(deleted == 1);
    CHECK(batch.empty());
    CHECK(batch.buffer_count() == 0);
    CHECK(batch.message_count() == 0);
    CHECK(batch.size_bytes() == 0);

    // The batch is reusable after clear().
    batch.append_message(message{"again"});
    CHECK(hex(flatten(batch)) == hex(data_frame("again")));
}

TEST_CASE("a low copy threshold never references inline storage", "[zmtp][write_batch]")
{
    // Inline bodies live inside the message object, which moves when the
    // batch keeps it: they must be copied whatever the threshold.
    for (std::size_t threshold : {0, 1, 16, 63}) {
        INFO("threshold " << threshold);
        write_batch batch(threshold);
        bytes expected;
        for (int i = 0; i < 40; ++i) {
            const std::string s(static_cast<std::size_t>(i) + 1, static_cast<char>('a' + i % 26));
            batch.append_message(message{s, "tail"});
            append(expected, data_frame(s, true));
            append(expected, data_frame("tail"));
        }
        CHECK(hex(flatten(batch)) == hex(expected));
    }
    write_batch batch(16);
    const auto big = pattern(100); // shared storage: referenced above 16
    frame f(big.data(), big.size());
    const std::byte* body = f.data();
    batch.append_message(message(std::move(f)));
    REQUIRE(batch.buffers().size() == 2);
    CHECK(batch.buffers()[1].data() == body);
}

TEST_CASE("append and append_header", "[zmtp][write_batch]")
{
    write_batch batch;
    batch.append(span_of("raw"));
    batch.append({}); // nothing
    batch.append_header(5, false, true);
    batch.append(span_of("\x04PONG"));
    batch.append_header(300, true, false);
    CHECK(hex(flatten(batch)) ==
          hex(cat("raw", 0x04, 0x05, 0x04, "PONG", 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c)));
    CHECK(batch.message_count() == 0);
    CHECK(batch.buffer_count() == 1);
}

TEST_CASE("an empty message adds nothing to the wire", "[zmtp][write_batch]")
{
    write_batch batch;
    batch.append_message(message{});
    CHECK(batch.size_bytes() == 0);
    CHECK(batch.message_count() == 1);
}
