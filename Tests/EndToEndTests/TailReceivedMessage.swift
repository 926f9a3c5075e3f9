import Foundation
import RsyslogTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One hour file as the receiver names it: container, site and file name from the structured data.
struct TailFileKey: Hashable, CustomStringConvertible {
    var container: String
    var site: String
    var file: String

    /// The key of `<sources>/<container>/weblogs/<site>/<file>`, the layout of `DumpWorld`.
    init?(path: String) {
        let components = path.split(separator: "/").map(String.init)
        guard components.count >= 4, components[components.count - 3] == "weblogs" else { return nil }
        container = components[components.count - 4]
        site = components[components.count - 2]
        file = components[components.count - 1]
    }

    init(container: String, site: String, file: String) {
        self.container = container
        self.site = site
        self.file = file
    }

    var description: String { "\(container)/\(site)/\(file)" }
}

/// One message the receiver wrote: which file and offset it says it comes from, its part if a long line was cut,
/// and MSG's bytes.
struct TailReceivedMessage {
    var key: TailFileKey
    var offset: Int64
    var part: String?
    var message: [UInt8]

    /// Every message of ours the receiver wrote so far, in the order it wrote them.
    static func all(_ receiver: RsyslogTestServer) -> [TailReceivedMessage] {
        receiver.receivedMessages().compactMap { raw in
            guard let parsed = ReceivedMessage(raw), let offset = parsed.offset,
                  let container = parsed.parameters["container"], let site = parsed.parameters["site"],
                  let file = parsed.parameters["file"] else { return nil }
            return TailReceivedMessage(key: TailFileKey(container: container, site: site, file: file), offset: offset,
                                       part: parsed.parameters["part"], message: parsed.message)
        }
    }

    /// The highest offset received per file.
    static func lastOffsets(_ messages: [TailReceivedMessage]) -> [TailFileKey: Int64] {
        var last: [TailFileKey: Int64] = [:]
        for m in messages { last[m.key] = max(last[m.key] ?? -1, m.offset) }
        return last
    }
}

/// The offsets tail's checkpoint file holds per file now: where a tail started now would resume.
func savedTailOffsets(stateDirectory: String) -> [TailFileKey: Int64] {
    guard let data = FileManager.default.contents(atPath: stateDirectory + "/v1/tail/checkpoints.json"),
          let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let files = document["files"] as? [[String: Any]] else { return [:] }
    var offsets: [TailFileKey: Int64] = [:]
    for file in files {
        guard let path = file["path"] as? String, let key = TailFileKey(path: path),
              let offset = (file["offset"] as? NSNumber)?.int64Value else { continue }
        offsets[key] = offset
    }
    return offsets
}

/// What a kill (of tail or of the receiver) may make the receiver get twice, per file: from the offset tail had
/// saved (where it resumes) up to the last offset the receiver had written at that moment.
struct ReplayWindow {
    var saved: [TailFileKey: Int64]
    var receivedUpTo: [TailFileKey: Int64]

    func contains(_ key: TailFileKey, offset: Int64) -> Bool {
        offset >= (saved[key] ?? 0) && offset <= (receivedUpTo[key] ?? -1)
    }
}

/// Waits until the receiver's file stops growing for `quietMilliseconds` (bounded by `seconds`).
func awaitReceiverQuiet(_ receiver: RsyslogTestServer, quietMilliseconds: Int = 300, seconds: Double = 5) {
    let end = Date().addingTimeInterval(seconds)
    var size = receiver.receivedBytes()
    var stableSince = Date()
    while Date() < end {
        usleep(50_000)
        let now = receiver.receivedBytes()
        if now != size {
            size = now
            stableSince = Date()
        } else if Date().timeIntervalSince(stableSince) * 1000 >= Double(quietMilliseconds) {
            return
        }
    }
}
