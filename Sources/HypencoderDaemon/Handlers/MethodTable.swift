/// The methods that run on workers, by name: those that need the model or the index, and
/// `debug/sleep` when `--debug-methods` is given. The methods about the server itself
/// (`initialize`, `shutdown`, `exit`, `$/cancelRequest`, `server/status`) are answered on the
/// loop by the `Dispatcher` and are not in this table (`Dispatcher.loopMethods`).
enum MethodTable {
    static func make(for modelAndIndex: ModelAndIndex, debugMethods: Bool) -> [String: MethodHandler] {
        var table: [String: MethodHandler] = [:]
        ModelHandlers(modelAndIndex: modelAndIndex).register(into: &table)
        IndexHandlers(modelAndIndex: modelAndIndex).register(into: &table)
        CollectionHandlers(modelAndIndex: modelAndIndex).register(into: &table)
        WorkspaceHandlers(modelAndIndex: modelAndIndex).register(into: &table)
        if debugMethods { DebugHandlers.register(into: &table) }
        return table
    }
}
