/*
 * logsplit's glibc floor: the release binary needs no symbol version newer than GLIBC_2.28, so the one static
 * binary runs in RHEL 8 / 9 and Debian 11 based web containers as well as on the build host (README "Which
 * glibc logsplit needs"; checked by Tests/EndToEndTests/GlibcFloorTests.swift).
 *
 * Linking against glibc 2.36 binds every call to the newest version of its symbol. The objects that ask for
 * a newer one than 2.28 (found with the linker's --trace-symbol):
 *   GLIBC_2.34  __libc_start_main (crt1.o); pthread_*, sem_* (libdispatch.a, libswift_Concurrency.a,
 *               libswiftCore.a, libstdc++.a, LinuxSystem); dlopen, dlsym, dlerror, dladdr (libswiftCore.a):
 *               libpthread and libdl were merged into libc and their symbols given a new version
 *   GLIBC_2.33  stat, fstat, lstat, fstatat (our Swift code, FoundationEssentials, libdispatch, libswiftCore):
 *               before 2.33 these were inline calls to __xstat & co.
 *   GLIBC_2.32  pthread_sigmask, pthread_getattr_np, pthread_getaffinity_np (libdispatch, libswiftCore),
 *               __libc_single_threaded (libstdc++.a)
 *   GLIBC_2.29  exp, exp2, log, log2 (libswiftCore.a: new versions without SVID error handling)
 *   GLIBC_2.35  hypotf (libswiftGlibc.a)
 *   GLIBC_2.36  arc4random (libstdc++.a, std::random_device)
 * Each is defined here, in the executable, so those references bind to these definitions; each calls the
 * oldest version of the same function (`.symver`), which every glibc since 2.2.5 still exports (since 2.34
 * as a compatibility symbol of libc.so.6, before that from libpthread.so.0 / libdl.so.2, which the release
 * link names as NEEDED through Sources/logsplit/link). The behaviour is the same: the new versions only moved
 * or renamed them. Only logsplit links this file (the CSplitterEarlySignals target), never logdump or tests.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COMPAT(symbol, version) __asm__(".symver clinux_compat_" #symbol ", " #symbol "@" version)
/* Hidden: bound inside the executable only. Exported (the Swift link passes -export-dynamic), a definition
   would also answer the loader's lookup of `symbol@version` for the call just below: endless recursion. */
#define LOCAL __attribute__((visibility("hidden")))

/* --- start-up: the 2.34 __libc_start_main runs the constructors itself; the 2.2.5 one calls `init` ---- */

typedef void (*init_function)(int, char **, char **);
extern init_function __init_array_start[] __attribute__((visibility("hidden")));
extern init_function __init_array_end[] __attribute__((visibility("hidden")));
extern void _init(void);

/* What __libc_csu_init did for a dynamically linked program (the loader runs .preinit_array itself). */
static void run_constructors(int argc, char **argv, char **envp) {
    _init();
    for (init_function *f = __init_array_start; f < __init_array_end; f++) (*f)(argc, argv, envp);
}

COMPAT(__libc_start_main, "GLIBC_2.2.5");
int clinux_compat___libc_start_main(int (*)(int, char **, char **), int, char **, init_function, void (*)(void),
                                    void (*)(void), void *);
LOCAL int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, init_function init,
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
    (void)init; (void)fini;  /* NULL from a 2.34 crt1.o */
    return clinux_compat___libc_start_main(main, argc, argv, run_constructors, NULL, rtld_fini, stack_end);
}

/* --- threads, semaphores, the dynamic loader: same functions, older version names ---------------------- */

