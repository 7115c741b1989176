/* SPDX-License-Identifier: MIT */
/* What the libzmq baseline tools share: the stopwatch, argument parsing and
   the output lines of libzmq's perf/ tools (the same as bench_common.hpp's). */
#ifndef BENCH_LIBZMQ_COMMON_H
#define BENCH_LIBZMQ_COMMON_H

#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* --curve: the two sides talk CURVE with these fixed keys, made for the
   benchmarks only (our tools, bench_common.hpp, use the same). The binding
   side is the server. */
#define BENCH_CURVE_SERVER_PUBLIC "vd>XwOiBdH!x:E8oiI$R<MRdq?4B?&{%H^$.1+!K"
#define BENCH_CURVE_SERVER_SECRET "@!(!JP4G2{1Ob)W4*2QB>[Uh.-GhK-ZeDtl[fQ)."
#define BENCH_CURVE_CLIENT_PUBLIC "2-wuvh(T5gx?ZZ373Su&=S%X}iVA8PnWL3MAH?qD"
#define BENCH_CURVE_CLIENT_SECRET "E{zL@DBU]/ftA7Io^^anJHdI6?#10GlRb5P9I*.M"

/* Removes a trailing "--curve" from the arguments; 1 if it was there. */
static inline int take_curve_flag(int* argc, char** argv)
{
    if (*argc > 1 && strcmp(argv[*argc - 1], "--curve") == 0) {
        --*argc;
        return 1;
    }
    return 0;
}

/* Makes `s` the CURVE server (binding side) or client of the bench keys. */
static inline void apply_curve(void* s, int server)
{
    int rc = 0;
    if (server) {
        int one = 1;
        rc |= zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one);
        rc |= zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, BENCH_CURVE_SERVER_SECRET, 40);
    } else {
        rc |= zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, BENCH_CURVE_SERVER_PUBLIC, 40);
        rc |= zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, BENCH_CURVE_CLIENT_PUBLIC, 40);
        rc |= zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, BENCH_CURVE_CLIENT_SECRET, 40);
    }
    if (rc != 0) {
        fprintf(stderr, "CURVE options: %s\n", zmq_strerror(zmq_errno()));
        exit(1);
    }
}

static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline unsigned long long parse_count(const char* s, const char* usage)
{
    char* end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end != '\0') {
        fprintf(stderr, "%s\n", usage);
        exit(1);
    }
    return v;
}

static inline void die(const char* what)
{
    fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static inline void print_throughput(size_t size, unsigned long long count, double elapsed)
{
    double throughput = elapsed > 0 ? (double)count / elapsed * 1e6 : 0.0;
    printf("message size: %zu [B]\n", size);
    printf("message count: %llu\n", count);
    printf("mean throughput: %d [msg/s]\n", (int)throughput);
    printf("mean throughput: %.3f [Mb/s]\n", throughput * (double)size * 8 / 1e6);
    fflush(stdout);
}

static inline void print_latency(size_t size, unsigned long long roundtrips, double elapsed)
{
    printf("message size: %zu [B]\n", size);
    printf("roundtrip count: %llu\n", roundtrips);
    printf("average latency: %.3f [us]\n", roundtrips ? elapsed / ((double)roundtrips * 2) : 0.0);
    fflush(stdout);
}

/* Resident set size of this process in KiB (VmRSS), 0 if unknown. */
static inline long rss_kib(void)
{
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

/* With BENCH_PEAK_RSS set (run.py sets it), print the peak RSS (VmHWM) on
   stderr at exit, as ../bench_common.hpp does for our tools. */
static void report_peak_rss(void)
{
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    fprintf(stderr, "peak rss: %ld [KiB]\n", kib);
}

__attribute__((constructor)) static void register_peak_rss_report(void)
{
    if (getenv("BENCH_PEAK_RSS"))
        atexit(report_peak_rss);
}

/* Raises the soft RLIMIT_NOFILE towards `needed` (up to the hard limit). */
static inline rlim_t raise_fd_limit(rlim_t needed)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < needed) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > needed ? needed : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

#endif
