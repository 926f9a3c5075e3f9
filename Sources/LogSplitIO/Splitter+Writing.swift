#if canImport(Glibc)
import Glibc
#endif
import CLinuxShim
import LogSplitCore

/// Writing lines: staging per file in routed modes, the direct path, and the fault path (queue, report
/// once per episode, retry with back-off, count what had to be dropped).
extension Splitter {
    /// Copies a routed line into its file's staging buffer; the buffer is written once at the end of the
    /// read (`flushTouchedFiles`), or earlier when it is full. Buffers start at 4 KiB and double up to
    /// 64 KiB for busy files, within `stagingLimit` in all; a file that gets no buffer is written directly.
    @inline(__always)
    func stage(_ line: UnsafeRawBufferPointer, in file: OutputFile) {
        if !file.touched {
            file.touched = true
            touchedFiles.append(file)
        }
        if let buffer = file.staging, file.stagedBytes + line.count <= buffer.count {
            (buffer.baseAddress! + file.stagedBytes).copyMemory(from: line.baseAddress!, byteCount: line.count)
            file.stagedBytes += line.count
            file.stagedLines += 1
            return
        }
        growStaging(file, toHold: line.count)
        if let buffer = file.staging, file.stagedBytes + line.count <= buffer.count {
            (buffer.baseAddress! + file.stagedBytes).copyMemory(from: line.baseAddress!, byteCount: line.count)
            file.stagedBytes += line.count
            file.stagedLines += 1
        } else {
            flushStaging(file)
            deliver(line, lines: 1, to: file)
        }
    }

