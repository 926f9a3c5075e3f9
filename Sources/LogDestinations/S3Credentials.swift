import LinuxSystem
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Finds the S3 credentials, in this order: the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), `credentials_file`, then `~/.aws/credentials`; in a file, the `[profile]` section.
///
/// A credentials file that its group or others may read is refused, as ssh refuses such a key: the secret in it
/// is no longer a secret. No message ever holds a secret.
public struct S3CredentialResolver: Sendable {
    public var environment: [String: String]
    public var home: String?

    public init(environment: [String: String], home: String?) {
        self.environment = environment
        self.home = home
    }

    /// The process's own environment and home directory.
    public static func process() -> S3CredentialResolver {
        var environment: [String: String] = [:]
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HOME"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        var home = environment["HOME"]
        if home == nil || home!.isEmpty, let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir {
            home = String(cString: dir)
        }
        return S3CredentialResolver(environment: environment, home: home)
    }

    public func resolve(credentialsFile: String?, profile: String) throws(DestinationError) -> SigV4Credentials {
        if let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
           let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return SigV4Credentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
        }
        if let credentialsFile {
            guard let found = try Self.read(credentialsFile, profile: profile, required: true) else {
                throw .misconfigured("credentials_file \(credentialsFile) has no aws_access_key_id and aws_secret_access_key in [\(profile)]")
            }
            return found
        }
        if let home, !home.isEmpty, let found = try Self.read(home + "/.aws/credentials", profile: profile, required: false) {
            return found
        }
        throw .misconfigured("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or credentials_file, "
            + "or [\(profile)] in ~/.aws/credentials")
    }

    /// The `[profile]` section of an AWS-style credentials file (a file without sections is one profile).
    /// Nil when the file does not exist (and is not `required`) or has no such profile.
    static func read(_ path: String, profile: String, required: Bool) throws(DestinationError) -> SigV4Credentials? {
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW)
        } catch {
            if error.code == ENOENT && !required { return nil }
            throw .misconfigured("cannot read the credentials file \(path): \(String(cString: strerror(error.code)))")
        }
        let info: stat
        do { info = try file.status(path: path) } catch { throw .misconfigured(error.description) }
        guard FileKind(info) == .regular else { throw .misconfigured("credentials file \(path) is not a regular file") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .misconfigured("credentials file \(path) is readable by others (mode \(String(mode, radix: 8))): "
                + "run chmod 600 \(path); it is not used until then")
        }
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
        defer { buffer.deallocate() }
        while bytes.count < 1 << 20 {
            let n: Int
            do { n = try file.read(into: buffer, path: path) } catch { throw .misconfigured(error.description) }
            if n == 0 { break }
            bytes += UnsafeRawBufferPointer(rebasing: buffer[0..<n])
        }
        return parse(String(decoding: bytes, as: UTF8.self), profile: profile)
    }

    /// INI text as the AWS tools write it: `[name]` sections of `key = value` lines, `#`/`;` comments.
    static func parse(_ text: String, profile: String) -> SigV4Credentials? {
        var section: String? = nil
        var values: [String: String] = [:]
        var sawSection = false
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                sawSection = true
                var name = String(line.dropFirst().dropLast()).trimmingSpaces()
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingSpaces() }
                section = name
                continue
            }
            guard !sawSection || section == profile, let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingSpaces().lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingSpaces()
            values[key] = value
        }
        guard let id = values["aws_access_key_id"], !id.isEmpty, let secret = values["aws_secret_access_key"], !secret.isEmpty else {
            return nil
        }
        let token = values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return SigV4Credentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
