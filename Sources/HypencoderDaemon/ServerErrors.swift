import HypencoderIndex
import HypencoderModel
import HypencoderRPC

/// The daemon's own JSON-RPC error codes, in the range JSON-RPC leaves to servers (-32000 to
/// -32099). The RPC module owns -32010 (a limit) and -32800 (cancelled); Docs/protocol.md
/// and `Schemas/hypencoder.openrpc.json` list them all.
public enum ServerErrorCode {
    /// The method needs a model and the daemon was started without one.
    public static let modelNotLoaded = -32020
    /// The method needs an index and the daemon was started without one.
    public static let indexNotLoaded = -32021
    /// The index refused the operation (a limit, a file problem); the message says which.
    public static let indexError = -32022
    /// The peer may not ask for this: `workspace/*` reads files as the daemon's user, so only
    /// connections from that same user may name folders for it to read.
    public static let notPermitted = -32023
}

extension RPCError {
    /// -32020, naming the flag that would have loaded a model.
    static func modelNotLoaded() -> RPCError {
        RPCError(
            code: ServerErrorCode.modelNotLoaded,
            message: "no model is loaded: start hypencoderd with --model DIR (or \"model\" in the config file)")
    }

    /// -32021, naming the flags that would have opened an index.
    static func indexNotLoaded() -> RPCError {
        RPCError(
            code: ServerErrorCode.indexNotLoaded, message: "no index is open: start hypencoderd with --model DIR --index DIR")
    }

    /// What a failure thrown by a method handler becomes on the wire. The one place the
    /// index's and the model's errors are turned into JSON-RPC errors: handlers call the
    /// index and the model directly and let their errors through, and the dispatcher maps
    /// them here when the handler returns (`Dispatcher.run`).
    /// - `RPCError` (params checks, cancellation, limits): as thrown.
    /// - `IndexError`: -32022 "index: …", keeping the index's own wording (it names the file,
    ///   field or limit involved).
    /// - `ModelError` or `TokenizerError` (input the params check could not see, or an engine
    ///   failure): -32603 "model: …".
    /// - anything else: -32603 with its description.
    init(handlerFailure error: Error) {
        switch error {
        case let error as RPCError: self = error
        case let error as IndexError: self.init(code: ServerErrorCode.indexError, message: "index: \(error)")
        case is ModelError, is TokenizerError: self = .internalError("model: \(error)")
        default: self = .internalError("\(error)")
        }
    }
}