    /// Gives `file` a larger staging buffer if the budget allows; otherwise writes out what it holds.
    func growStaging(_ file: OutputFile, toHold extra: Int) {
        let current = file.staging?.count ?? 0
        var wanted = max(current * 2, 4096)
        while wanted < file.stagedBytes + extra && wanted < (64 << 10) { wanted *= 2 }
        guard wanted <= (64 << 10), wanted > current, stagingBytes - current + wanted <= stagingLimit else {
            flushStaging(file)
            return
        }
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: wanted, alignment: 16)
        if let old = file.staging {
            bigger.baseAddress!.copyMemory(from: old.baseAddress!, byteCount: file.stagedBytes)
            old.deallocate()
        }
        stagingBytes += wanted - current
        file.staging = bigger
        if !file.holdsStaging {
            file.holdsStaging = true
            stagingHolders.append(file)
        }
    }

    func flushStaging(_ file: OutputFile) {
        guard file.stagedBytes > 0, let buffer = file.staging else { return }
        let lines = file.stagedLines
        let count = file.stagedBytes
        file.stagedBytes = 0
        file.stagedLines = 0
        deliver(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), lines: lines, to: file)
    }

    /// End of a read: one write per touched file; staging buffers of files idle in this read are freed,
    /// so memory follows the sites that are busy now, not every site ever seen.
    func flushTouchedFiles() {
        for file in touchedFiles { flushStaging(file) }
        if stagingHolders.count > touchedFiles.count {
            var kept = 0
            for holder in stagingHolders {
                if holder.touched {
                    stagingHolders[kept] = holder
                    kept += 1
                } else {
                    stagingBytes -= holder.releaseStaging()
                    holder.holdsStaging = false
                }
            }
            stagingHolders.removeLast(stagingHolders.count - kept)
        }
        for file in touchedFiles { file.touched = false }
        touchedFiles.removeAll(keepingCapacity: true)
    }

    /// Writes whole lines (or a piece of a long line, `lines == 0`) to `file`, or queues them while it fails.
    func deliver(_ bytes: UnsafeRawBufferPointer, lines: Int, to file: OutputFile) {
        if configuration.routesLines {  // only routed modes have several files to evict
            useTick &+= 1
            file.lastUse = useTick
        }
        if file.fd < 0 && !file.inFault { _ = open(file) }
        if file.hasPending || file.fd < 0 {
            if file.hasPending && now >= file.nextRetry { retry(file) }
            if file.hasPending || file.fd < 0 {
                enqueue(bytes, lines: lines, to: file)
                return
            }
        }
        let written = file.writeAll(bytes)
        if written == bytes.count { return }
        let error = errno
        // Part of the data is on disk; the rest (starting with the remainder of a torn line) waits.
        let rest = UnsafeRawBufferPointer(start: bytes.baseAddress! + written, count: bytes.count - written)
        let completeLinesWritten = countNewlines(UnsafeRawBufferPointer(start: bytes.baseAddress!, count: written))
        startFault(file, error: error, operation: "write to")
        enqueue(rest, lines: max(0, lines - completeLinesWritten), to: file, force: written > 0)
    }

    func enqueue(_ bytes: UnsafeRawBufferPointer, lines: Int, to file: OutputFile, force: Bool = false) {
        if !force && budget.used + bytes.count > budget.limit {
            counters.droppedLines += lines
            counters.droppedBytes += bytes.count
            file.episodeDroppedLines += lines
            file.episodeDroppedBytes += bytes.count
            return
        }
        file.appendPending(bytes, lines: lines)
        budget.used += bytes.count
    }

    /// Records a failed open or write: counted, reported once per episode, retried with back-off.
    func startFault(_ file: OutputFile, reason: String) {
        counters.writeErrors += 1
        if file.faultSince == nil {
            file.faultSince = now
            file.backoff = 1
            diagnostics.report(
                "\(reason); keeping whole lines in memory (up to \(configuration.bufferLimit) bytes in all) "
                    + "and retrying; input is still read")
        }
        scheduleRetry(file)
    }

    func startFault(_ file: OutputFile, error: Int32, operation: String) {
        startFault(file, reason: "cannot \(operation) \(file.path): \(String(cString: strerror(error)))")
    }

    /// The next attempt after 1 s, doubling to 30 s.
    func scheduleRetry(_ file: OutputFile) {
        timersDirty = true
        file.nextRetry = now + file.backoff
        file.backoff = min(file.backoff * 2, 30)
    }

    /// Opens the file for appending under the trusted root and takes the shared "open" mark.
    @discardableResult
    func open(_ file: OutputFile) -> Bool {
        if openFiles.count >= configuration.maxOpenFiles { closeLeastRecentlyUsed() }
        let fd: Int32
        do {
            fd = try tree.openForAppend(file.path) { message in
                counters.refusedPaths += 1
                diagnostics.report(message)
            }
        } catch {
            startFault(file, reason: "\(error)")
            return false
        }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 {
            // A dumper holds the file exclusively (it is shipping it): do not write into a file about to go.
            close(fd)
            startFault(file, error: EWOULDBLOCK, operation: "take the shared lock on")
            return false
        }
        var st = stat()
        if fstat(fd, &st) == 0 && st.st_nlink == 0 {
            // A dumper removed the file between our open and our lock: lines written now would be lost.
            // Open the name again (a new file) on the next attempt.
            close(fd)
            startFault(file, error: ENOENT, operation: "keep open (a dumper removed it while it was being opened)")
            file.nextRetry = now
            return false
        }
        file.fd = fd
        timersDirty = true
        file.openIndex = openFiles.count
        openFiles.append(file)
        peakOpenFiles = max(peakOpenFiles, openFiles.count)
        counters.filesOpened += 1
        if configuration.link != nil, file.periodStart == sites[file.site].arrivalFile?.periodStart ?? file.periodStart {
            updateLink(for: file)
        }
        return true
    }

    func retry(_ file: OutputFile) {
        timersDirty = true
        if file.fd < 0 && !open(file) { return }
        while file.hasPending {
            let bytes = file.pending.withUnsafeBytes { all in
                UnsafeRawBufferPointer(rebasing: all[file.pendingHead..<all.count])
            }
            let written = file.writeAll(bytes)
            if written == bytes.count {
                budget.used -= bytes.count
                file.consumePending(bytes.count, lines: file.pendingLines)
                break
            }
            let done = countNewlines(UnsafeRawBufferPointer(start: bytes.baseAddress!, count: written))
            budget.used -= written
            file.consumePending(written, lines: min(done, file.pendingLines))
            counters.writeErrors += 1
            scheduleRetry(file)
            return
        }
        if let since = file.faultSince {
            var message = "writing to \(file.path) resumed after \(max(0, now - since)) s"
            if file.episodeDroppedLines > 0 || file.episodeDroppedBytes > 0 {
                message += "; \(file.episodeDroppedLines) lines (\(file.episodeDroppedBytes) bytes) were dropped while the buffer was full"
            } else {
                message += "; no line was lost"
            }
            diagnostics.report(message)
            file.faultSince = nil
            file.episodeDroppedLines = 0
            file.episodeDroppedBytes = 0
            file.backoff = 1
        }
    }

    func countNewlines(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        var lines = 0
        var gap: Int32 = 0
        _ = clinux_scan_lines(base.assumingMemoryBound(to: UInt8.self), bytes.count, &lines, &gap)
        return lines
    }

}
