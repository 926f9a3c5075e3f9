import Foundation
import Testing

/// The manual pages' generated part (packaging/man/generated, from argument-parser's generate-manual) is
/// committed; these tests fail when a program gained an option the committed page does not describe, so
/// `make man-generated` is run when the command line changes.
@Suite struct PackagingManPageTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Every long option name in argument-parser's `--experimental-dump-help` output (all subcommands).
    static func longOptions(of program: String) throws -> Set<String> {
        let result = try runProcess(Executables.built(program), ["--experimental-dump-help"])
        #expect(result.status == 0, "\(result.stderrText)")
        let json = try JSONSerialization.jsonObject(with: result.stdout)
        var names: Set<String> = []
        func walk(_ node: Any) {
            if let object = node as? [String: Any] {
                if let kind = object["kind"] as? String, kind == "long", let name = object["name"] as? String {
                    names.insert(name)
                }
                object.values.forEach(walk)
            } else if let array = node as? [Any] {
                array.forEach(walk)
            }
        }
        walk(json)
        // argument-parser's own flags are not options of the program.
        return names.subtracting(["help", "version", "experimental-dump-help", "generate-completion-script"])
    }

    @Test(arguments: ["logsplit", "logdump"])
    func generatedPageDescribesEveryLongOption(program: String) throws {
        let page = try String(contentsOfFile: Self.packageRoot + "/packaging/man/generated/\(program).8", encoding: .utf8)
        let options = try Self.longOptions(of: program)
        #expect(!options.isEmpty)
        // mdoc writes --name as `Fl -name`, or `Fl x , -name` after its short name.
        let missing = options.filter { name in
            !["Fl -\(name)", ", -\(name)"].contains { page.contains($0 + " ") || page.contains($0 + "\n") }
        }.sorted()
        #expect(missing.isEmpty, "packaging/man/generated/\(program).8 lacks \(missing): run `make man-generated`")
    }
}
