// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;
using t = socket_type;
using log_t = std::vector<std::string>;

namespace {

std::unique_ptr<connection> ready_pull(sink& s)
{
    auto c = std::make_unique<connection>(options_for(t::pull));
    feed(*c, cat(vectors::libzmq_greeting, vectors::ready_push), s);
    REQUIRE(s.log == log_t{"handshake"});
    return c;
}

bool same_bytes(const frame& f, const bytes& b)
{
    return f.size() == b.size() && (b.empty() || std::memcmp(f.data(), b.data(), b.size()) == 0);
}

} // namespace

TEST_CASE("a 16 MiB frame arrives intact, read straight into the message", "[zmtp][large]")
{
    constexpr std::size_t size = 16u << 20;
    const bytes body = pattern(size, 16);
    const bytes wire = cat(data_frame(span_of("envelope"), true), data_frame(body));
    const std::size_t body_at = wire.size() - size;

    sink s;
    auto c = ready_pull(s);
    std::size_t fed = 0;
    int direct_reads = 0;
    const std::byte* first_direct = nullptr;
    std::size_t first_direct_offset = 0;
    // Reads of irregular size, as a socket would return them.
    const std::size_t read_sizes[] = {100, 1'000'003, 7, 65'536, 3'000'000};
    for (int i = 0; fed < wire.size(); ++i) {
        const auto buf = c->prepare();
        REQUIRE_FALSE(buf.empty());
        if (fed > body_at && buf.size() == wire.size() - fed) {
            // The window is exactly the rest of the body: a direct read.
            ++direct_reads;
            if (!first_direct) {
                first_direct = buf.data();
                first_direct_offset = fed - body_at;
            }
        }
        const std::size_t n = std::min({buf.size(), wire.size() - fed, read_sizes[i % 5]});
        std::memcpy(buf.data(), wire.data() + fed, n);
        c->commit(n);
        fed += n;
        drain(*c, s);
        if (fed < wire.size())
            CHECK(s.log.size() == 1); // nothing delivered early
    }
    REQUIRE(s.log.size() == 2);
    REQUIRE(s.messages.size() == 1);
    const message& m = s.messages[0];
    REQUIRE(m.size() == 2);
    CHECK(m[0] == std::string_view("envelope"));
    CHECK(same_bytes(m[1], body));
    CHECK(direct_reads > 2);
    // The direct windows were the message's own storage.
    REQUIRE(first_direct != nullptr);
    CHECK(m[1].data() == first_direct - first_direct_offset);
}

TEST_CASE("a 16 MiB message round-trips through a pair", "[zmtp][large]")
{
    connection_pair p(t::push, t::pull);
    p.pump();
    REQUIRE(p.a.is_ready());
    const bytes body = pattern(16u << 20, 3);
    REQUIRE_FALSE(p.send(p.a, message(frame(body.data(), body.size()))));
    REQUIRE(p.b_sink.messages.size() == 1);
    CHECK(same_bytes(p.b_sink.messages[0][0], body));
}

TEST_CASE("messages of 0, 1, 255, 256 and 65536 bytes round-trip", "[zmtp][large]")
{
    connection_pair p(t::pair, t::pair);
    p.pump();
    REQUIRE(p.a.is_ready());
    for (std::size_t size : {0, 1, 64, 65, 255, 256, 65536}) {
        INFO("size " << size);
        const bytes body = pattern(size, static_cast<unsigned>(size));
        // Header form on the wire: short up to 255, long from 256.
        write_batch batch;
        REQUIRE_FALSE(p.a.encode(message(frame(body.data(), body.size())), batch));
        const bytes wire = flatten(batch);
        CHECK(wire.size() == body.size() + (size <= 255 ? 2 : 9));
        CHECK(std::to_integer<int>(wire[0]) == (size <= 255 ? 0x00 : 0x02));
        feed(p.b, wire, p.b_sink);
        REQUIRE(p.b_sink.messages.size() == 1);
        CHECK(same_bytes(p.b_sink.messages[0][0], body));
        p.b_sink.messages.clear();

        // And as the middle frame of a multipart message, the other way.
        REQUIRE_FALSE(p.send(p.b, message{"a", to_string(body), "z"}));
        REQUIRE(p.a_sink.messages.size() == 1);
        CHECK(same_bytes(p.a_sink.messages[0][1], body));
        p.a_sink.messages.clear();
    }
}

TEST_CASE("frames referencing the receive chunk outlive reads and the connection", "[zmtp][large]")
{
    const bytes first = pattern(2100, 1); // at least half the first (4 KiB) chunk
    std::vector<message> kept;
    {
        sink s;
        auto c = ready_pull(s);
        // One read carries the whole frame, half the chunk or more: the body
        // references the chunk.
        const bytes wire = data_frame(first);
        const auto buf = c->prepare();
        REQUIRE(buf.size() >= wire.size());
        std::memcpy(buf.data(), wire.data(), wire.size());
        c->commit(wire.size());
        drain(*c, s);
        REQUIRE(s.messages.size() == 1);
        kept.push_back(std::move(s.messages[0]));
        const std::byte* p = kept[0][0].data();
        CHECK(p >= buf.data());
        CHECK(p < buf.data() + wire.size()); // zero-copy: inside the chunk

        // Much more traffic than a chunk holds, in reads of every size.
        s.messages.clear();
        bytes more;
        for (unsigned i = 0; i < 300; ++i)
            append(more, data_frame(pattern(100 + i * 7, i + 2)));
        feed(*c, more, s);
        REQUIRE(s.messages.size() == 300);
        for (unsigned i = 0; i < 300; ++i)
            CHECK(same_bytes(s.messages[i][0], pattern(100 + i * 7, i + 2)));
        CHECK(same_bytes(kept[0][0], first));
        for (unsigned i = 0; i < 300; i += 50)
            kept.push_back(std::move(s.messages[i]));
    } // the connection is gone
    CHECK(same_bytes(kept[0][0], first));
    for (unsigned i = 1; i < kept.size(); ++i) {
        const unsigned n = (i - 1) * 50;
        CHECK(same_bytes(kept[i][0], pattern(100 + n * 7, n + 2)));
    }
}

TEST_CASE("bodies split across reads are copied into their own storage", "[zmtp][large]")
{
    sink s;
    auto c = ready_pull(s);
    const bytes body = pattern(3000, 9);
    const bytes wire = data_frame(body);
    feed(*c, std::span(wire).first(1500), s);
    feed(*c, std::span(wire).subspan(1500), s);
    REQUIRE(s.messages.size() == 1);
    c.reset();
    CHECK(same_bytes(s.messages[0][0], body));
}

TEST_CASE("input left undecoded across reads is kept in order", "[zmtp][large]")
{
    // A transport may read again before draining every event: the chunk
    // must then be compacted or replaced without losing undecoded bytes.
    bytes wire;
    std::vector<bytes> bodies;
    for (unsigned i = 0; i < 1500; ++i) {
        bodies.push_back(pattern(1 + (i * 37) % 400, i));
        append(wire, data_frame(bodies.back()));
    }
    for (bool keep : {false, true}) {
        INFO("keep received messages alive: " << keep);
        sink s;
        auto c = ready_pull(s);
        std::vector<message> got;
        std::size_t fed = 0;
        auto take_one = [&] {
            std::error_code ec;
            auto ev = c->next_event(ec);
            REQUIRE_FALSE(ec);
            if (auto* m = std::get_if<events::message_received>(&ev)) {
                got.push_back(std::move(m->msg));
                if (!keep)
                    got.back() = message{std::string(got.back()[0].view())}; // drop the reference
            }
            return !std::holds_alternative<events::need_more>(ev);
        };
        // Reads of varied size; after most of them only one event is taken
        // and the rest stays pending (so the chunk must be compacted in
        // place, or replaced when frames still reference it).
        const std::size_t read_sizes[] = {5000, 700, 3000, 65536, 150, 1200, 7000};
        for (std::size_t i = 0; fed < wire.size(); ++i) {
            const auto buf = c->prepare();
            REQUIRE_FALSE(buf.empty());
            const std::size_t n = std::min({buf.size(), wire.size() - fed, read_sizes[i % 7]});
            std::memcpy(buf.data(), wire.data() + fed, n);
            c->commit(n);
            fed += n;
            if (i % 4 == 3)
                while (take_one()) {
                }
            else
                take_one();
        }
        while (take_one()) {
        }
        REQUIRE(got.size() == bodies.size());
        for (std::size_t i = 0; i < bodies.size(); ++i) {
            INFO("message " << i);
            REQUIRE(same_bytes(got[i][0], bodies[i]));
        }
    }
}

TEST_CASE("EOF inside a body being read directly", "[zmtp][large]")
{
    sink s;
    auto c = ready_pull(s);
    const bytes wire = data_frame(pattern(100000));
    feed(*c, std::span(wire).first(30000), s);
    CHECK(c->prepare().size() == wire.size() - 30000); // the direct window
    feed_eof(*c, s);
    CHECK(s.log == log_t{"handshake", err(error::unexpected_eof)});
    CHECK(s.messages.empty());
}
