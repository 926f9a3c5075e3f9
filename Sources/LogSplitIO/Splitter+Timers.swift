#if canImport(Glibc)
import Glibc
#endif
import LogSplitCore

/// Timers without a timer thread: SIGALRM interrupts the blocking read when a file must close (period
/// end, even with no traffic: the handoff to the dumper), a write must be retried, or a drain must end.
extension Splitter {
    /// Closes files whose period is over (even with no traffic) and retries files in fault.
    func serviceTimers() {
        guard now >= timerDue, !files.isEmpty else { return }
        timersDirty = true
        var expired: [OutputFile] = []
        for file in files.values {
            if file.hasPending && now >= file.nextRetry { retry(file) }
            if now >= file.closeAt && !file.hasPending && file !== longLineFile { expired.append(file) }
        }
        for file in expired { retire(file) }
    }

    func retire(_ file: OutputFile) {
        closeDescriptor(of: file)
        if file.holdsStaging {
            stagingBytes -= file.releaseStaging()
            file.holdsStaging = false
            stagingHolders.removeAll { $0 === file }
        }
        let key = FileKey(site: file.site, periodStart: file.periodStart)
        if files[key] === file { files[key] = nil }
        if sites[file.site].arrivalFile === file { sites[file.site].arrivalFile = nil }
        if sites[file.site].timedFile === file { sites[file.site].timedFile = nil }
    }

    /// Closes the open file used longest ago (it reopens on its next line). Scans only the open files.
    func closeLeastRecentlyUsed() {
        var victim: OutputFile? = nil
        for file in openFiles where !file.hasPending && file !== longLineFile {
            if victim == nil || file.lastUse < victim!.lastUse { victim = file }
        }
        guard let victim else { return }
        // More files than the bound may take lines in one read: write what the victim staged first.
        flushStaging(victim)
        if victim.fd >= 0 && !victim.hasPending { closeDescriptor(of: victim) }
    }

    func closeDescriptor(of file: OutputFile) {
        guard file.fd >= 0 else { return }
        let index = file.openIndex
        if index >= 0 && index < openFiles.count && openFiles[index] === file {
            let last = openFiles.removeLast()
            if index < openFiles.count {
                openFiles[index] = last
                last.openIndex = index
            }
        }
        file.openIndex = -1
        file.closeDescriptor()
    }

    /// Arms SIGALRM for the earliest instant the loop must wake up without input. While draining, the
    /// deadline is a monotonic instant and the timer is re-armed with sub-second precision at every turn
    /// (`setitimer`; the signal handler's whole-second `alarm` only covers the moment before this runs).
    func armTimer(drainDeadline: UInt64?) {
        guard timersDirty || drainDeadline != nil else { return }
        if timersDirty {
            timersDirty = false
            var wake = Int.max
            for file in files.values {
                if file.fd >= 0 || file.hasPending { wake = min(wake, file.closeAt) }
                if file.hasPending { wake = min(wake, file.nextRetry) }
            }
            timerDue = wake
        }
        if let drainDeadline {
            let current = Self.monotonicNanoseconds()
            var nanos = drainDeadline > current ? drainDeadline - current : 0
            if timerDue != Int.max {
                nanos = min(nanos, UInt64(clamping: max(1, timerDue.subtractingSaturated(now))).multipliedSaturated(by: 1_000_000_000))
            }
            Self.setTimer(nanoseconds: max(nanos, 1_000_000))  // never 0, which would disarm it
            armedWakeUp = -1  // the drain owns the timer from now on
            return
        }
        let wake = timerDue
        if wake == armedWakeUp { return }
        armedWakeUp = wake
        if wake == Int.max {
            alarm(0)
        } else {
            alarm(UInt32(clamping: max(1, wake.subtractingSaturated(now))))
        }
    }

    /// One-shot ITIMER_REAL (the timer `alarm` uses), `nanoseconds` from now; 0 disarms it.
    static func setTimer(nanoseconds: UInt64) {
        let seconds = min(nanoseconds / 1_000_000_000, UInt64(Int32.max))
        var timer = itimerval()
        timer.it_value.tv_sec = Int(seconds)
        timer.it_value.tv_usec = Int((nanoseconds % 1_000_000_000) / 1_000)
        if nanoseconds > 0 && timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0 { timer.it_value.tv_usec = 1 }
        setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &timer, nil)
    }

    /// At the end: write what is pending, retrying until `deadline` (monotonic nanoseconds); true when
    /// nothing is left unwritten.
    func finish(deadline: UInt64) -> Bool {
        Self.setTimer(nanoseconds: 0)
        while true {
            now = currentTime
            var left = 0
            var nextRetry = Int.max
            for file in files.values where file.hasPending {
                if now >= file.nextRetry { retry(file) }  // the back-off still applies while draining
                if file.hasPending {
                    left += file.pendingLines
                    nextRetry = min(nextRetry, file.nextRetry)
                }
            }
            if left == 0 { break }
            let current = Self.monotonicNanoseconds()
            if current >= deadline {
                var lostLines = 0, lostBytes = 0
                for file in files.values where file.hasPending {
                    lostLines += max(file.pendingLines, 1)
                    lostBytes += file.pendingCount
                    diagnostics.report("giving up on \(file.path): \(file.pendingLines) lines (\(file.pendingCount) bytes) could not be written before the drain deadline")
                }
                counters.droppedLines += lostLines
                counters.droppedBytes += lostBytes
                return false
            }
            // Sleep until the next retry, between 0.1 s and 1 s, and never past the deadline.
            let untilRetry = UInt64(clamping: min(1, max(0, nextRetry.subtractingSaturated(now)))) * 1_000_000
            let micros = min(max(100_000, untilRetry), (deadline - current) / 1_000 + 1)
            usleep(UInt32(clamping: micros))
        }
        for file in Array(files.values) { retire(file) }
        return true
    }
}

extension Int {
    @inline(__always)
    func subtractingSaturated(_ other: Int) -> Int {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? Int.max : Int.min) : difference
    }
}

extension UInt64 {
    @inline(__always)
    func multipliedSaturated(by other: UInt64) -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? UInt64.max : product
    }
}
