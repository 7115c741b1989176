// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The per-type loops: what zmtpcat does with its socket once the
    endpoints are set up.
*/

#include "command_line.hpp"
#include "stopper.hpp"

#include <zmtp.hpp>

namespace zmtpcat {

/** Runs TYPE's loop on `s` until input ends, --count is reached, a stop is
    requested, or an operation fails. Returns the exit status and the line
    (if any) for stderr. Leaves `s` open unless it had to close it. */
outcome run(zmtp::socket& s, const config& cfg, stopper& stop);

} // namespace zmtpcat
