#ifndef CSPLITTERSIGNALS_H
#define CSPLITTERSIGNALS_H
/* logsplit's signals (splitter_signals.c): flags set by the handlers, read by the split loop. */

/* Installs the handlers and unblocks the signals; drain_seconds > 0 also sets the drain deadline. */
void clinux_install_splitter_signals(unsigned int drain_seconds);
void clinux_set_drain_seconds(unsigned int seconds);
int clinux_terminate_requested(void);
int clinux_take_stats_request(void);

#endif
