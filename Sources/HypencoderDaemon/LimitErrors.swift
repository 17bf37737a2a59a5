import HypencoderRPC

/// Limit errors as the daemon reports them: code -32010, `data: {limit, max, actual}`, and
/// a message that starts with the limit's name, so a person reading a log or a shell
/// session sees which knob to turn without decoding `data`.
extension RPCError {
    static func limit(_ name: String, max: Int, actual: Int, _ explanation: String) -> RPCError {
        RPCError(
            code: Code.limitExceeded, message: "\(name) limit exceeded: \(explanation)",
            data: ["limit": .string(name), "max": .integer(Int64(max)), "actual": .integer(Int64(actual))])
    }

    /// Prefixes the limit's name to the message of a limit error from the protocol layer
    /// (whose messages describe the problem but may not name the setting).
    func namingLimit() -> RPCError {
        guard code == Code.limitExceeded, let name = data?["limit"]?.stringValue,
            !message.contains(name)
        else { return self }
        var named = self
        named.message = "\(name) limit exceeded: \(message)"
        return named
    }
}

extension RPCResponse {
    func namingLimit() -> RPCResponse {
        guard case .failure(let error) = outcome else { return self }
        return RPCResponse(id: id, error: error.namingLimit())
    }
}
