import LogDump
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Configurations ConfigFuzzer (Fuzz/) found, minimised. They run in a child process (an exit test): the
/// failure they pin is an abort, which would otherwise end the whole test run.
@Suite struct FuzzFoundRegressionTests {
    /// Found by ConfigFuzzer: toml++ 3.4.0 (vendored by TOMLKit 0.6.0 as CTOML/toml.hpp) checks its parser's
    /// preconditions with `assert`, and SwiftPM defines no NDEBUG, not even with `-c release`: malformed
    /// documents abort the process (SIGABRT) instead of coming back as a parse error. `logdump validate`
    /// and `run` with such a file must report a problem on the `(file)` key, not abort.
    ///   - `[` then a non-key character: parser::parse_key, toml.hpp:15481 (upstream marzer/tomlplusplus#294)
    ///   - an array element, a comma, then `}`: parser::parse_value, toml.hpp:14994
    ///   - a date-time whose time does not start with a digit: parser::parse_time, toml.hpp:14790
    @Test(arguments: ["[\n", "[[[a]]]\n", "[&", "[general]\n[\n", "o=[\"\",}", "[sources]\nroots = [\"/x\", }\n",
                      "e=1875-05-27T:", "[general]\nhost = 1979-05-27T&07:32:00Z\n"])
    func aMalformedDocumentIsAProblemNotAnAbort(text: String) async {
        await #expect(processExitsWith: .success) { [text] in
            let (_, problems) = DumpConfiguration.parse(toml: text)
            exit(problems.isEmpty ? 1 : 0)
        }
    }
}
