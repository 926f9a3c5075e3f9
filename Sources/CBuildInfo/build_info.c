#include "CBuildInfo.h"
#include "release.h"

/* The Makefile writes logsplit_build_commit.h (#define LOGSPLIT_COMMIT "1a341ea") into its scratch path and
   passes that directory with -Xcc -I; a plain `swift build` has no such header and says "unknown". */
#if __has_include("logsplit_build_commit.h")
#include "logsplit_build_commit.h"
#endif
#ifndef LOGSPLIT_COMMIT
#define LOGSPLIT_COMMIT "unknown"
#endif

const char *logsplit_build_release(void) { return LOGSPLIT_RELEASE; }
const char *logsplit_build_commit(void) { return LOGSPLIT_COMMIT; }
