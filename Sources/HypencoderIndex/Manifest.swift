import Foundation

/// The root of an index directory: which model and format produced it and which checkpoint
/// generation is current. It is the last file a checkpoint renames into place, so whatever
/// `MANIFEST` names is complete on disk.
///
/// Stored as a small JSON object (human-readable: an operator can `cat` it) followed by
/// nothing else; `checksum` is the CRC32C of the JSON encoding of all other fields, so a torn
/// or edited manifest is detected.
public struct Manifest: Codable, Equatable, Sendable {
    /// Bumped when any file layout changes; newer versions are refused by older builds.
    public static let currentFormatVersion = 1
    static let fileName = "MANIFEST"

    public var formatVersion: Int
    /// Identifies the model whose document encoder produced the vectors (the caller's
    /// choice, e.g. a hash of the weights); an index refuses to open under another model.
    public var modelFingerprint: String
    public var dimension: Int
    /// `VectorStorageType.rawValue`.
    public var storage: String
    /// The checkpoint generation: files `vectors-<g>.bin`, `documents-<g>.bin`, and the logs
    /// `wal-<g>.log`, `wal-<g+1>.log`, … to replay after them.
    public var generation: Int
    public var documentCount: Int

    static func vectorFile(_ generation: Int) -> String { "vectors-\(generation).bin" }
    static func documentFile(_ generation: Int) -> String { "documents-\(generation).bin" }
    static func logFile(_ generation: Int) -> String { "wal-\(generation).log" }

    private struct Stored: Codable {
        var manifest: Manifest
        var checksum: UInt32
    }

    private static func canonical(_ manifest: Manifest) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(manifest)) ?? Data()
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let checksum = CRC32C.checksum(Array(Self.canonical(self)))
        let data = (try? encoder.encode(Stored(manifest: self, checksum: checksum))) ?? Data()
        return Array(data) + [0x0A]
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> Manifest {
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(bytes))
        } catch {
            // Read the version alone first so a newer format is reported as such.
            if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                let inner = object["manifest"] as? [String: Any],
                let version = inner["formatVersion"] as? Int, version > currentFormatVersion
            {
                throw IndexError.unsupportedFormatVersion(path: path, found: version, supported: currentFormatVersion)
            }
            throw IndexError.corruptFile(path: path, reason: "manifest does not parse (\(error))")
        }
        let manifest = stored.manifest
        guard manifest.formatVersion <= currentFormatVersion else {
            throw IndexError.unsupportedFormatVersion(path: path, found: manifest.formatVersion, supported: currentFormatVersion)
        }
        guard CRC32C.checksum(Array(canonical(manifest))) == stored.checksum else {
            throw IndexError.corruptFile(path: path, reason: "manifest checksum mismatch")
        }
        guard manifest.dimension > 0, manifest.generation >= 0, manifest.documentCount >= 0,
            VectorStorageType(rawValue: manifest.storage) != nil
        else {
            throw IndexError.corruptFile(
                path: path,
                reason: "manifest field out of range (dimension, generation, documentCount or storage '\(manifest.storage)')")
        }
        return manifest
    }
}
