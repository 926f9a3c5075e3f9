import Foundation
import LinuxSystem

#if canImport(Glibc)
import Glibc
#endif

/// Reads and replaces `<state_directory>/v1/tail/checkpoints.json` (atomically: temporary file, fsync,
/// rename, fsync of the directory). Its own directory, so `run`'s clean-up of temporary files in `v1/`
/// never touches a checkpoint being written.
public enum TailCheckpointFile {
    public static func directoryPath(stateDirectory: String) -> String { stateDirectory + "/v1/tail" }
    public static let fileName = "checkpoints.json"

    public static func path(stateDirectory: String) -> String { directoryPath(stateDirectory: stateDirectory) + "/" + fileName }

    /// The saved checkpoints; nil when tail never saved any. A damaged file is an error naming it.
    public static func load(stateDirectory: String) throws -> TailCheckpointDocument? {
        let directory = directoryPath(stateDirectory: stateDirectory)
        let opened = Result { () throws(SystemError) in try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY).take() }
        guard case let .success(fd) = opened else {
            if case let .failure(error) = opened, error.code != ENOENT { throw error }
            return nil
        }
        let handle = FileDescriptor(adopting: fd)
        guard let bytes = try StateStore.readSmallFile(handle, fileName, directoryPath: directory) else { return nil }
        let document: TailCheckpointDocument
        do { document = try JSONDecoder().decode(TailCheckpointDocument.self, from: Data(bytes)) } catch {
            throw SystemError("read tail checkpoints (not valid JSON; move it aside and tail reads every file again from the start)",
                              path: directory + "/" + fileName, code: EINVAL)
        }
        guard document.version == TailCheckpointDocument.currentVersion else {
            throw SystemError("read tail checkpoints (unknown version \(document.version))", path: directory + "/" + fileName, code: EINVAL)
        }
        return document
    }

    /// Replaces the file with `document`, creating the directory when missing.
    public static func save(_ document: TailCheckpointDocument, stateDirectory: String) throws {
        let directory = directoryPath(stateDirectory: stateDirectory)
        try SafeDirectory.makeTrusted(directory, mode: 0o700)
        let handle = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(document)
        try AtomicFile.write(Array(data), to: fileName, in: handle, directoryPath: directory, mode: 0o600)
    }
}
