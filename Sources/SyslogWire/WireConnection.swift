#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to a receiver, optionally with TLS on it: a non-blocking socket driven with poll(2), an
/// outgoing buffer of wire bytes, and the byte counts the acknowledgement rules need.
///
/// - `wireBytesQueued`: every wire byte handed to the buffer so far (with TLS: ciphertext, handshake included);
///   right after `enqueue` it is the wire position of the end of what was enqueued.
/// - `wireBytesSent`: the bytes the kernel accepted (`send` returned).
/// - `unacknowledgedWireBytes()`: `SIOCOUTQ`, sent bytes the peer's TCP has not acknowledged.
///
/// So `wireBytesSent − SIOCOUTQ` wire bytes are acknowledged by the peer's TCP: a message is acknowledged once
/// that reaches the wire position of its end.
final class WireConnection {
    let endpoint: SyslogEndpoint
    private let socket: Int32
    private let tls: TLSSession?
    private var outgoing: [UInt8] = []
    private var outgoingStart = 0
    private var plaintextIn: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private var isClosed = false
    private(set) var wireBytesQueued: UInt64 = 0
    private(set) var wireBytesSent: UInt64 = 0
    /// Plaintext bytes received from the receiver so far.
    private(set) var plaintextBytesReceived: UInt64 = 0

    private init(endpoint: SyslogEndpoint, socket: Int32, tls: TLSSession?) {
        self.endpoint = endpoint
        self.socket = socket
        self.tls = tls
    }

    deinit {
        if !isClosed { Glibc.close(socket) }
    }

    /// Connects (bounded by `connectTimeoutSeconds`, handshake included) to the first address of the host
    /// that answers.
    static func open(_ endpoint: SyslogEndpoint) throws(ConnectionError) -> WireConnection {
        let deadline = MonotonicDeadline.after(seconds: endpoint.connectTimeoutSeconds)
        // The TLS settings are checked (files loaded) before anything goes on the network.
        var session: TLSSession?
        if let settings = endpoint.tls { session = try TLSSession(settings: settings, endpoint: endpoint) }
        let socket = try TCPConnector.connect(endpoint, deadline: deadline)
        let connection = WireConnection(endpoint: endpoint, socket: socket, tls: session)
        if let session {
            try connection.handshake(session, deadline: deadline)
        }
        return connection
    }

    private func handshake(_ session: TLSSession, deadline: MonotonicDeadline) throws(ConnectionError) {
        while true {
            let progress = try session.continueHandshake()
            session.takeCiphertext(into: &outgoing)
            wireBytesQueued = UInt64(outgoing.count - outgoingStart) + wireBytesSent
            try sendAll(deadline: deadline, doing: "the TLS handshake")
            if case .done = progress { return }
            guard try waitForIO(wantWrite: false, deadline: deadline) else {
                throw .broken("TLS to \(endpoint): no handshake answer within \(endpoint.connectTimeoutSeconds) s: check that the receiver speaks TLS on this port")
            }
            try receiveCiphertext(into: session)
        }
    }

    /// A receiver that requires a client certificate may accept the TLS 1.3 handshake and then just close the
    /// connection (rsyslog does): when TLS runs without one and nothing came back yet, the message says so.
    private var clientCertificateHint: String {
        guard let settings = endpoint.tls, settings.clientCertificateFile == nil, plaintextBytesReceived == 0 else { return "" }
        return "; if the receiver requires a client certificate (mutual TLS), set client_certificate and client_key"
    }

    var hasPendingOutput: Bool { outgoingStart < outgoing.count }

    /// Bytes waiting in the outgoing buffer (not yet accepted by the kernel).
    var pendingOutputBytes: Int { outgoing.count - outgoingStart }

    /// Adds `plaintext` to the outgoing buffer (encrypted with TLS); nothing is sent yet.
    func enqueue(_ plaintext: UnsafeRawBufferPointer) throws(ConnectionError) {
        compactOutgoing()
        if let tls {
            try tls.encrypt(plaintext, into: &outgoing)
        } else {
            outgoing.append(contentsOf: plaintext)
        }
        wireBytesQueued = wireBytesSent + UInt64(outgoing.count - outgoingStart)
    }

    func enqueue(_ plaintext: [UInt8]) throws(ConnectionError) {
        let result: Result<Void, ConnectionError> = plaintext.withUnsafeBytes { bytes in
            do throws(ConnectionError) { return .success(try enqueue(bytes)) } catch { return .failure(error) }
        }
        try result.get()
    }

    private func compactOutgoing() {
        if outgoingStart > 0 && outgoingStart >= outgoing.count / 2 {
            outgoing.removeFirst(outgoingStart)
            outgoingStart = 0
        }
    }

