import LogDumpCLI
import LogDumpFaults

// logdump with the tests' fault hooks, read from the environment. Built for the end-to-end tests only;
// never installed.
LogdumpMain.main(hooks: FaultHooks.fromEnvironment())
