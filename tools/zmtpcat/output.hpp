// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Writing to stdout and stderr from several threads, a whole line at a
    time, flushed at once so that scripts see each line when it happens.
*/

#include "zmtp/socket_event.hpp"

#include <string>
#include <string_view>

namespace zmtpcat {

/// Writes `line` and '\n' to stdout, and flushes.
void print_line(std::string_view line);

/// Writes `line` and '\n' to stderr.
void print_error_line(std::string_view line);

/// Writes "zmtpcat: " + `text` to stderr.
void report(std::string_view text);

/// "event: NAME ENDPOINT [REASON]".
std::string format_event(const zmtp::socket_event& e);

} // namespace zmtpcat
