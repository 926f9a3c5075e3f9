/*
 * Installs logsplit's signal handlers as soon as the process image is loaded (.preinit_array), before the Swift runtime and
 * the argument parser start (tens of milliseconds). Apache sends SIGTERM to its piped loggers at every
 * graceful restart; one that arrived in that window used to kill logsplit with the default action and lose
 * the lines waiting in the pipe. Only the logsplit executable links this target, so the handlers are there
 * whatever name it runs under (a `cronolog` symlink, the drop-in the README describes).
 */
#include "CSplitterEarlySignals.h"
#include "CSplitterSignals.h"

static int installed = 0;

static void install_early(void) {
    if (installed) return;
    clinux_install_splitter_signals(0);
    installed = 1;
}

/* .preinit_array runs in the executable before any shared library's initializers (the Swift runtime,
   Foundation, libdispatch): the earliest user code the loader runs. The constructor is the fallback for a
   link that does not honour it. */
__attribute__((section(".preinit_array"), used)) static void (*const preinit_install)(void) = install_early;
__attribute__((constructor)) static void constructor_install(void) { install_early(); }

int splitter_early_signals_installed(void) { return installed; }
