import LogSplitCore
import Testing

@Suite struct SiteNameTests {
    @Test func foldsCaseAndKeepsSafeCharacters() {
        #expect(SiteName.sanitise("WWW.Example-1_x") == "www.example-1_x")
    }

    @Test(arguments: ["..", ".", ".hidden", "a/b", "a\\b", "a\u{01}b", "a b", "", "caf\u{e9}", "a\u{0}b",
                      String(repeating: "x", count: 300)])
    func rejectsNamesThatCouldEscapeOrConfuse(name: String) {
        #expect(SiteName.sanitise(name) == nil)
    }

    @Test func acceptsTheLongestAllowedName() {
        let name = String(repeating: "a", count: SiteName.defaultMaxLength)
        #expect(SiteName.sanitise(name) == name)
        #expect(SiteName.sanitise(name + "a") == nil)
    }
}
