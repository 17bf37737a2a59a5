import HypencoderRPC

/// How `hypencoder` ends. The numbers follow BSD `sysexits.h` where one fits, so scripts
/// can tell "you typed it wrong" from "the daemon is not there" from "the daemon said no".
enum ExitStatus: Int32 {
    /// Done.
    case ok = 0
    /// The daemon answered with a JSON-RPC error (bad params, no index, limit exceeded...).
    case rpcError = 1
    /// EX_USAGE: unknown subcommand or flag, missing or malformed argument.
    case usage = 64
    /// EX_DATAERR: an input file (JSONL, ids, vectors, qrels) is malformed.
    case dataError = 65
    /// EX_NOINPUT: an input file does not exist or cannot be read.
    case noInput = 66
    /// EX_UNAVAILABLE: cannot connect to the daemon's socket.
    case unavailable = 69
    /// EX_CANTCREAT: an output file (e.g. the TREC run) cannot be written.
    case cannotCreate = 73
    /// EX_PROTOCOL: the daemon closed the connection or sent something that is not JSON-RPC.
    case protocolError = 76
}

/// Every failure the client reports: a message for stderr and the exit status to end with.
/// Commands throw it; `main.swift` prints it once and exits, so no command prints errors itself.
struct ClientError: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String
    /// The JSON-RPC error code when the daemon refused the request.
    var rpcCode: Int? { rpcError?.code }
    /// The daemon's error as it came, so a caller can re-tell it in its own terms (the
    /// uploader names the file line behind `params.documents[N]`).
    var rpcError: RPCError?

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }

    static func usage(_ message: String) -> ClientError { ClientError(.usage, message) }
    static func data(_ message: String) -> ClientError { ClientError(.dataError, message) }
}
