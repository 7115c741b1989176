// SPDX-License-Identifier: MIT
#pragma once

/** @file `zmtp::version()`: the library version. */

#include <string_view>

namespace zmtp {

/// The library version, "MAJOR.MINOR.PATCH".
std::string_view version() noexcept;

} // namespace zmtp
