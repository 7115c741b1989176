// SPDX-License-Identifier: MIT
#include "test_util.hpp"

#include "zmtp/socket_type.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace zmtp;
using t = socket_type;

namespace {

const t all_types[] = {t::pair, t::pub,  t::sub,  t::req,  t::rep, t::dealer,
                       t::router, t::pull, t::push, t::xpub, t::xsub};

// RFC 37 "The Socket-Type Property", written out pair by pair.
const std::set<std::pair<t, t>> compatible = {
    {t::pair, t::pair},     {t::pub, t::sub},       {t::pub, t::xsub},
    {t::xpub, t::sub},      {t::xpub, t::xsub},     {t::sub, t::pub},
    {t::sub, t::xpub},      {t::xsub, t::pub},      {t::xsub, t::xpub},
    {t::req, t::rep},       {t::req, t::router},    {t::rep, t::req},
    {t::rep, t::dealer},    {t::dealer, t::rep},    {t::dealer, t::dealer},
    {t::dealer, t::router}, {t::router, t::req},    {t::router, t::dealer},
    {t::router, t::router}, {t::pull, t::push},     {t::push, t::pull},
};

} // namespace

TEST_CASE("socket type names round-trip and match exactly", "[zmtp][socket_type]")
{
    const char* names[] = {"PAIR",   "PUB",  "SUB",  "REQ",  "REP", "DEALER",
                           "ROUTER", "PULL", "PUSH", "XPUB", "XSUB"};
    for (std::size_t i = 0; i < std::size(all_types); ++i) {
        CHECK(to_string(all_types[i]) == names[i]);
        CHECK(parse_socket_type(names[i]) == all_types[i]);
    }
    CHECK_FALSE(parse_socket_type("pull"));
    CHECK_FALSE(parse_socket_type("Pull"));
    CHECK_FALSE(parse_socket_type("PUL"));
    CHECK_FALSE(parse_socket_type("PULLX"));
    CHECK_FALSE(parse_socket_type(""));
    CHECK_FALSE(parse_socket_type("CLIENT")); // draft types are not supported
}

TEST_CASE("is_compatible is RFC 37's table, and symmetric", "[zmtp][socket_type]")
{
    int pairs = 0;
    for (t a : all_types) {
        for (t b : all_types) {
            INFO(to_string(a) << " - " << to_string(b));
            CHECK(is_compatible(a, b) == (compatible.count({a, b}) == 1));
            CHECK(is_compatible(a, b) == is_compatible(b, a));
            pairs += is_compatible(a, b);
        }
    }
    CHECK(pairs == 21);
}

TEST_CASE("REQ, DEALER and ROUTER send Identity", "[zmtp][socket_type]")
{
    for (t x : all_types)
        CHECK(sends_identity(x) == (x == t::req || x == t::dealer || x == t::router));
}
