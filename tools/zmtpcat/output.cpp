// SPDX-License-Identifier: MIT
#include "output.hpp"

#include <cstdio>
#include <mutex>

namespace zmtpcat {
namespace {

std::mutex out_mutex;
std::mutex err_mutex;

void write_line(std::FILE* f, std::string_view line)
{
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
    std::fflush(f);
}

} // namespace

void print_line(std::string_view line)
{
    std::lock_guard lock(out_mutex);
    write_line(stdout, line);
}

void print_error_line(std::string_view line)
{
    std::lock_guard lock(err_mutex);
    write_line(stderr, line);
}

void report(std::string_view text)
{
    std::string line = "zmtpcat: ";
    line += text;
    print_error_line(line);
}

std::string format_event(const zmtp::socket_event& e)
{
    std::string line = "event: ";
    line += to_string(e.what);
    if (!e.endpoint.empty()) {
        line += ' ';
        line += e.endpoint;
    }
    if (e.reason) {
        line += ' ';
        line += e.reason.message();
    }
    return line;
}

} // namespace zmtpcat
