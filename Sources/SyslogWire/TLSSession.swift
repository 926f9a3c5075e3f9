import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// One OpenSSL client session over memory BIOs: plaintext goes in, ciphertext comes out into the caller's
/// buffer, and the caller moves the ciphertext over the socket itself. So the transport knows exactly how many
/// wire bytes each message's end corresponds to (for the SIOCOUTQ rule), and no OpenSSL call ever blocks or
/// raises SIGPIPE.
///
/// The receiver's certificate is verified (the `ca_file`, or the system store) and must name the host (or IP
/// address) connected to; a client certificate is offered when configured. There is no way to turn this off.
final class TLSSession {
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let incoming: OpaquePointer  // ciphertext from the receiver, read by OpenSSL
    private let outgoing: OpaquePointer  // ciphertext to the receiver, written by OpenSSL
    private let endpoint: SyslogEndpoint
    private var plaintextChunk = [UInt8](repeating: 0, count: 16_384)

    init(settings: TLSSettings, endpoint: SyslogEndpoint) throws(ConnectionError) {
        self.endpoint = endpoint
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .misconfigured("TLS to \(endpoint): cannot create an OpenSSL context: \(Self.drainErrors())")
        }
        _ = copenssl_ctx_set_min_tls12(context)
        _ = copenssl_ctx_set_mode(context, copenssl_mode_partial_write())
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        func fail(_ message: String) -> ConnectionError {
            SSL_CTX_free(context)
            return .misconfigured("TLS to \(endpoint): \(message)")
        }
        if let caFile = settings.caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw fail("cannot load ca_file \(caFile) (\(Self.drainErrors())): give a readable PEM file of the receiver's CA")
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw fail("cannot load the system certificate store (\(Self.drainErrors())): install ca-certificates or set ca_file")
        }
        switch (settings.clientCertificateFile, settings.clientKeyFile) {
        case (nil, nil):
            break
        case (let certificate?, let key?):
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw fail("cannot load client_certificate \(certificate) (\(Self.drainErrors())): give a readable PEM certificate")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw fail("cannot load client_key \(key) (\(Self.drainErrors())): give a readable, unencrypted PEM key")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw fail("client_key \(key) does not belong to client_certificate \(certificate): give the matching pair")
            }
        default:
            throw fail("client_certificate and client_key go together: set both for mutual TLS, or neither")
        }
        guard let ssl = SSL_new(context), let incoming = copenssl_new_memory_bio(), let outgoing = copenssl_new_memory_bio() else {
            throw fail("cannot create an OpenSSL session: \(Self.drainErrors())")
        }
        SSL_set_bio(ssl, incoming, outgoing)  // the session owns both BIOs from here
        let name = settings.serverName ?? endpoint.host
        if Self.isIPAddress(name) {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                SSL_free(ssl)
                throw fail("cannot check the certificate against the address \(name)")
            }
        } else {
            guard SSL_set1_host(ssl, name) == 1, copenssl_set_sni(ssl, name) == 1 else {
                SSL_free(ssl)
                throw fail("cannot check the certificate against the name \(name)")
            }
        }
        SSL_set_connect_state(ssl)
        self.context = context
        self.ssl = ssl
        self.incoming = incoming
        self.outgoing = outgoing
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// What a handshake step asks for.
    enum HandshakeProgress {
        case done
        case needsMoreInput
    }

    /// Runs the handshake as far as the ciphertext received so far allows; the caller sends what
    /// `takeCiphertext` gives, and feeds what arrives.
    func continueHandshake() throws(ConnectionError) -> HandshakeProgress {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        let code = SSL_get_error(ssl, result)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE { return .needsMoreInput }
        throw handshakeFailure(code: code)
    }

    private func handshakeFailure(code: Int32) -> ConnectionError {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verify))
            _ = Self.drainErrors()
            return .misconfigured("TLS to \(endpoint): certificate verify failed: \(reason): \(Self.advice(verifyResult: Int32(verify), endpoint: endpoint))")
        }
        let detail = Self.drainErrors()
        if code == SSL_ERROR_SYSCALL || code == SSL_ERROR_ZERO_RETURN || detail.isEmpty {
            return .broken("TLS to \(endpoint): the receiver closed the connection during the handshake: check that it speaks TLS on this port")
        }
        if detail.contains("wrong version number") || detail.contains("packet length too long") {
            return .misconfigured("TLS to \(endpoint): handshake failed (\(detail)): the port does not speak TLS; check the port or turn TLS off")
        }
        return .misconfigured("TLS to \(endpoint): handshake failed (\(detail))\(Self.alertAdvice(detail))")
    }

    /// Encrypts all of `plaintext` into `ciphertext` (appended).
    func encrypt(_ plaintext: UnsafeRawBufferPointer, into ciphertext: inout [UInt8]) throws(ConnectionError) {
        var offset = 0
        while offset < plaintext.count {
            ERR_clear_error()
            let chunk = min(plaintext.count - offset, 1 << 20)
            let written = SSL_write(ssl, plaintext.baseAddress! + offset, Int32(chunk))
            if written <= 0 {
                throw sessionFailure(code: SSL_get_error(ssl, written), doing: "write")
            }
            offset += Int(written)
        }
        takeCiphertext(into: &ciphertext)
    }

    /// Moves the ciphertext OpenSSL produced (records, handshake messages, alerts) to the end of `ciphertext`.
    func takeCiphertext(into ciphertext: inout [UInt8]) {
        let pending = copenssl_bio_pending(outgoing)
        guard pending > 0 else { return }
        let start = ciphertext.count
        ciphertext.append(contentsOf: repeatElement(0, count: pending))
        let read = ciphertext.withUnsafeMutableBytes { BIO_read(outgoing, $0.baseAddress! + start, Int32(pending)) }
        ciphertext.removeLast(pending - Int(max(0, read)))
    }

    /// Hands OpenSSL ciphertext that arrived from the receiver.
    func feed(_ ciphertext: UnsafeRawBufferPointer) {
        guard ciphertext.count > 0 else { return }
        _ = BIO_write(incoming, ciphertext.baseAddress, Int32(ciphertext.count))
    }

    /// Decrypts what was fed so far, appending the plaintext. Returns false when the receiver sent close_notify.
    func decrypt(into plaintext: inout [UInt8]) throws(ConnectionError) -> Bool {
        while true {
            ERR_clear_error()
            let read = plaintextChunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if read > 0 {
                plaintext.append(contentsOf: plaintextChunk[0..<Int(read)])
                continue
            }
            let code = SSL_get_error(ssl, read)
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE { return true }
            if code == SSL_ERROR_ZERO_RETURN {
                return false
            }
            throw sessionFailure(code: code, doing: "read")
        }
    }

    private func sessionFailure(code: Int32, doing operation: String) -> ConnectionError {
        let detail = Self.drainErrors()
        if detail.isEmpty { return .broken("TLS to \(endpoint): \(operation) failed (OpenSSL error \(code)): the session broke") }
        let advice = Self.alertAdvice(detail)
        if !advice.isEmpty { return .misconfigured("TLS to \(endpoint): the receiver refused the session (\(detail))\(advice)") }
        return .broken("TLS to \(endpoint): \(operation) failed: \(detail)")
    }

    /// Queues a close_notify (RFC 5425 §4.4: a sender closes with one); the caller sends `takeCiphertext`.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        _ = Self.drainErrors()
    }

    // MARK: messages

    /// What to do about a certificate the verification refused.
    static func advice(verifyResult: Int32, endpoint: SyslogEndpoint) -> String {
        switch verifyResult {
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
             X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "set ca_file to the CA that signed the receiver's certificate"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "the receiver's certificate does not name \(endpoint.host): connect by a name or address it carries, or set server_name"
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            return "renew the receiver's certificate (or check this host's clock)"
        default:
            return "check the receiver's certificate and ca_file"
        }
    }

    /// Advice for a TLS alert the receiver sent (refused client certificate, unknown CA), or "".
    static func alertAdvice(_ detail: String) -> String {
        if detail.contains("certificate required") || detail.contains("peer did not return a certificate") {
            return ": the receiver requires a client certificate: set client_certificate and client_key"
        }
        if detail.contains("alert unknown ca") || detail.contains("alert bad certificate") || detail.contains("certificate unknown")
            || detail.contains("alert access denied") || detail.contains("alert decrypt error") {
            return ": the receiver refused this host's client certificate: have it signed by a CA the receiver trusts (and named as it permits)"
        }
        if detail.contains("handshake failure") || detail.contains("no protocols available") || detail.contains("unsupported protocol") {
            return ": no TLS version or cipher in common (TLS 1.2 or later is required)"
        }
        return ""
    }

    /// The queued OpenSSL error texts, oldest first, and clears the queue.
    static func drainErrors() -> String {
        var texts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [UInt8](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            }
            let text = String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
            // "error:0A000086:SSL routines::certificate verify failed" → the part after the last "::" or ":".
            let reason = text.split(separator: ":", omittingEmptySubsequences: true).last.map(String.init) ?? text
            if !texts.contains(reason) { texts.append(reason) }
        }
        return texts.joined(separator: "; ")
    }

    static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }
}
