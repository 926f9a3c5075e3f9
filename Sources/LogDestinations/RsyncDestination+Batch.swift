import LinuxSystem

/// Batches over rsync+ssh: however many files, a put is one rsync and one remote script (which also hashes each
/// copy placed: the proof comes back with the put), a verify one remote script, all over the run's one ssh
/// connection; a key check (`chooseMany`) carries the transfer, so that the put after it is the script alone.
/// Each request is answered on its own (a key taken, a copy
/// incomplete because the disk filled, a file that differs), so the caller's per-file rules still apply.
extension RsyncDestination {
    /// A remote command is one argument of `sh -c` on the far side, and Linux refuses one longer than 128 KiB
    /// (MAX_ARG_STRLEN): a batch is cut into chunks whose scripts stay under this many bytes.
    static let scriptBudget = 48 * 1024

    public func putMany(_ requests: [PutRequest]) -> [Result<Void, DestinationError>] {
        putManyProving(requests).map { $0.map { _ in () } }
    }

    /// The script that links the copies into place also hashes each one there (after linking, before answering),
    /// so a batch costs one rsync and one remote script, proofs included.
    public func putManyProving(_ requests: [PutRequest]) -> [Result<RemoteCopy?, DestinationError>] {
        var claimed = Set<[String]>()
        return answerInChunks(requests, key: \.key, cost: { 3 * $0 + 80 }, refusing: { request in
            // Two requests for one key: the first one's copy takes it.
            claimed.insert(request.key).inserted ? nil : .exists(key: request.key.joined(separator: "/"))
        }, answer: putChunk)
    }

