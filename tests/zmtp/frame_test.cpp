// SPDX-License-Identifier: MIT
#include "test_util.hpp"

#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;

namespace {

struct deleter_log {
    int calls = 0;
    void* data = nullptr;
    void* hint = nullptr;
};

void record_delete(void* data, void* hint)
{
    auto* log = static_cast<deleter_log*>(hint);
    ++log->calls;
    log->data = data;
    log->hint = hint;
}

} // namespace

TEST_CASE("bodies up to 64 bytes are inline, larger ones shared", "[zmtp][frame]")
{
    const frame small(std::string(64, 's'));
    CHECK(small.is_inline());
    CHECK(small.size() == 64);

    const frame big(std::string(65, 'b'));
    CHECK_FALSE(big.is_inline());

    frame copy = big; // shares the body
    CHECK(copy.data() == big.data());
    CHECK(copy == big);

    frame small_copy = small; // copies the bytes
    CHECK(small_copy.data() != small.data());
    CHECK(small_copy == small);

    frame assigned(std::string_view("old"));
    assigned = big; // copy-assign: shares
    CHECK(assigned.data() == big.data());
    assigned = small; // and back to inline
    CHECK(assigned == small);
    CHECK(assigned.is_inline());

    frame moved = std::move(copy);
    CHECK(moved.data() == big.data());
    CHECK(copy.empty()); // NOLINT(bugprone-use-after-move): a moved-from frame is empty
}

TEST_CASE("frame views and comparisons", "[zmtp][frame]")
{
    const frame f(std::string_view("hello"));
    CHECK(f.view() == "hello");
    CHECK(f.to_string() == "hello");
    CHECK(f == std::string_view("hello"));
    CHECK(f.bytes().size() == 5);
    CHECK(frame().empty());
    CHECK(frame(std::size_t{0}).empty());
    CHECK(frame(nullptr, 0).empty());
}

TEST_CASE("wrap: zero-copy bodies run their deleter once, at the last release", "[zmtp][frame]")
{
    deleter_log log;
    std::vector<std::byte> storage(1000, std::byte{7});
    {
        frame f = frame::wrap(storage.data(), storage.size(), record_delete, &log);
        CHECK(f.data() == storage.data());
        frame copy = f;
        f = frame();
        CHECK(log.calls == 0);
        CHECK(copy.data() == storage.data());
    }
    CHECK(log.calls == 1);
    CHECK(log.data == storage.data());
    CHECK(log.hint == &log);
}

TEST_CASE("wrap: small bodies are copied and released at once", "[zmtp][frame]")
{
    deleter_log log;
    char text[] = "tiny";
    const frame f = frame::wrap(text, 4, record_delete, &log);
    CHECK(log.calls == 1);
    CHECK(f == std::string_view("tiny"));
    CHECK(static_cast<const void*>(f.data()) != static_cast<void*>(text));
}

TEST_CASE("keep: a small lent buffer is used, not copied, until the last frame goes", "[zmtp][frame]")
{
    deleter_log log;
    char text[] = "tiny";
    auto* owner = detail::wrap_block(text, 4, record_delete, &log);
    {
        const frame f = frame::keep(owner, reinterpret_cast<std::byte*>(text), 4);
        detail::release(owner); // the frame's reference is the last
        CHECK(log.calls == 0);
        CHECK(f.is_kept());
        CHECK_FALSE(f.is_inline());
        CHECK(f.size() == 4);
        CHECK_FALSE(f.empty());
        CHECK(static_cast<const void*>(f.data()) == static_cast<void*>(text));
        const frame copy = f; // shares, keeps the mark
        CHECK(copy.is_kept());
        CHECK(copy == std::string_view("tiny"));
        CHECK(copy.bytes().size() == 4);
    }
    CHECK(log.calls == 1);
    CHECK(log.data == text);
}

TEST_CASE("share references a block and keeps it alive", "[zmtp][frame]")
{
    auto* owner = detail::allocate_block(200);
    std::memset(owner->data(), 'q', 200);
    const frame f = frame::share(owner, owner->data() + 10, 100);
    CHECK(f.data() == owner->data() + 10);
    CHECK(owner->refs.load() == 2);
    detail::release(owner); // the frame still holds it
    CHECK(f.view() == std::string(100, 'q'));

    auto* owner2 = detail::allocate_block(200);
    const frame small = frame::share(owner2, owner2->data(), 10); // copied
    CHECK(owner2->refs.load() == 1);
    CHECK(small.is_inline());
    detail::release(owner2);
}

TEST_CASE("message: parts, envelope operations and equality", "[zmtp][message]")
{
    message m{"a", "bb", "ccc"};
    CHECK(m.size() == 3);
    CHECK(m.bytes() == 6);
    CHECK(m[1] == std::string_view("bb"));
    CHECK(m.back() == std::string_view("ccc"));

    m.push_front(frame(std::string_view("id")));
    CHECK(m.size() == 4);
    CHECK(m.front() == std::string_view("id"));
    CHECK(m[1] == std::string_view("a"));

    const frame id = m.pop_front();
    CHECK(id == std::string_view("id"));
    CHECK(m == message{"a", "bb", "ccc"});
    CHECK_FALSE(m == message{"a", "bb"});

    std::string joined;
    for (const auto& f : m)
        joined += f.to_string();
    CHECK(joined == "abbccc");

    message moved = std::move(m);
    CHECK(moved.size() == 3);
    CHECK(m.empty()); // NOLINT(bugprone-use-after-move)
    moved.clear();
    CHECK(moved.empty());
    CHECK(moved.bytes() == 0);

    message one("x");
    CHECK(one.size() == 1);
    one.pop_front();
    CHECK(one.empty());
    one.push_front(frame(std::string_view("y")));
    CHECK(one == message{"y"});
}
