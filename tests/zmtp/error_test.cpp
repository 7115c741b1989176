// SPDX-License-Identifier: MIT
#include "zmtp/error.hpp"

#include <catch2/catch.hpp>

TEST_CASE("every error maps to a message and a condition", "[zmtp][error]")
{
    for (int e = static_cast<int>(zmtp::error::bad_signature);
         e <= static_cast<int>(zmtp::error::not_ready); ++e) {
        const std::error_code ec = static_cast<zmtp::error>(e);
        CHECK(ec.category().name() == std::string("zmtp"));
        CHECK(ec.message() != "unknown zmtp error");
    }
    CHECK(std::error_code(zmtp::error::frame_too_large) == zmtp::condition::limit_exceeded);
    CHECK(std::error_code(zmtp::error::mechanism_mismatch) == zmtp::condition::handshake_failed);
    CHECK(std::error_code(zmtp::error::bad_signature) == zmtp::condition::protocol_violation);
    CHECK(std::error_code(zmtp::error::heartbeat_timeout) == zmtp::condition::timeout);
}
