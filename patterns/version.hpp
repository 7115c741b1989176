// SPDX-License-Identifier: MIT
#pragma once

/** @file The library version. */

#include <string_view>

namespace zmtp::patterns {

/// The library version, "MAJOR.MINOR.PATCH".
std::string_view version() noexcept;

} // namespace zmtp::patterns
