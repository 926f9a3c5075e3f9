/// The facility of RFC 5424 §6.2.1: which part of the system a message comes from (`local0` for access logs).
public enum SyslogFacility: Int, Sendable, CaseIterable {
    case kernel = 0, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock
    case local0, local1, local2, local3, local4, local5, local6, local7

    /// The name a configuration uses (`local0`, `daemon`, ...).
    public var name: String {
        switch self {
        case .kernel: "kern"
        case .user: "user"
        case .mail: "mail"
        case .daemon: "daemon"
        case .auth: "auth"
        case .syslog: "syslog"
        case .lpr: "lpr"
        case .news: "news"
        case .uucp: "uucp"
        case .cron: "cron"
        case .authpriv: "authpriv"
        case .ftp: "ftp"
        case .ntp: "ntp"
        case .audit: "audit"
        case .alert: "alert"
        case .clock: "clock"
        case .local0: "local0"
        case .local1: "local1"
        case .local2: "local2"
        case .local3: "local3"
        case .local4: "local4"
        case .local5: "local5"
        case .local6: "local6"
        case .local7: "local7"
        }
    }

    /// The facility a configuration names, or nil.
    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = found
    }
}

/// The severity of RFC 5424 §6.2.1 (`info` for access logs).
public enum SyslogSeverity: Int, Sendable, CaseIterable {
    case emergency = 0, alert, critical, error, warning, notice, informational, debug

    /// The name a configuration uses (`info`, `notice`, ...).
    public var name: String {
        switch self {
        case .emergency: "emerg"
        case .alert: "alert"
        case .critical: "crit"
        case .error: "err"
        case .warning: "warning"
        case .notice: "notice"
        case .informational: "info"
        case .debug: "debug"
        }
    }

    /// The severity a configuration names, or nil.
    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = found
    }
}
