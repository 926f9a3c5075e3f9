import Testing
@testable import LogTail

@Suite struct LogTailModuleTests {
    @Test func theModuleBuilds() {
        _ = LogTailModule.self
    }
}
