/* pacedfeed: write log lines to stdout at a steady rate, each stamped with its write time, for measuring the
 * live lag of a log pipeline (scripts/bench-tail.sh: pacedfeed | logsplit -> files -> logdump tail -> rsyslog).
 *
 *   cc -O2 -o pacedfeed scripts/pacedfeed.c
 *   pacedfeed FILE RATE SECONDS [TICK_US] | logsplit ...
 *
 * Takes the lines of FILE (an Apache combined log; used round and round) and writes RATE lines a second for
 * SECONDS seconds, one write(2) per line as Apache's children write a piped log. Line i is due at start + i/RATE
 * (an absolute schedule: a late line is written at once, the schedule is not shifted). The writer wakes up every
 * TICK_US microseconds (default 1000) and writes the lines due by then, so 20,000 lines a second cost 1,000
 * wake-ups, not 20,000; TICK_US 0 sleeps until each line's own time. Each line is written as
 * the original line, a space, "wt=" and CLOCK_REALTIME in microseconds read just before its write(2), and a
 * newline: the receiver's receipt time minus wt is the lag of that line.
 *
 * Prints on stderr: lines written, seconds taken, and how late the latest line was against its schedule.
 * Exits 1 on an I/O error, 2 on a usage error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int write_all(const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: pacedfeed FILE RATE SECONDS [TICK_US]\n");
        return 2;
    }
    double rate = atof(argv[2]), seconds = atof(argv[3]);
    long long tick = argc == 5 ? atoll(argv[4]) * 1000LL : 1000000LL;
    if (rate <= 0 || seconds <= 0) {
        fprintf(stderr, "pacedfeed: RATE and SECONDS must be positive\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        fprintf(stderr, "pacedfeed: cannot read %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    const char *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
        fprintf(stderr, "pacedfeed: cannot map %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake up on time, not up to 50 us late */
    long long total = (long long)(rate * seconds);
    long long start = now_ns(CLOCK_MONOTONIC), worst_late = 0;
    size_t offset = 0;
    char line[70000];
    for (long long i = 0; i < total; i++) {
        const char *p = data + offset;
        const char *nl = memchr(p, '\n', (size_t)st.st_size - offset);
        size_t len = nl ? (size_t)(nl - p) : (size_t)st.st_size - offset;
        offset = nl ? offset + len + 1 : (size_t)st.st_size;
        if (offset >= (size_t)st.st_size) offset = 0;
        if (len > sizeof line - 40) len = sizeof line - 40;
        memcpy(line, p, len);
        long long due = start + (long long)((double)i * 1e9 / rate);
        long long mono = now_ns(CLOCK_MONOTONIC);
        if (mono < due) {
            long long wake = tick > 0 ? start + (due - start + tick - 1) / tick * tick : due;
            struct timespec t = { .tv_sec = wake / 1000000000LL, .tv_nsec = wake % 1000000000LL };
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {}
        } else if (mono - due > worst_late) {
            worst_late = mono - due;
        }
        int n = snprintf(line + len, 40, " wt=%lld\n", now_ns(CLOCK_REALTIME) / 1000);
        if (write_all(line, len + (size_t)n) != 0) {
            fprintf(stderr, "pacedfeed: write: %s\n", strerror(errno));
            return 1;
        }
    }
    fprintf(stderr, "pacedfeed: lines=%lld seconds=%.2f worst_late_ms=%.1f\n", total,
            (double)(now_ns(CLOCK_MONOTONIC) - start) / 1e9, (double)worst_late / 1e6);
    return 0;
}
