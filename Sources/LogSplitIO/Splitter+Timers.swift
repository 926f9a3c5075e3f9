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

    /// Arms SIGALRM for the earliest instant the loop must wake up without input.
    func armTimer(drainDeadline: Int?) {
        guard timersDirty || (drainDeadline ?? Int.max) < armedWakeUp else { return }
        timersDirty = false
        var wake = Int.max
        for file in files.values {
            if file.fd >= 0 || file.hasPending { wake = min(wake, file.closeAt) }
            if file.hasPending { wake = min(wake, file.nextRetry) }
        }
        timerDue = wake
        if let drainDeadline { wake = min(wake, drainDeadline) }
        if wake == armedWakeUp { return }
        armedWakeUp = wake
        if wake == Int.max {
            alarm(0)
        } else {
            alarm(UInt32(clamping: max(1, wake - now)))
        }
    }

    /// At the end: write what is pending, retrying until the deadline; true when nothing is left unwritten.
    func finish(deadline: Int) -> Bool {
        alarm(0)
        while true {
            now = currentTime
            var left = 0
            var nextRetry = deadline
            for file in files.values where file.hasPending {
                if now >= file.nextRetry { retry(file) }  // the back-off still applies while draining
                if file.hasPending {
                    left += file.pendingLines
                    nextRetry = min(nextRetry, file.nextRetry)
                }
            }
            if left == 0 { break }
            if now >= deadline {
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
            usleep(UInt32(clamping: max(100_000, min(1_000_000, (nextRetry - now) * 1_000_000))))
        }
        for file in Array(files.values) { retire(file) }
        return true
    }

}
