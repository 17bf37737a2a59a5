import Foundation
import HypencoderRPC

/// Every message the tests' clients receive, with the method of the request it answers, as
/// JSON lines in `.build/test-responses/daemon.jsonl` (rewritten by each test run).
/// `Tests/python/test_swift_responses.py` validates each one against
/// `Schemas/hypencoder.openrpc.json` with `jsonschema`, so all the replies the tests
/// provoke — including the error replies to bad input — are held to the published schema.
public enum ResponseLog {
    public static let path = TestPaths.repositoryRoot + "/.build/test-responses/daemon.jsonl"
    private static let lock = NSLock()
    /// Opened (and truncated) on first use; nil if the directory cannot be written, in
    /// which case the Python check reports the log as missing.
    private static let handle: FileHandle? = {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
        return FileHandle(forWritingAtPath: path)
    }()

    /// `method` is nil when the reply answers bytes the test sent raw (its method unknown).
    public static func record(method: String?, message: JSONValue) {
        let line: JSONValue = ["method": method.map { .string($0) } ?? .null, "message": message]
        lock.lock()
        defer { lock.unlock() }
        handle?.write(Data(line.serialized() + [0x0A]))
    }

    /// Records every message `client` reads, each element of a batch reply on its own,
    /// with the method of the request it answers when that request went through `send`.
    static func attach(to client: RPCClient) {
        let methods = MethodsByID()
        client.onSend = { message in
            for element in message.arrayValue ?? [message] {
                if let method = element["method"]?.stringValue, let id = element["id"] {
                    methods.byID[id.serialized()] = method
                }
            }
        }
        client.onReceive = { message in
            for element in message.arrayValue ?? [message] {
                let method = element["method"] == nil ? element["id"].flatMap { methods.byID[$0.serialized()] } : nil
                record(method: method, message: element)
            }
        }
    }

    /// The method of each request a client sent, by serialized id; shared by its two hooks.
    private final class MethodsByID {
        var byID: [[UInt8]: String] = [:]
    }
}
