#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include "CLinuxShim.h"

int clinux_set_pipe_size(int fd, int size) { return fcntl(fd, F_SETPIPE_SZ, size); }

int clinux_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

size_t clinux_strftime(char *out, size_t max, const char *format, const struct tm *tm) {
    return strftime(out, max, format, tm);
}

const char *clinux_strptime(const char *s, const char *format, struct tm *tm) {
    return strptime(s, format, tm);
}
