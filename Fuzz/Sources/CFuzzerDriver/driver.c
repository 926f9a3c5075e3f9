// Nothing here: the header declares LLVMFuzzerRunDriver, which -sanitize=fuzzer links in.
#include "CFuzzerDriver.h"
