import HypencoderIndex
import HypencoderRPC

/// `collection/list` and `collection/drop`. Collections are created by their first write
/// (`index/add`, `workspace/index`), so there is no `collection/create`.
struct CollectionHandlers {
    let modelAndIndex: ModelAndIndex

    func register(into table: inout [String: MethodHandler]) {
        let modelAndIndex = self.modelAndIndex
        table["collection/list"] = { params, _ in
            if params.isGiven { try params.object(allowedKeys: ["workDoneToken"]) }
            let collections = try modelAndIndex.requireCollections().all().map { name, index, root -> JSONValue in
                let snapshot = index.snapshot()
                var item: JSONObject = [
                    "name": .string(name), "documents": .integer(Int64(snapshot.count)),
                    "slots": .integer(Int64(snapshot.slotCount)), "directory": .string(index.directory),
                ]
                if let root { item["root"] = .string(root) }
                return .object(item)
            }
            return ["collections": .array(collections)]
        }
        table["collection/drop"] = { params, _ in
            try params.object(allowedKeys: ["collection", "workDoneToken"])
            let dropped = try modelAndIndex.requireCollections().drop(params["collection"])
            return ["collection": .string(dropped.name), "documents": .integer(Int64(dropped.documents))]
        }
    }
}
