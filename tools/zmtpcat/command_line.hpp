// SPDX-License-Identifier: MIT
#pragma once

/** @file
    zmtpcat's command line: `zmtpcat TYPE [options]`, parsed into a config.
*/

#include "zmtp/socket_options.hpp"
#include "zmtp/socket_type.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zmtpcat {

/// Separator used when --frames is not given (output, and ROUTER's input).
inline constexpr std::string_view default_separator = "|";

/** Everything the command line says. */
struct config {
    zmtp::socket_type type = zmtp::socket_type::pair;
    std::vector<std::string> binds;
    std::vector<std::string> connects;
    /// --frames SEP: input lines are split at it; empty = not given.
    std::string frames;
    /// --count N: stop after N messages (see help); 0 = no limit.
    std::uint64_t count = 0;
    /// --subscribe PREFIX, decoded.
    std::vector<std::string> subscribe;
    /// --reply TEXT, as given (split and decoded like an input line).
    std::optional<std::string> reply;
    /// --interval MS.
    std::chrono::milliseconds interval{0};
    bool verbose = false;
    zmtp::socket_options socket;
    /// --plain-allow USER:PASSWORD (PLAIN server; none = any credentials).
    std::vector<std::pair<std::string, std::string>> plain_allow;
    /// --curve-allow KEY (CURVE server; none = any client key).
    std::vector<zmtp::curve_key> curve_allow;

    /// The separator that joins received frames.
    std::string_view separator() const noexcept
    {
        return frames.empty() ? default_separator : std::string_view(frames);
    }
};

/** What the command line asks for. */
struct parse_result {
    enum class action { run, help, version, curve_keypair, usage_error };
    action what = action::run;
    config cfg;
    /// For usage_error: what is wrong, one line.
    std::string error;
};

parse_result parse_command_line(int argc, const char* const* argv);

/// Synopsis, printed after a usage error.
std::string usage_text();
/// The full help (--help).
std::string help_text();

} // namespace zmtpcat
