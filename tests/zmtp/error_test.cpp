// SPDX-License-Identifier: MIT
#include "test_util.hpp"

#include "zmtp/error.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <set>

using zmtp::condition;
using zmtp::error;

namespace {

struct expectation {
    error e;
    std::optional<condition> cond; // nullopt: belongs to no condition
};

// The intended class of every error, written out so that a new enum value
// without a deliberate mapping fails here.
const expectation table[] = {
    {error::bad_signature, condition::protocol_violation},
    {error::unsupported_version, condition::handshake_failed},
    {error::unknown_mechanism, condition::handshake_failed},
    {error::mechanism_mismatch, condition::handshake_failed},
    {error::reserved_flags, condition::protocol_violation},
    {error::more_on_command, condition::protocol_violation},
    {error::frame_too_large, condition::limit_exceeded},
    {error::message_too_large, condition::limit_exceeded},
    {error::too_many_frames, condition::limit_exceeded},
    {error::command_too_large, condition::limit_exceeded},
    {error::malformed_command, condition::protocol_violation},
    {error::malformed_metadata, condition::protocol_violation},
    {error::unexpected_command, condition::protocol_violation},
    {error::data_before_ready, condition::protocol_violation},
    {error::missing_socket_type, condition::handshake_failed},
    {error::incompatible_socket_type, condition::handshake_failed},
    {error::peer_error, condition::handshake_failed},
    {error::unexpected_eof, condition::protocol_violation},
    {error::handshake_timeout, condition::timeout},
    {error::heartbeat_timeout, condition::timeout},
    {error::not_ready, std::nullopt},
    {error::output_backlog, condition::limit_exceeded},
    {error::auth_refused, condition::handshake_failed},
    {error::auth_failed_by_peer, condition::handshake_failed},
    {error::bad_box, condition::protocol_violation},
    {error::bad_nonce, condition::protocol_violation},
    {error::bad_cookie, condition::protocol_violation},
    {error::bad_vouch, condition::handshake_failed},
    {error::unencrypted_frame, condition::protocol_violation},
    {error::missing_credentials, condition::handshake_failed},
};

const condition all_conditions[] = {condition::protocol_violation, condition::handshake_failed,
                                    condition::limit_exceeded, condition::timeout};

} // namespace

TEST_CASE("the table covers every error value", "[zmtp][error]")
{
    REQUIRE(std::size(table) == static_cast<std::size_t>(error::missing_credentials));
    for (std::size_t i = 0; i < std::size(table); ++i)
        CHECK(static_cast<std::size_t>(table[i].e) == i + 1);
}

TEST_CASE("every error has its own message in the zmtp category", "[zmtp][error]")
{
    std::set<std::string> seen;
    for (const auto& x : table) {
        const std::error_code ec = x.e;
        INFO(zmtp::test::error_name(ec));
        CHECK(ec);
        CHECK(ec.category() == zmtp::error_category());
        CHECK(ec.category().name() == std::string("zmtp"));
        CHECK(!ec.message().empty());
        CHECK(ec.message() != "unknown zmtp error");
        CHECK(seen.insert(ec.message()).second);
    }
    CHECK(zmtp::error_category().message(0) == "unknown zmtp error");
    CHECK(zmtp::error_category().message(999) == "unknown zmtp error");
}

TEST_CASE("every error maps to the right condition", "[zmtp][error]")
{
    for (const auto& x : table) {
        const std::error_code ec = x.e;
        INFO(zmtp::test::error_name(ec));
        for (condition c : all_conditions)
            CHECK((ec == c) == (x.cond == c));
        if (x.cond)
            CHECK(ec.default_error_condition() == *x.cond);
        else
            CHECK(ec.default_error_condition().category() == zmtp::error_category());
    }
}

TEST_CASE("conditions have messages in the zmtp.condition category", "[zmtp][error]")
{
    std::set<std::string> seen;
    for (condition c : all_conditions) {
        const std::error_condition cond = c;
        CHECK(cond.category() == zmtp::condition_category());
        CHECK(cond.category().name() == std::string("zmtp.condition"));
        CHECK(cond.message() != "unknown zmtp condition");
        CHECK(seen.insert(cond.message()).second);
    }
    CHECK(zmtp::condition_category().message(42) == "unknown zmtp condition");
}

TEST_CASE("zmtp errors do not compare equal to system errors", "[zmtp][error]")
{
    const std::error_code ec = error::unexpected_eof;
    CHECK(ec != std::errc::connection_reset);
    CHECK(ec != std::make_error_code(std::errc::message_size));
    CHECK(std::make_error_code(std::errc::timed_out) != condition::timeout);
}
