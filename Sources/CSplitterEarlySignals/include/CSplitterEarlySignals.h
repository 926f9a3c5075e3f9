#ifndef CSPLITTEREARLYSIGNALS_H
#define CSPLITTEREARLYSIGNALS_H
/* 1 when the constructor installed logsplit's signal handlers before main() ran. */
int splitter_early_signals_installed(void);
#endif