    public func verifyMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>] {
        answerInChunks(requests, key: \.key, cost: { 3 * $0 + 40 }, answer: verifyChunk)
    }

    /// The key check and the transfer in one rsync: the far side answers for each candidate key (from the rsync's
    /// own remote start, before any data moves) while each object goes to its key's temporary. A put of the same
    /// object to the same key then only links it. The temporary sent for a key found taken (or already holding the
    /// copy) is removed at once; one a killed run left goes with the next check or put of its key.
    public func chooseMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>] {
        // One key asked twice: the plain verify (a temporary holds one object).
        let validKeys = requests.map(\.key).filter { invalid($0) == nil }
        guard Set(validKeys).count == validKeys.count else { return verifyMany(requests) }
        return answerInChunks(requests, key: \.key, cost: { 6 * $0 + 120 }, answer: chooseChunk)
    }

    /// The one shape of every batch form: a request whose key is invalid (or that `refusing` refuses, asked in
    /// order) is answered alone; the others go to `answer` in chunks whose remote scripts fit `scriptBudget`
    /// (`cost` of a request, from the length of its relative key); a chunk that fails as a whole fails each of its
    /// requests with that error. Answers come back in the requests' order.
    private func answerInChunks<Request, Answer>(
        _ requests: [Request], key: (Request) -> [String], cost: (Int) -> Int,
        refusing: (Request) -> DestinationError? = { _ in nil },
        answer: ([Request]) throws(DestinationError) -> [Result<Answer, DestinationError>]
    ) -> [Result<Answer, DestinationError>] {
        var results = [Result<Answer, DestinationError>?](repeating: nil, count: requests.count)
        var valid: [Int] = []
        for (index, request) in requests.enumerated() {
            if let problem = invalid(key(request)) ?? refusing(request) { results[index] = .failure(problem) } else { valid.append(index) }
        }
        for chunk in Self.chunks(valid, cost: { cost(relative(key(requests[$0])).utf8.count) }) {
            let answers: [Result<Answer, DestinationError>]
            do {
                answers = try answer(chunk.map { requests[$0] })
            } catch {
                answers = chunk.map { _ in .failure(error) }
            }
            for (index, result) in zip(chunk, answers) { results[index] = result }
        }
        return results.map { $0! }
    }

    func invalid(_ key: [String]) -> DestinationError? {
        do { try requireValid(key) } catch { return error }
        return nil
    }

    /// The temporary a put of `key` writes first, as a path below `path`.
    func temporaryRelative(_ key: [String]) -> String {
        relative(key.dropLast() + [Self.temporaryName(key.last!)])
    }

    /// The files of a batch, for messages: the key, or how many and the first key.
    static func naming(_ keys: [[String]]) -> String {
        guard let first = keys.first?.joined(separator: "/") else { return "no file" }
        return keys.count == 1 ? first : "\(keys.count) files (\(first), ...)"
    }

    /// Consecutive runs of `items` whose costs add up to at most `scriptBudget` (each run holds one item at least).
    static func chunks(_ items: [Int], cost: (Int) -> Int) -> [[Int]] {
        var result: [[Int]] = []
        var current: [Int] = [], used = 0
        for item in items {
            let size = cost(item)
            if !current.isEmpty && used + size > scriptBudget {
                result.append(current)
                current = []
                used = 0
            }
            current.append(item)
            used += size
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// What a transfer's remote start runs before any data moves: `mkdir -p` of the keys' directories (rsync itself
    /// would replace a file that stands where a directory belongs), then `clean`, the `rm` of their temporaries (rsync
    /// --inplace must start from a new file; a leftover may even be a second name of a key's file, which must never be
    /// written into). `prepare` prints `logdump-prepare-failed` on stderr and stops when either fails;
    /// `directories` are the key directories quoted for the shell, each once.
    func preparation(for keys: [[String]]) -> (directories: String, clean: String, prepare: String) {
        var directories: [String] = []
        for key in keys where !directories.contains(relative(key.dropLast())) { directories.append(relative(key.dropLast())) }
        let quoted = directories.map(SSHCommand.quote).joined(separator: " ")
        let clean = "rm -f -- " + keys.map { SSHCommand.quote(temporaryRelative($0)) }.joined(separator: " ")
        return (quoted, clean, "{ mkdir -p -- \(quoted) && \(clean); } || { echo logdump-prepare-failed >&2; exit 1; }")
    }

    /// One rsync that sends each object to its key's temporary, from a staging tree of links in the control directory
    /// (the first batch of a session removes those of killed runs); what went wrong, and what the far side printed on
    /// stderr (`prepare`'s answers first).
    func sendToTemporaries(_ objects: [(key: [String], object: LocalObject)], fsync: Bool, prepare: String,
                           what: String) throws(DestinationError) -> (error: DestinationError?, stderr: String) {
        if session.isFirstBatch() { RsyncStaging.removeLeftovers(in: settings.controlDirectory) }
        let staging = try RsyncStaging.make(in: settings.controlDirectory, entries: objects.map {
            (path: $0.key.dropLast() + [Self.temporaryName($0.key.last!)], target: $0.object.path)
        })
        defer { staging.remove() }
        return session.transfer(staging: staging.path, bytes: objects.reduce(0) { $0 + $1.object.size },
                                fsync: fsync, prepare: prepare, what: what)
    }

    /// One rsync for every file of the chunk, then one script that moves each complete temporary into place.
    /// Throws what stops the whole chunk (host gone, destination missing); answers each request otherwise.
    private func putChunk(_ requests: [PutRequest]) throws(DestinationError) -> [Result<RemoteCopy?, DestinationError>] {
        let facts = try session.facts(refresh: false)
        let what = Self.naming(requests.map(\.key))
        let temporaries = requests.map { SSHCommand.quote(temporaryRelative($0.key)) }
        let (quotedDirectories, clean, prepare) = preparation(for: requests.map(\.key))

        // Sent ahead by `chooseMany` (the same objects to the same keys, create-only): only the linking is left.
        let ahead = session.takeSentAhead(requests.map { (temporaryRelative($0.key), $0.object) })
        let allAhead = ahead.allSatisfy { $0 } && !requests.contains(where: \.replace)
        var sent: DestinationError? = nil
        if !allAhead {
            sent = try sendToTemporaries(requests.map { ($0.key, $0.object) }, fsync: facts.fsync, prepare: prepare, what: what).error
            if let sent, !Self.leavesCompleteFiles(sent) {
                session.removeQuietly(script(clean))
                throw sent
            }
        }

        // Into place, each on its own: create-only with link(2), or replacing with rename(2). Only a temporary of
        // the full size is linked (one a killed run's rsync is still writing never is). After a failed rsync the
        // files it did complete are linked too, synced first whatever rsync's --fsync did. Each copy placed is
        // then read back from its key and hashed (`logdump-proof INDEX SIZE SHA256`): verify's answer, in the
        // same round trip.
        let syncFile = !facts.fsync || sent != nil ? "{ sync -- \"$2\" 2>/dev/null || sync; }; " : ""
        // The size was checked on the temporary, the same file the key names after link(2); the hash is read from the
        // key (equal hashes mean equal sizes). The temporaries (second names after ln) go with one rm at the end.
        let place = facts.hashFunction + """
            h() { if d=$(sha < "$2"); then echo "logdump-proof $1 $3 ${d%% *}"; fi; }; \
            p() { if test "$(stat -c %s -- "$2" 2>/dev/null)" != "$4"; then echo "logdump-incomplete $1"; return 0; fi; \
            \(syncFile)\
            if test "$5" = r; then if mv -f -- "$2" "$3"; then echo "logdump-placed $1"; h "$1" "$3" "$4"; else echo "logdump-failed $1"; fi; \
            elif ln -- "$2" "$3"; then echo "logdump-placed $1"; h "$1" "$3" "$4"; \
            elif test -e "$3" || test -L "$3"; then echo "logdump-exists $1"; \
            else echo "logdump-failed $1"; fi; }; 
            """
        var calls = ""
        for (index, request) in requests.enumerated() {
            calls += "p \(index) \(temporaries[index]) \(SSHCommand.quote(relative(request.key))) \(request.object.size) \(request.replace ? "r" : "c"); "
        }
        let syncDirectories = clean + "; { sync -- \(quotedDirectories) 2>/dev/null || sync; } && echo logdump-synced"
        let placed: RsyncCommandResult
        do {
            placed = try session.remote(script(place + calls + syncDirectories), doing: "moving \(what) into place",
                                        timeoutSeconds: session.transferTimeout(bytes: requests.reduce(0) { $0 + $1.object.size }))
        } catch {
            session.removeQuietly(script(clean))
            throw sent ?? error
        }
        let out = placed.stdoutText
        if out.hasPrefix("logdump-no-root") { throw rootMissing }
        let answers = Self.answers(out, count: requests.count)
        // A temporary sent ahead that is not there whole any more: sent again, in the usual way.
        let again = allAhead ? requests.indices.filter { answers[$0] == "logdump-incomplete" } : []
        let resent = again.isEmpty ? [] : try putChunk(again.map { requests[$0] })
        let proofs = Self.fileAnswers(out, count: requests.count, word: "logdump-proof")
        let synced = out.contains("logdump-synced")
        return requests.indices.map { index in
            if let position = again.firstIndex(of: index) { return resent[position] }
            let keyText = requests[index].key.joined(separator: "/")
            switch answers[index].map(String.init) ?? "" {
            case "logdump-placed" where synced:
                guard let (size, hash) = proofs[index] else { return .success(nil) }  // verify asks again
                let expected = requests[index].object
                return .success(size == expected.size && hash == expected.sha256 ? .matches : .differs("size \(size) sha256 \(hash)"))
            case "logdump-placed":
                return .failure(.failed("\(keyText) is in place in \(settings.path) on \(session.ssh.target) but its directory could not "
                    + "be synced to disk: " + SSHCommand.brief(placed.stderrText)))
            case "logdump-exists":
                return .failure(.exists(key: keyText))
            case "logdump-incomplete":
                return .failure(sent ?? .failed("the copy of \(keyText) on \(session.ssh.target) is incomplete after rsync "
                    + "(written to by another process?); not moved into place"))
            default:
                return .failure(sent ?? .failed("cannot move \(keyText) into place in \(settings.path) on \(session.ssh.target) "
                    + "(exit \(placed.status)): " + SSHCommand.brief(placed.stderrText)))
            }
        }
    }

    /// A failed rsync that may have completed some files (a full disk, a file it could not write): those are
    /// still moved into place. One that lost the host or the destination stops the chunk.
    static func leavesCompleteFiles(_ error: DestinationError) -> Bool {
        if case .failed = error { return true }
        return false
    }

    /// Shell code that answers for each key (`v INDEX KEY TEMPORARY`) on standard output: its size and SHA-256, or
    /// what is there instead. A put that linked the name and was cut off before removing its temporary leaves the
    /// temporary as a second name of the same file: removed here, where the copy is found complete.
    private func keyChecks(_ requests: [VerifyRequest], facts: RemoteFacts) -> String {
        var body = facts.hashFunction + """
            v() { if test -L "$2"; then echo "logdump-not-regular $1"; \
            elif test -f "$2"; then if test "$3" -ef "$2"; then rm -f -- "$3"; fi; \
            if s=$(stat -c %s -- "$2") && h=$(sha < "$2"); then echo "logdump-file $1 $s ${h%% *}"; else echo "logdump-unreadable $1"; fi; \
            elif test -e "$2"; then echo "logdump-not-regular $1"; \
            else echo "logdump-missing $1"; fi; }; 
            """
        for (index, request) in requests.enumerated() {
            body += "v \(index) \(SSHCommand.quote(relative(request.key))) \(SSHCommand.quote(temporaryRelative(request.key))); "
        }
        return body
    }

    /// One remote script: for each key, its size and SHA-256, or what is there instead.
    private func verifyChunk(_ requests: [VerifyRequest]) throws(DestinationError) -> [Result<RemoteCopy, DestinationError>] {
        let body = keyChecks(requests, facts: try session.facts(refresh: false))
        let what = Self.naming(requests.map(\.key))
        let result = try session.remote(script(body), doing: "verifying \(what)",
                                        timeoutSeconds: session.transferTimeout(bytes: requests.reduce(0) { $0 + $1.expected.size }))
        let out = result.stdoutText
        if out.hasPrefix("logdump-no-root") { throw rootMissing }
        return keyAnswers(out, requests: requests, otherwise: "(exit \(result.status)): " + SSHCommand.brief(result.stderrText + "\n" + out))
    }

    /// One rsync: its remote start makes the directories, removes old temporaries and answers for each key (on
    /// stderr, before the transfer; stdout is rsync's protocol), then each object goes to its key's temporary.
    private func chooseChunk(_ requests: [VerifyRequest]) throws(DestinationError) -> [Result<RemoteCopy, DestinationError>] {
        let facts = try session.facts(refresh: false)
        let what = Self.naming(requests.map(\.key))
        let temporaries = requests.map { temporaryRelative($0.key) }
        let prepare = preparation(for: requests.map(\.key)).prepare
            + "; { " + keyChecks(requests, facts: facts) + "echo logdump-checked; } >&2"
        let (sent, text) = try sendToTemporaries(requests.map { ($0.key, $0.expected) }, fsync: facts.fsync, prepare: prepare, what: what)
        guard text.contains("logdump-checked") else {
            // The keys were not checked (host gone, destination missing, directories refused): nothing is known.
            throw sent ?? .failed("no answer about \(what) from \(session.ssh.target): " + SSHCommand.brief(text))
        }
        let answers = keyAnswers(text, requests: requests, otherwise: SSHCommand.brief(text))
        // Free keys keep their copy for the put; a key found taken (or holding this copy already) needs none: its
        // temporary goes now (rarely: a key taken by other content, or a copy adopted after a crash).
        let free = requests.indices.filter { (try? answers[$0].get()) == .missing }
        if sent == nil { session.rememberSentAhead(free.map { (temporaries[$0], requests[$0].expected) }) }
        let unused = requests.indices.filter { !free.contains($0) }
        if !unused.isEmpty {
            session.removeQuietly(script("rm -f -- " + unused.map { SSHCommand.quote(temporaries[$0]) }.joined(separator: " ")))
        }
        return answers
    }

    /// The answer for each request from `v` lines; `otherwise` says why one is missing.
    private func keyAnswers(_ out: String, requests: [VerifyRequest], otherwise: String) -> [Result<RemoteCopy, DestinationError>] {
        var found: [Int: [Substring]] = [:]
        for line in out.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count >= 2, words[0].hasPrefix("logdump-"), let index = Int(words[1]), index >= 0, index < requests.count {
                found[index] = words
            }
        }
        return requests.enumerated().map { index, request in
            let keyText = request.key.joined(separator: "/")
            guard let words = found[index] else {
                return .failure(.failed("cannot verify \(keyText) on \(session.ssh.target) " + otherwise))
            }
            switch words[0] {
            case "logdump-missing":
                return .success(.missing)
            case "logdump-not-regular":
                return .success(.differs("\(settings.path)/\(keyText) on \(session.ssh.target) is not a regular file"))
            case "logdump-file" where words.count == 4 && Int(words[2]) != nil && words[3].utf8.count == 64:
                let size = Int(words[2])!, hash = String(words[3])
                return .success(size == request.expected.size && hash == request.expected.sha256 ? .matches : .differs("size \(size) sha256 \(hash)"))
            default:
                return .failure(.failed("cannot verify \(keyText) on \(session.ssh.target): it cannot be read there: " + otherwise))
            }
        }
    }

    /// The size and SHA-256 of each `WORD INDEX SIZE SHA256` line, by index.
    static func fileAnswers(_ text: String, count: Int, word: String) -> [Int: (size: Int, sha256: String)] {
        var result: [Int: (size: Int, sha256: String)] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 4, words[0] == word, let index = Int(words[1]), index >= 0, index < count, let size = Int(words[2]),
               words[3].utf8.count == 64 {
                result[index] = (size, String(words[3]))
            }
        }
        return result
    }

    /// The first word of each `logdump-WORD INDEX` line, by index.
    static func answers(_ text: String, count: Int) -> [Int: Substring] {
        var result: [Int: Substring] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, let index = Int(words[1]), index >= 0, index < count { result[index] = words[0] }
        }
        return result
    }
}
