/// Where a transport sends: a receiver's host and port, optionally over TLS, with the time limits of its socket.
public struct SyslogEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A DNS name or an IPv4/IPv6 address.
    public var host: String
    public var port: Int
    /// nil: plain TCP. TLS never runs without verifying the receiver's certificate.
    public var tls: TLSSettings?
    /// Longest wait for the TCP connection and, with TLS, for the handshake.
    public var connectTimeoutSeconds: Double
    /// Longest wait for progress on an established connection (a write accepted, an acknowledgement).
    public var ioTimeoutSeconds: Double

    public init(host: String, port: Int, tls: TLSSettings? = nil, connectTimeoutSeconds: Double = 5, ioTimeoutSeconds: Double = 30) {
        self.host = host
        self.port = port
        self.tls = tls
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.ioTimeoutSeconds = ioTimeoutSeconds
    }

    /// `host:port` (`[v6]:port` for an IPv6 address), the name every error message uses.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// TLS client settings: the receiver's certificate is always verified, its name or IP address always checked.
public struct TLSSettings: Sendable, Hashable {
    /// PEM file of the CA(s) that signed the receiver's certificate; nil: the system store.
    public var caFile: String?
    /// The name the receiver's certificate must carry; nil: the endpoint's host (an IP address is checked
    /// against the certificate's IP SANs).
    public var serverName: String?
    /// PEM certificate (chain) and key for mutual TLS; both or neither.
    public var clientCertificateFile: String?
    public var clientKeyFile: String?

    public init(caFile: String? = nil, serverName: String? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil) {
        self.caFile = caFile
        self.serverName = serverName
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }
}
