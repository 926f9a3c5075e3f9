import RsyslogTestSupport

/// A DumpWorld for `logdump tail` against `receiver`'s listener `kind`: hour-file names to the second, `period`,
/// files closed as soon as no writer holds them, TLS settings from the receiver's CA and client certificate.
func tailWorld(receiver: RsyslogTestServer, kind: RsyslogTestServer.Kind, period: String = "5sec",
               template: String = "access_log.%Y%m%d%H%M%S") throws -> DumpWorld {
    let world = try DumpWorld(template: template)
    try world.setConfig("sources", "period", "\"\(period)\"")
    try world.setConfig("tail", "receiver", "\"\(receiver.receiverURL(kind))\"")
    try world.setConfig("tail", "rescan_seconds", "2")
    if kind.scheme == "tls" || kind.scheme == "relps" {
        try world.setConfig("tail", "ca_file", "\"\(receiver.caFile)\"")
    }
    if kind.needsClientCertificate {
        try world.setConfig("tail", "client_cert", "\"\(receiver.clientCertificate)\"")
        try world.setConfig("tail", "client_key", "\"\(receiver.clientKey)\"")
    }
    return world
}
