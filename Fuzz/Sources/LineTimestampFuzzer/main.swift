// libFuzzer runs `fuzz` (the file next to this one) with the options and corpus directories of the
// command line: `.build-fuzz/debug/<Name>Fuzzer -help=1` lists them.
import CFuzzerDriver
#if canImport(Glibc)
import Glibc
#endif

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data!, size) })
