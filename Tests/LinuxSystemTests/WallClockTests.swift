import Foundation
import LinuxSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The clock logdump compares file timestamps with is never behind a timestamp the kernel already wrote.
@Suite struct WallClockTests {
    /// Write, stat, read the clock, many times: with time(2) the writes in the first milliseconds of a second saw
    /// the mtime a second ahead on a 6.x kernel (a file modified "in the future" is not quiet yet, and a run with `quiet_time = 0` skipped it).
    @Test func aFileJustWrittenIsNeverModifiedAfterNow() throws {
        var template = Array("/tmp/wall-clock.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        unlink(String(cString: template))
        defer { close(fd) }
        // Across two turns of the second (1 to 2 s): only writes in the first milliseconds after one can be ahead.
        var ahead = 0, rounds = 0
        let start = WallClock.seconds()
        while WallClock.seconds() < start + 2 {
            _ = write(fd, "x", 1)
            var info = stat()
            fstat(fd, &info)
            if info.st_mtim.tv_sec > WallClock.seconds() { ahead += 1 }
            rounds += 1
        }
        #expect(ahead == 0, "\(ahead) of \(rounds) writes have an mtime after WallClock.seconds()")
    }

    @Test func secondsAndMicrosecondsAgree() {
        let seconds = WallClock.seconds()
        let microseconds = WallClock.microseconds()
        #expect(microseconds / 1_000_000 >= Int64(seconds))
        #expect(microseconds / 1_000_000 - Int64(seconds) <= 1)
    }
}
