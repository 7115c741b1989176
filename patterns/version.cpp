// SPDX-License-Identifier: MIT
#include "zmtp/version.hpp"

namespace zmtp {

std::string_view version() noexcept { return "0.1.0"; }

} // namespace zmtp
