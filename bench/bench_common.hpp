// SPDX-License-Identifier: MIT
#pragma once

/** @file
    What every perf tool of ours shares: argument parsing, the stopwatch and
    the output lines of libzmq's perf/ tools (so run.py, and anyone's
    generate_csv.sh, parse ours and libzmq's the same way), and a few
    process-level helpers (RSS, the file-descriptor limit).
*/

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace bench {

using clock = std::chrono::steady_clock;

/* --curve: the two sides talk CURVE with these fixed keys, made for the
   benchmarks only (the libzmq tools, bench/libzmq/common.h, use the same).
   The binding side is the server. */
inline constexpr const char* curve_server_public = "vd>XwOiBdH!x:E8oiI$R<MRdq?4B?&{%H^$.1+!K";
inline constexpr const char* curve_server_secret = "@!(!JP4G2{1Ob)W4*2QB>[Uh.-GhK-ZeDtl[fQ).";
inline constexpr const char* curve_client_public = "2-wuvh(T5gx?ZZ373Su&=S%X}iVA8PnWL3MAH?qD";
inline constexpr const char* curve_client_secret = "E{zL@DBU]/ftA7Io^^anJHdI6?#10GlRb5P9I*.M";

/// Removes a trailing "--curve" from the arguments; true if it was there.
inline bool take_curve_flag(int& argc, char** argv)
{
    if (argc > 1 && std::strcmp(argv[argc - 1], "--curve") == 0) {
        --argc;
        return true;
    }
    return false;
}

/// Microseconds from `start` to now.
inline double elapsed_us(clock::time_point start)
{
    return std::chrono::duration<double, std::micro>(clock::now() - start).count();
}

/** Parses `argv[i]` as a non-negative number; exits with the usage line on
    anything else (a benchmark that ran with a garbage count is worse than
    one that did not run). */
inline unsigned long long parse_count(const char* s, const char* usage)
{
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (end == s || *end != '\0') {
        std::fprintf(stderr, "%s\n", usage);
        std::exit(1);
    }
    return v;
}

[[noreturn]] inline void fail(const char* what)
{
    std::fprintf(stderr, "%s\n", what);
    std::exit(1);
}

/// local_thr's report: the same four lines as libzmq's perf/local_thr.
inline void print_throughput(std::size_t size, unsigned long long count, double elapsed)
{
    const double throughput = elapsed > 0 ? static_cast<double>(count) / elapsed * 1e6 : 0.0;
    const double megabits = throughput * static_cast<double>(size) * 8 / 1e6;
    std::printf("message size: %zu [B]\n", size);
    std::printf("message count: %llu\n", count);
    std::printf("mean throughput: %d [msg/s]\n", static_cast<int>(throughput));
    std::printf("mean throughput: %.3f [Mb/s]\n", megabits);
    std::fflush(stdout);
}

/// remote_lat's report, as libzmq's perf/remote_lat: one-way = elapsed / (2 * roundtrips).
inline void print_latency(std::size_t size, unsigned long long roundtrips, double elapsed)
{
    const double latency = roundtrips ? elapsed / (static_cast<double>(roundtrips) * 2) : 0.0;
    std::printf("message size: %zu [B]\n", size);
    std::printf("roundtrip count: %llu\n", roundtrips);
    std::printf("average latency: %.3f [us]\n", latency);
    std::fflush(stdout);
}

/// Resident set size of this process, in KiB (VmRSS of /proc/self/status); 0 if unknown.
inline long rss_kib()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

/// Peak resident set size of this process, in KiB (VmHWM); 0 if unknown.
inline long peak_rss_kib()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

/** With BENCH_PEAK_RSS set (run.py sets it), every tool prints its peak RSS
    on stderr at exit. run.py cannot take it from wait4: Linux carries the
    launching Python's high-water mark across fork and exec into ru_maxrss. */
struct peak_rss_reporter {
    ~peak_rss_reporter()
    {
        if (std::getenv("BENCH_PEAK_RSS"))
            std::fprintf(stderr, "peak rss: %ld [KiB]\n", peak_rss_kib());
    }
};
inline peak_rss_reporter report_peak_rss_at_exit;

/** Raises the soft RLIMIT_NOFILE to what `needed` descriptors require (up to
    the hard limit). Returns the resulting soft limit. */
inline rlim_t raise_fd_limit(rlim_t needed)
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < needed) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > needed ? needed : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

} // namespace bench
