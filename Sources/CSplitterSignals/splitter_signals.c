/*
 * logsplit's signal handling: async-signal-safe handlers that only set flags, read by the split loop.
 * They are installed before main() runs by CSplitterEarlySignals, which only the logsplit executable links
 * (whatever name it runs under: `cronolog` as a drop-in too); other programs linking LogSplitIO (the tests,
 * the benchmarks) keep their default signals until they call clinux_install_splitter_signals themselves.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "CSplitterSignals.h"

static volatile sig_atomic_t terminate_requested = 0;
static volatile sig_atomic_t stats_requested = 0;
static volatile unsigned int drain_seconds = 60;

static void on_terminate(int signo) {
    (void)signo;
    if (!terminate_requested) {
        terminate_requested = 1;
        alarm(drain_seconds); /* the drain deadline wakes the read loop even if no input comes */
    }
}

static void on_stats(int signo) {
    (void)signo;
    stats_requested = 1;
}

static void on_alarm(int signo) { (void)signo; /* interrupts read(2): the loop services its timers */ }

static void handle(int signo, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR and the loop looks at the flags */
    sigaction(signo, &action, NULL);
}

void clinux_install_splitter_signals(unsigned int drain) {
    if (drain > 0) drain_seconds = drain;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    handle(SIGTERM, on_terminate);
    handle(SIGINT, on_terminate);
    handle(SIGHUP, on_terminate);
    handle(SIGUSR1, on_stats);
    handle(SIGALRM, on_alarm);
    /* A blocked mask is inherited across exec; without these signals the timers would never fire. Unblocked
       only now that the handlers are in place: a SIGTERM already pending is handled, not fatal. */
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGALRM);
    sigaddset(&unblock, SIGTERM);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGHUP);
    sigaddset(&unblock, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
}

void clinux_set_drain_seconds(unsigned int seconds) { drain_seconds = seconds > 0 ? seconds : 1; }

int clinux_terminate_requested(void) { return terminate_requested != 0; }

int clinux_take_stats_request(void) {
    if (!stats_requested) return 0;
    stats_requested = 0;
    return 1;
}
