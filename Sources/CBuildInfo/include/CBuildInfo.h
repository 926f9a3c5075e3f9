#ifndef CBUILDINFO_H
#define CBUILDINFO_H
/* What this binary was built from (build_info.c). Swift code reads it through the BuildInfo module. */

/* The release, e.g. "0.1.0" (release.h: the one place it is written; the packages take it from there). */
const char *logsplit_build_release(void);
/* The git commit, e.g. "1a341ea" or "1a341ea-dirty"; "unknown" when built without the Makefile. */
const char *logsplit_build_commit(void);

#endif
