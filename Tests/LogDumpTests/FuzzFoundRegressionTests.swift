import LogDump
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Configurations ConfigFuzzer (Fuzz/) found, minimised. They run in a child process (an exit test): the
/// failure they pin is an abort, which would otherwise end the whole test run.
@Suite struct FuzzFoundRegressionTests {
    /// Found by ConfigFuzzer (input `[` and a newline): TOMLKit's toml++ (v3, CTOML/toml.hpp:15481,
    /// parser::parse_key) asserts `is_bare_key_character(*cp) || is_string_delimiter(*cp)` and aborts the
    /// process in a debug build; with NDEBUG the same line is `__builtin_assume`, undefined behaviour.
    /// `logdump validate`/`run` with such a file must print a problem, not abort.
    @Test(arguments: ["[\n", "[", "[[\n", "[ \n", "a = 1\n[\n", "[general]\n[\n"])
    func aTableHeaderWithoutAKeyIsAProblemNotAnAbort(text: String) async {
        await #expect(processExitsWith: .success) { [text] in
            let (_, problems) = DumpConfiguration.parse(toml: text)
            exit(problems.isEmpty ? 1 : 0)
        }
    }
}
