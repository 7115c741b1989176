// SPDX-License-Identifier: MIT
#include "patterns/pull.hpp"

#include "zmtp/socket_error.hpp"

namespace zmtp::patterns {

std::error_code pull_pattern::send(zmtp::message&)
{
    return socket_error::not_supported;
}

} // namespace zmtp::patterns
