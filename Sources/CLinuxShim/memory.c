/*
 * Memory a long-running, mostly idle process gives back after start-up (logsplit: hundreds of idle piped
 * loggers per host, see README "Footprint").
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "CLinuxShim.h"

int clinux_release_free_heap(void) { return malloc_trim(0); }

/* Start-up (the Swift runtime demangling type names for argument parsing) runs about 40 KiB deep; those
   pages stay resident although nothing uses them again. Below the caller's frame, minus 8 KiB for the
   frames a later call or a signal handler pushes (they simply fault fresh zero pages in), the main
   thread's stack holds no live data: MADV_DONTNEED drops it. */
__attribute__((noinline)) long clinux_release_unused_stack(void) {
    enum { MARGIN = 8192 };
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t low = 0, high = 0;
    FILE *maps = fopen("/proc/self/maps", "re");
    if (!maps) return -1;
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2) { low = lo; high = hi; break; }
    }
    fclose(maps);
    if (low == 0 || here < low || here >= high) return -1;
    uintptr_t end = (here - MARGIN) & ~((uintptr_t)page - 1);
    if (end <= low) return 0;
    if (madvise((void *)low, end - low, MADV_DONTNEED) != 0) return -1;
    return (long)(end - low);
}

/* The executable's code and read-only data pages that start-up touched (argument parsing, the Swift runtime's
   type lookups: 6 MiB of a 12 MiB segment, 64 KiB around each fault) stay mapped although the idle loop
   needs few of them. They are clean pages of the file, shared with every other logger: MADV_DONTNEED only
   unmaps them from this process, and the next use maps them again from the page cache (a minor fault).
   Only the executable's mapping that holds this function is released, and only if it is read-only and
   holds no private (written) page. Returns the bytes released, or -1. */
long clinux_release_startup_code(void) {
    uintptr_t here = (uintptr_t)&clinux_release_startup_code;
    FILE *smaps = fopen("/proc/self/smaps", "re");
    if (!smaps) return -1;
    char line[512];
    unsigned long lo = 0, hi = 0;
    int found = 0, readonly = 0;
    long dirty = -1;
    while (fgets(line, sizeof line, smaps)) {
        unsigned long a, b;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3 && strchr(line, ' ') && line[0] != ' ') {
            if (found) break;  /* the next mapping: the one we want is complete */
            if (here >= a && here < b) {
                found = 1; lo = a; hi = b;
                readonly = perms[1] != 'w';
            }
            continue;
        }
        if (found && strncmp(line, "Private_Dirty:", 14) == 0) dirty = strtol(line + 14, NULL, 10);
    }
    fclose(smaps);
    if (!found || !readonly || dirty != 0) return -1;
    if (madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0) return -1;
    return (long)(hi - lo);
}
