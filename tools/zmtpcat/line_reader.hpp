// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `line_reader`: lines from a file descriptor (stdin), with a wake-up fd
    that ends the wait early (see stopper::wake_fd()).
*/

#include <string>

namespace zmtpcat {

class line_reader {
public:
    enum class status { line, end_of_input, stopped };

    line_reader(int fd, int wake_fd) : fd_(fd), wake_fd_(wake_fd) {}

    /** The next line, without its '\n'. A last line without '\n' still
        counts; a read error counts as the end of input. */
    status next(std::string& line);

private:
    int fd_;
    int wake_fd_;
    std::string buffer_;
    std::size_t scanned_ = 0; // bytes of buffer_ known to hold no '\n'
    bool eof_ = false;
};

} // namespace zmtpcat
