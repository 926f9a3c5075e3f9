/* linefeed: write a file to stdout the way Apache's children write a piped log,
 * one write(2) per line, so the reader wakes up about once per line.
 *
 *   cc -O2 -o linefeed scripts/linefeed.c
 *   linefeed FILE [MAX_LINES [PAUSE_US]] | logsplit ...
 *
 * Stops after MAX_LINES lines (default or -1: all). With PAUSE_US it sleeps that many microseconds
 * after each line, like a server that is busy but not saturated: the reader then wakes up for every
 * single line, which is what a logger's CPU per line looks like in production. Exits 1 on an I/O error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: linefeed FILE [MAX_LINES [PAUSE_US]]\n");
        return 2;
    }
    long long max_lines = argc >= 3 ? atoll(argv[2]) : -1;
    long pause_us = argc == 4 ? atol(argv[3]) : 0;
    struct timespec pause = { pause_us / 1000000, (pause_us % 1000000) * 1000 };
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) { perror(argv[1]); return 1; }
    struct stat st;
    if (fstat(fd, &st) < 0) { perror(argv[1]); return 1; }
    if (st.st_size == 0) return 0;
    const char *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED) { perror("mmap"); return 1; }
    madvise((void *)base, (size_t)st.st_size, MADV_SEQUENTIAL);
    const char *p = base, *end = base + st.st_size;
    long long lines = 0;
    while (p < end && (max_lines < 0 || lines < max_lines)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl + 1 : end;
        if (write_all(p, (size_t)(stop - p)) < 0) { perror("write"); return 1; }
        p = stop;
        lines++;
        if (pause_us > 0) nanosleep(&pause, NULL);
    }
    return 0;
}
