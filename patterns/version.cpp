// SPDX-License-Identifier: MIT
#include "patterns/version.hpp"

namespace zmtp::patterns {

std::string_view version() noexcept { return "0.1.0"; }

} // namespace zmtp::patterns