#define FORWARD(ret, symbol, version, params, args) \
    COMPAT(symbol, version); \
    ret clinux_compat_##symbol params; \
    LOCAL ret symbol params { return clinux_compat_##symbol args; }

typedef struct opaque opaque;
FORWARD(int, pthread_create, "GLIBC_2.2.5", (unsigned long *t, const opaque *a, void *(*f)(void *), void *p), (t, a, f, p))
FORWARD(int, pthread_join, "GLIBC_2.2.5", (unsigned long t, void **r), (t, r))
FORWARD(int, pthread_detach, "GLIBC_2.2.5", (unsigned long t), (t))
FORWARD(int, pthread_kill, "GLIBC_2.2.5", (unsigned long t, int s), (t, s))
FORWARD(int, pthread_key_create, "GLIBC_2.2.5", (unsigned *k, void (*d)(void *)), (k, d))
FORWARD(int, pthread_setspecific, "GLIBC_2.2.5", (unsigned k, const void *v), (k, v))
FORWARD(int, pthread_sigmask, "GLIBC_2.2.5", (int how, const opaque *set, opaque *old), (how, set, old))
FORWARD(int, pthread_attr_getstack, "GLIBC_2.2.5", (const opaque *a, void **s, size_t *n), (a, s, n))
FORWARD(int, pthread_getattr_np, "GLIBC_2.2.5", (unsigned long t, opaque *a), (t, a))
FORWARD(int, pthread_getaffinity_np, "GLIBC_2.3.4", (unsigned long t, size_t n, opaque *c), (t, n, c))
FORWARD(int, pthread_setname_np, "GLIBC_2.12", (unsigned long t, const char *n), (t, n))
FORWARD(int, pthread_mutexattr_init, "GLIBC_2.2.5", (opaque *a), (a))
FORWARD(int, pthread_mutexattr_destroy, "GLIBC_2.2.5", (opaque *a), (a))
FORWARD(int, pthread_mutexattr_settype, "GLIBC_2.2.5", (opaque *a, int k), (a, k))
FORWARD(int, sem_init, "GLIBC_2.2.5", (opaque *s, int shared, unsigned v), (s, shared, v))
FORWARD(int, sem_destroy, "GLIBC_2.2.5", (opaque *s), (s))
FORWARD(int, sem_post, "GLIBC_2.2.5", (opaque *s), (s))
FORWARD(int, sem_wait, "GLIBC_2.2.5", (opaque *s), (s))
FORWARD(int, sem_timedwait, "GLIBC_2.2.5", (opaque *s, const opaque *t), (s, t))
FORWARD(void *, dlopen, "GLIBC_2.2.5", (const char *f, int m), (f, m))
FORWARD(void *, dlsym, "GLIBC_2.2.5", (void *h, const char *s), (h, s))
FORWARD(char *, dlerror, "GLIBC_2.2.5", (void), ())
FORWARD(int, dladdr, "GLIBC_2.2.5", (const void *a, opaque *i), (a, i))

/* sem_open(name, oflag[, mode, value]): the last two only with O_CREAT. */
COMPAT(sem_open, "GLIBC_2.2.5");
void *clinux_compat_sem_open(const char *, int, ...);
LOCAL void *sem_open(const char *name, int oflag, ...) {
    enum { O_CREAT_FLAG = 0100 };
    if (!(oflag & O_CREAT_FLAG)) return clinux_compat_sem_open(name, oflag);
    va_list list;
    va_start(list, oflag);
    unsigned mode = va_arg(list, unsigned);
    unsigned value = va_arg(list, unsigned);
    va_end(list);
    return clinux_compat_sem_open(name, oflag, mode, value);
}

/* --- stat & co: before 2.33 the headers turned them into __xstat(_STAT_VER, ...) calls ------------------ */

enum { STAT_VERSION = 1 };  /* _STAT_VER_LINUX on x86_64 */
int __xstat(int, const char *, opaque *);
int __lxstat(int, const char *, opaque *);
int __fxstat(int, int, opaque *);
int __fxstatat(int, int, const char *, opaque *, int);
LOCAL int stat(const char *path, opaque *buf) { return __xstat(STAT_VERSION, path, buf); }
LOCAL int lstat(const char *path, opaque *buf) { return __lxstat(STAT_VERSION, path, buf); }
LOCAL int fstat(int fd, opaque *buf) { return __fxstat(STAT_VERSION, fd, buf); }
LOCAL int fstatat(int dirfd, const char *path, opaque *buf, int flags) {
    return __fxstatat(STAT_VERSION, dirfd, path, buf, flags);
}

/* --- libm: the 2.29 / 2.35 versions changed error handling details, not results ------------------------- */

FORWARD(double, exp, "GLIBC_2.2.5", (double x), (x))
FORWARD(double, exp2, "GLIBC_2.2.5", (double x), (x))
FORWARD(double, log, "GLIBC_2.2.5", (double x), (x))
FORWARD(double, log2, "GLIBC_2.2.5", (double x), (x))
FORWARD(float, hypotf, "GLIBC_2.2.5", (float x, float y), (x, y))

/* --- what older glibc lacks altogether ------------------------------------------------------------------ */

/* libstdc++ skips atomic reference counts while this is non-zero; 0 (never known single-threaded) is
   always correct. glibc 2.32+ maintains its own copy for its own callers. */
LOCAL char __libc_single_threaded = 0;

/* libstdc++'s std::random_device: the kernel's generator (getrandom, GLIBC_2.25). */
LOCAL uint32_t arc4random(void) {
    uint32_t value;
    unsigned char *p = (unsigned char *)&value;
    size_t got = 0;
    while (got < sizeof value) {
        long n = syscall(SYS_getrandom, p + got, sizeof value - got, 0);
        if (n > 0) got += (size_t)n;
    }
    return value;
}
