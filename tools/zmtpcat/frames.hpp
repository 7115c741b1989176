// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The text form of messages: one line per message, frames joined by a
    separator, bytes that could break the line escaped.

    Output is canonical and unambiguous, so it reads back as the same bytes:
    - printable ASCII and well-formed UTF-8 stand for themselves;
    - `\\`, `\n`, `\r`, `\t` for backslash, LF, CR, TAB;
    - `\xNN` (two hex digits) for any other byte, and for every occurrence of
      the separator's first byte inside a frame, so that the separator only
      ever appears between frames.
    Input accepts the same sequences; a backslash that starts none of them
    stands for itself.

    A routing id (ROUTER's first frame) starting with a zero byte -- the
    5-byte ids ROUTER generates -- is written `0x` followed by lowercase hex;
    any other id is escaped like a frame (a leading `0x` as `\x30x`). On
    input, `0x` followed by an even number of hex digits is read as those
    bytes; anything else is unescaped.
*/

#include "zmtp/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace zmtpcat {

/// The text form of one frame's bytes (see the file comment).
std::string escape(std::string_view bytes, std::string_view sep);

/// Decodes the escapes in `text`.
std::string unescape(std::string_view text);

/// The text form of a routing id.
std::string format_routing_id(std::string_view id, std::string_view sep);

/// Decodes a routing id written as `0x`+hex or as escaped text.
std::string parse_routing_id(std::string_view text);

/** Splits `line` at every `sep` outside an escape sequence, without
    decoding anything. An empty `sep` gives the whole line. */
std::vector<std::string_view> split_line(std::string_view line, std::string_view sep);

/** The line for a message: its frames escaped and joined by `sep`; the first
    frame written as a routing id if `routing_id_first`. */
std::string format_message(const zmtp::message& m, std::string_view sep, bool routing_id_first);

/** The message for a line: split at `split_sep` (no split if empty), each
    part unescaped; the first part read as a routing id if `routing_id_first`. */
zmtp::message parse_message(std::string_view line, std::string_view split_sep,
                            bool routing_id_first);

} // namespace zmtpcat
