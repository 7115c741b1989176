// SPDX-License-Identifier: MIT
// Maps a socket type to its pattern class.
#include "patterns/error.hpp"
#include "patterns/pattern.hpp"
#include "patterns/pull.hpp"
#include "patterns/push.hpp"

#include <system_error>

namespace zmtp::patterns {

std::unique_ptr<pattern> make_pattern(zmtp::socket_type t, socket_core& core)
{
    switch (t) {
    case zmtp::socket_type::push: return std::make_unique<push_pattern>(core);
    case zmtp::socket_type::pull: return std::make_unique<pull_pattern>(core);
    default: break;
    }
    throw std::system_error(socket_error::not_supported, std::string(to_string(t)));
}

} // namespace zmtp::patterns
