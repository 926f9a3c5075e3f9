import LogDump
import Testing

@Suite struct TOMLReaderTests {
    @Test func readsWhatTheConfigurationUses() throws {
        let table = try TOMLReader.parse("""
            # comment
            [general]
            host = "web01"   # trailing comment
            workers = 4
            [sources]
            roots = [
              "/data/containers/{container}/weblogs/{site}",  # one
              '/srv/*/logs/*',
            ]
            grace = "10min"
            [destination]
            path_style = true
            part_size = 16_777_216
            "quoted key" = 'C:\\no\\escapes'
            """)
        #expect(table.keys == ["general", "sources", "destination"])
        #expect(table["general"]?.table?["host"]?.string == "web01")
        #expect(table["general"]?.table?["workers"]?.int == 4)
        #expect(table["sources"]?.table?["roots"]?.array?.compactMap(\.string)
            == ["/data/containers/{container}/weblogs/{site}", "/srv/*/logs/*"])
        #expect(table["destination"]?.table?["path_style"]?.bool == true)
        #expect(table["destination"]?.table?["part_size"]?.int == 16_777_216)
        #expect(table["destination"]?.table?["quoted key"]?.string == "C:\\no\\escapes")
    }

    @Test func readsTheRestOfTOML() throws {
        let table = try TOMLReader.parse("""
            a.b.c = 1
            hex = 0xff
            oct = 0o17
            bin = 0b101
            neg = -9223372036854775808
            pi = 3.14_15
            exp = 1e6
            inf = -inf
            when = 1979-05-27T07:32:00.999-07:00
            day = 1979-05-27
            at = 07:32:00
            inline = { x = 1, y.z = "two" }
            nested = [[1, 2], ["a"], []]
            esc = "tab\\tquote\\" \\u00e9 \\U0001F600"
            multi = \"\"\"
            first \\
              second\"\"\"
            lit = '''
            raw \\n line'''
            [[servers]]
            name = "one"
            [[servers]]
            name = "two"
            """)
        #expect(table["a"]?.table?["b"]?.table?["c"]?.int == 1)
        #expect(table["hex"]?.int == 255 && table["oct"]?.int == 15 && table["bin"]?.int == 5)
        #expect(table["neg"]?.int == Int.min)
        #expect(table["pi"] == .float(3.1415) && table["exp"] == .float(1e6) && table["inf"] == .float(-.infinity))
        #expect(table["when"] == .datetime("1979-05-27T07:32:00.999-07:00"))
        #expect(table["day"] == .datetime("1979-05-27") && table["at"] == .datetime("07:32:00"))
        #expect(table["inline"]?.table?["y"]?.table?["z"]?.string == "two")
        #expect(table["nested"]?.array?.count == 3)
        #expect(table["esc"]?.string == "tab\tquote\" \u{e9} \u{1F600}")
        #expect(table["multi"]?.string == "first second")
        #expect(table["lit"]?.string == "raw \\n line")
        #expect(table["servers"]?.array?.compactMap { $0.table?["name"]?.string } == ["one", "two"])
    }

    /// Each is an error with a line and column, never a trap or an abort (toml++ aborted on several:
    /// Tests/LogDumpTests/FuzzFoundRegressionTests.swift).
    @Test(arguments: [
        "[\n", "[[[a]]]\n", "[&", "[general]\n[\n", "o=[\"\",}", "[sources]\nroots = [\"/x\", }\n", "e=1875-05-27T:",
        "[general]\nhost = 1979-05-27T&07:32:00Z\n", "a = 1\na = 2", "[t]\n[t]", "a = \"unterminated", "a = '''open",
        "a = 99999999999999999999", "a = -9223372036854775809", "a = 01", "a = 1__0", "a = _1", "a = \"bad \\q escape\"",
        "a = \"\\uD800\"", "a = 1979-02-30", "a = 24:00:00", "a = {x = 1,}", "a = {x = 1}\n[a]", "a = [1 2]", "= 1",
        "a = \"line\nbreak\"", "a = true false", "a", "a = \u{01}", String(repeating: "[", count: 100_000),
        "a = " + String(repeating: "[", count: 100_000), "a = " + String(repeating: "{b = ", count: 10_000),
    ])
    func malformedDocumentsAreErrorsWithAPosition(text: String) {
        do {
            _ = try TOMLReader.parse(text)
            Issue.record("accepted: \(text.prefix(60))")
        } catch {
            #expect(error.line >= 1 && error.column >= 1)
            #expect(!error.message.isEmpty)
        }
    }

    @Test func errorsSayWhere() {
        do {
            _ = try TOMLReader.parse("[general]\nhost = web01\n")
            Issue.record("a bare word was taken as a value")
        } catch {
            #expect(error.description == "line 2, column 8: 'web01' is not a value (strings need quotes)")
        }
    }
}