    /// Sends what the kernel takes now without waiting; returns the number of bytes it took.
    @discardableResult
    func sendAvailable() throws(ConnectionError) -> Int {
        var total = 0
        while outgoingStart < outgoing.count {
            let sent = outgoing.withUnsafeBytes { bytes in
                send(socket, bytes.baseAddress! + outgoingStart, bytes.count - outgoingStart, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { break }
                throw .broken("connection to \(endpoint) lost while sending: \(String(cString: strerror(code))) (the receiver closed or restarted)\(clientCertificateHint)")
            }
            outgoingStart += sent
            wireBytesSent += UInt64(sent)
            total += sent
        }
        if outgoingStart == outgoing.count {
            outgoing.removeAll(keepingCapacity: outgoing.capacity <= 4 << 20)
            outgoingStart = 0
        }
        return total
    }

    /// Sends the whole outgoing buffer, waiting at most until `deadline`.
    func sendAll(deadline: MonotonicDeadline, doing what: String) throws(ConnectionError) {
        while hasPendingOutput {
            if try sendAvailable() > 0 { continue }
            guard try waitForIO(wantWrite: true, deadline: deadline) else {
                throw .broken("\(endpoint) accepted nothing for \(endpoint.ioTimeoutSeconds) s during \(what): the receiver is stalled or unreachable")
            }
        }
    }

    /// Appends the plaintext that has arrived to `into`, without waiting. Throws when the receiver closed the
    /// connection (the bytes that came before the close are appended first).
    func receiveAvailable(into plaintext: inout [UInt8]) throws(ConnectionError) {
        let before = plaintext.count
        defer { plaintextBytesReceived += UInt64(plaintext.count - before) }
        if let tls {
            let open = try receiveCiphertextAndDecrypt(tls, into: &plaintext)
            if !open { throw .broken("\(endpoint) closed the TLS session\(clientCertificateHint)") }
            return
        }
        while true {
            let read = try receiveSome()
            guard let read else { return }
            plaintext.append(contentsOf: scratch[0..<read])
        }
    }

    private func receiveCiphertextAndDecrypt(_ tls: TLSSession, into plaintext: inout [UInt8]) throws(ConnectionError) -> Bool {
        var closed: ConnectionError?
        do throws(ConnectionError) {
            try receiveCiphertext(into: tls)
        } catch {
            closed = error  // decrypt what came before the close first
        }
        let open = try tls.decrypt(into: &plaintext)
        // OpenSSL may want to answer (key updates); queue it.
        tls.takeCiphertext(into: &outgoing)
        wireBytesQueued = wireBytesSent + UInt64(outgoing.count - outgoingStart)
        if let closed { throw closed }
        return open
    }

    private func receiveCiphertext(into session: TLSSession) throws(ConnectionError) {
        while let read = try receiveSome() {
            scratch.withUnsafeBytes { session.feed(UnsafeRawBufferPointer(rebasing: $0[0..<read])) }
        }
    }

    /// One recv(2): the count read, nil when nothing is there now; throws at end of stream or on an error.
    private func receiveSome() throws(ConnectionError) -> Int? {
        while true {
            let read = scratch.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if read > 0 {
                // ACK at once: a receiver that writes small answers without TCP_NODELAY (librelp) holds the
                // next one back (Nagle) until this ACK, which delayed ACK would hold up to 40 ms.
                var on: Int32 = 1
                setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &on, socklen_t(MemoryLayout<Int32>.size))
                return read
            }
            if read == 0 { throw .broken("\(endpoint) closed the connection (the receiver restarted or dropped it)\(clientCertificateHint)") }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw .broken("connection to \(endpoint) lost: \(String(cString: strerror(code))) (the receiver closed or restarted)\(clientCertificateHint)")
        }
    }

    /// Waits until the socket is readable (or writable, with `wantWrite`) or the deadline passes (false).
    func waitForIO(wantWrite: Bool, deadline: MonotonicDeadline) throws(ConnectionError) -> Bool {
        var entry = pollfd(fd: socket, events: Int16(POLLIN) | (wantWrite ? Int16(POLLOUT) : 0), revents: 0)
        while true {
            let ready = poll(&entry, 1, deadline.remainingMilliseconds)
            if ready > 0 { return true }
            if ready == 0 { return false }
            if errno != EINTR { throw .broken("poll on the connection to \(endpoint): \(String(cString: strerror(errno)))") }
        }
    }

    /// Wire bytes sent but not yet acknowledged by the peer's TCP (`SIOCOUTQ`); nil when the kernel will not say.
    func unacknowledgedWireBytes() -> Int? {
        var queued: Int32 = 0
        guard ioctl(socket, UInt(0x5411 /* SIOCOUTQ = TIOCOUTQ */), &queued) == 0, queued >= 0 else { return nil }
        return Int(queued)
    }

    /// Wire bytes the peer's TCP acknowledged, as far as the kernel can tell; nil if unknown.
    func acknowledgedWireBytes() -> UInt64? {
        guard let unacknowledged = unacknowledgedWireBytes(), UInt64(unacknowledged) <= wireBytesSent else { return nil }
        return wireBytesSent - UInt64(unacknowledged)
    }

    /// With TLS: queues and sends a close_notify (bounded by `deadline`, errors ignored). Then closes the socket.
    func close(deadline: MonotonicDeadline) {
        guard !isClosed else { return }
        if let tls {
            tls.shutdown()
            tls.takeCiphertext(into: &outgoing)
            try? sendAll(deadline: deadline, doing: "close")
        }
        isClosed = true
        Glibc.close(socket)
    }
}
