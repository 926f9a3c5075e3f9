/// Why a connection could not be made or used, before the transport turns it into a `SyslogTransportError`
/// (which adds how many lines of the batch got through).
enum ConnectionError: Error, Sendable {
    /// Trying again later can help: refused, reset, timed out, closed by the receiver.
    case broken(String)
    /// Trying again cannot help until the configuration changes: certificate refused, unknown host, bad key file.
    case misconfigured(String)

    var message: String {
        switch self {
        case .broken(let message), .misconfigured(let message): message
        }
    }

    /// The transport error for a connection that could not be made: nothing of the batch was sent.
    var unreachable: SyslogTransportError {
        switch self {
        case .broken(let message): .unreachable(reason: message)
        case .misconfigured(let message): .misconfigured(message)
        }
    }

    /// The transport error for a failure after `acknowledged` lines of the batch got through.
    func transportError(acknowledged: Int) -> SyslogTransportError {
        switch self {
        case .broken(let message): .interrupted(acknowledged: acknowledged, reason: message)
        case .misconfigured(let message): .misconfigured(message)
        }
    }
}
