// SPDX-License-Identifier: MIT
#include "line_reader.hpp"

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace zmtpcat {

line_reader::status line_reader::next(std::string& line)
{
    for (;;) {
        if (const auto nl = buffer_.find('\n', scanned_); nl != std::string::npos) {
            line.assign(buffer_, 0, nl);
            buffer_.erase(0, nl + 1);
            scanned_ = 0;
            return status::line;
        }
        scanned_ = buffer_.size();
        if (eof_) {
            if (buffer_.empty())
                return status::end_of_input;
            line = std::move(buffer_);
            buffer_.clear();
            scanned_ = 0;
            return status::line;
        }
        // Wait for input or a stop, whichever comes first.
        pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        const int n = ::poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            eof_ = true;
            continue;
        }
        if (fds[1].revents != 0)
            return status::stopped;
        if (fds[0].revents == 0)
            continue;
        char chunk[65536];
        const auto got = ::read(fd_, chunk, sizeof chunk);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            eof_ = true;
        else
            buffer_.append(chunk, static_cast<std::size_t>(got));
    }
}

} // namespace zmtpcat
