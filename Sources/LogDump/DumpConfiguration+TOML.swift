import LogCompression
import LogShipCore
import LogSplitCore

extension DumpConfiguration {
    // MARK: - TOML

    /// Reads a TOML document; unknown keys and wrong types are problems, reported together.
    public static func parse(toml text: String) -> (DumpConfiguration, [ConfigProblem]) {
        var config = DumpConfiguration()
        var problems: [ConfigProblem] = []
        let root: TOMLTable
        do {
            root = try TOMLReader.parse(text)
        } catch {
            return (config, [ConfigProblem(key: "(file)", message: "not valid TOML at \(error)")])
        }
        let known: [String: Set<String>] = [
            "general": ["host", "state_directory", "workers"],
            "sources": ["roots", "template", "time_zone", "period", "grace", "quiet"],
            "compression": ["format", "level", "threads"],
            "destination": DestinationSection.keys,
            "retention": ["keep_compressed_hours", "record_days"],
            "metrics": ["textfile"],
            "tail": TailSection.keys,
        ]
        for section in root.keys {
            guard let keys = known[section] else {
                problems.append(ConfigProblem(key: section, message: "unknown section (known: \(known.keys.sorted().joined(separator: ", ")))"))
                continue
            }
            guard let table = root[section]?.table else {
                problems.append(ConfigProblem(key: section, message: "must be a table: write [\(section)]"))
                continue
            }
            for key in table.keys where !keys.contains(key) {
                problems.append(ConfigProblem(key: "\(section).\(key)", message: "unknown key (known: \(keys.sorted().joined(separator: ", ")))"))
            }
        }
        func value(_ section: String, _ key: String) -> TOMLValue? {
            root[section]?.table?[key]
        }
        func string(_ section: String, _ key: String, _ apply: (String) -> Void) {
            guard let v = value(section, key) else { return }
            if let s = v.string { apply(s) } else { problems.append(ConfigProblem(key: "\(section).\(key)", message: "must be a string")) }
        }
        func int(_ section: String, _ key: String, _ apply: (Int) -> Void) {
            guard let v = value(section, key) else { return }
            if let i = v.int { apply(i) } else { problems.append(ConfigProblem(key: "\(section).\(key)", message: "must be an integer")) }
        }
        func duration(_ section: String, _ key: String, _ apply: (Int) -> Void) {
            guard let v = value(section, key) else { return }
            if let s = v.string {
                do { apply(try parseDuration(s)) } catch { problems.append(ConfigProblem(key: "\(section).\(key)", message: error.message)) }
            } else if let i = v.int {
                apply(i)
            } else {
                problems.append(ConfigProblem(key: "\(section).\(key)", message: "must be a duration such as \"10min\" or a number of seconds"))
            }
        }
        string("general", "host") { config.host = $0 }
        string("general", "state_directory") { config.stateDirectory = $0 }
        int("general", "workers") { config.workers = $0 }
        if let v = value("sources", "roots") {
            if let array = v.array {
                var roots: [String] = []
                for item in array {
                    if let s = item.string { roots.append(s) } else {
                        problems.append(ConfigProblem(key: "sources.roots", message: "every root must be a string"))
                    }
                }
                config.roots = roots
            } else if let s = v.string {
                config.roots = [s]
            } else {
                problems.append(ConfigProblem(key: "sources.roots", message: "must be an array of strings"))
            }
        }
        string("sources", "template") { config.template = $0 }
        string("sources", "time_zone") { config.timeZone = $0.isEmpty ? nil : $0 }
        string("sources", "period") { config.period = $0 }
        duration("sources", "grace") { config.graceSeconds = $0 }
        duration("sources", "quiet") { config.quietSeconds = $0 }
        string("compression", "format") {
            if let f = CompressionFormat(rawValue: $0) { config.format = f } else {
                problems.append(ConfigProblem(key: "compression.format", message: "'\($0)' is not one of: zstd, gzip"))
            }
        }
        int("compression", "level") { config.level = $0 == 0 ? nil : $0 }
        int("compression", "threads") { config.threads = $0 }
        string("destination", "type") { config.destination.type = $0 }
        string("destination", "path") { config.destination.path = $0 }
        string("destination", "key") { config.keyTemplate = $0 }
        string("destination", "endpoint") { config.destination.endpoint = $0 }
        string("destination", "region") { config.destination.region = $0 }
        string("destination", "bucket") { config.destination.bucket = $0 }
        string("destination", "prefix") { config.destination.prefix = $0 }
        if let v = value("destination", "path_style") {
            if let b = v.bool { config.destination.pathStyle = b } else {
                problems.append(ConfigProblem(key: "destination.path_style", message: "must be true or false"))
            }
        }
        string("destination", "storage_class") { config.destination.storageClass = $0 }
        string("destination", "credentials_file") { config.destination.credentialsFile = $0 }
        string("destination", "profile") { config.destination.profile = $0 }
        string("destination", "ca_file") { config.destination.caFile = $0 }
        if let v = value("destination", "part_size") {
            if let i = v.int { config.destination.partSize = i } else if let text = v.string {
                do { config.destination.partSize = try ByteCount.parse(text) } catch {
                    problems.append(ConfigProblem(key: "destination.part_size", message: error.message))
                }
            } else {
                problems.append(ConfigProblem(key: "destination.part_size", message: "must be a size such as \"16M\" or a number of bytes"))
            }
        }
        string("destination", "verify") { config.destination.verify = $0 }
        duration("destination", "connect_timeout") { config.destination.connectTimeout = $0 }
        duration("destination", "request_timeout") { config.destination.requestTimeout = $0 }
        int("destination", "retries") { config.destination.retries = $0 }
        int("destination", "concurrent_requests") { config.destination.concurrentRequests = $0 }
        string("destination", "host") { config.destination.host = $0 }
        string("destination", "user") { config.destination.user = $0 }
        int("destination", "port") { config.destination.port = $0 }
        string("destination", "identity_file") { config.destination.identityFile = $0 }
        string("destination", "known_hosts") { config.destination.knownHosts = $0 }
        int("retention", "keep_compressed_hours") { config.keepCompressedHours = $0 }
        int("retention", "record_days") { config.recordDays = $0 }
        string("metrics", "textfile") { config.metricsTextfile = $0 }
        if let table = root["tail"]?.table { config.tail = TailSection.parse(table, problems: &problems) }
        return (config, problems)
    }
}
