#ifndef CLINUXSHIM_H
#define CLINUXSHIM_H
/* GNU-only Linux interfaces that Swift's Glibc module (built without _GNU_SOURCE) does not export. */
#include <sys/types.h>
#include <time.h>

/* fcntl(fd, F_SETPIPE_SZ, size): enlarge a pipe; returns the new size or -1. */
int clinux_set_pipe_size(int fd, int size);
/* renameat2 with RENAME_NOREPLACE: fails with EEXIST instead of replacing. */
int clinux_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
/* strftime wrapper: Swift cannot pass a struct tm's tm_zone pointer through safely in all cases. */
size_t clinux_strftime(char *out, size_t max, const char *format, const struct tm *tm);
/* strptime is declared only with _XOPEN_SOURCE / _GNU_SOURCE. Returns a pointer past the parsed text, or NULL. */
const char *clinux_strptime(const char *s, const char *format, struct tm *tm);


/* Counts the newlines in bytes[0, length) into *lines and returns the offset just past the last one
   (0 when there is none). *gap_over_2k is set when some aligned 2048-byte window holds no newline: only
   then can a line be longer than 4096 bytes, and the caller measures line lengths exactly. */
size_t clinux_scan_lines(const unsigned char *bytes, size_t length, size_t *lines, int *gap_over_2k);
/* malloc_trim(0): returns the free pages of the heap to the kernel (start-up garbage: argument parsing,
   configuration). Returns 1 if memory was released. */
int clinux_release_free_heap(void);
/* Drops the main thread's stack pages more than 8 KiB below the caller's frame (MADV_DONTNEED): start-up
   ran deeper than the idle loop ever does. Call from the main thread only. Returns the bytes released, or
   -1 if the stack mapping was not found. */
long clinux_release_unused_stack(void);
/* Unmaps this process's view of the executable's code segment (MADV_DONTNEED; clean, read-only, shared
   file pages only; they map again on use). Returns the bytes released, or -1 if the segment was not found
   or holds written pages. */
long clinux_release_startup_code(void);

#endif
