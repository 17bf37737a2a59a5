/// The only "calls" a state-dict pickle may make, implemented as plain data construction.
///
/// `REDUCE` applies an allow-listed global to an argument tuple, `BUILD` sets an object's
/// state, `BINPERSID` turns a persistent id into a storage reference. Each checks the
/// shapes of its arguments, because they come from the file.
enum TorchPickleCalls {
    typealias Fail = (String) -> ModelError

    static func reduce(_ callable: PickleValue, _ arguments: PickleValue, fail: Fail) throws -> PickleValue {
        guard case .global(let global) = callable else { throw fail("REDUCE on a \(callable.kind), not a global") }
        guard case .tuple(let argumentTuple) = arguments else {
            throw fail("REDUCE arguments are a \(arguments.kind), not a tuple")
        }
        let args = argumentTuple.items
        switch global {
        case .orderedDict:
            // OrderedDict() or OrderedDict([(key, value), ...]).
            let dict = PickleDict()
            if let first = args.first, case .list(let pairs) = first {
                for pair in pairs.items {
                    guard case .tuple(let kv) = pair, kv.items.count == 2 else { throw fail("OrderedDict item is not a pair") }
                    dict.items.append((kv.items[0], kv.items[1]))
                }
            } else if !args.isEmpty {
                throw fail("OrderedDict called with unexpected arguments")
            }
            return .dict(dict)
        case .rebuildTensorV2:
            return .tensor(try rebuildTensor(args, fail: fail))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): a Parameter is its data here.
            guard let data = args.first, case .tensor = data else {
                throw fail("\(global) expects a tensor as its first argument")
            }
            return data
        case .storageType(let type):
            throw fail("storage class torch.\(type.rawValue) may only appear in a persistent id, not be called")
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
    private static func rebuildTensor(_ args: [PickleValue], fail: Fail) throws -> TorchTensorReference {
        guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
            case .tuple(let sizeValues) = args[2], case .tuple(let strideValues) = args[3]
        else { throw fail("_rebuild_tensor_v2 arguments are not (storage, int, tuple, tuple, ...)") }
        let size = try integers(sizeValues.items, what: "size", fail: fail)
        let stride = try integers(strideValues.items, what: "stride", fail: fail)
        guard size.count == stride.count else {
            throw fail("tensor size \(size) and stride \(stride) have different ranks")
        }
        return TorchTensorReference(storage: storage, offset: offset, size: size, stride: stride)
    }

    private static func integers(_ values: [PickleValue], what: String, fail: Fail) throws -> [Int] {
        guard values.count <= RestrictedUnpickler.maximumDimensions else {
            throw fail("tensor \(what) has \(values.count) dimensions")
        }
        return try values.map { value in
            guard case .int(let number) = value else { throw fail("tensor \(what) holds a \(value.kind)") }
            return number
        }
    }

    /// BUILD: the only object whose state a state dict sets is the OrderedDict itself
    /// (its `_metadata` attribute, which holds per-module version numbers we do not need).
    static func build(_ target: PickleValue, state: PickleValue, fail: Fail) throws {
        guard case .dict = target else { throw fail("BUILD on a \(target.kind); only dict state is accepted") }
        switch state {
        case .dict, .none, .tuple: return
        default: throw fail("BUILD with a \(state.kind) as state")
        }
    }

    /// `('storage', storage_type, key, location, numel)` as written by `torch.save`.
    static func persistentLoad(_ id: PickleValue, fail: Fail) throws -> PickleValue {
        guard case .tuple(let tuple) = id, tuple.items.count == 5, case .string("storage") = tuple.items[0] else {
            throw fail("persistent id is not ('storage', type, key, location, numel)")
        }
        let fields = tuple.items
        guard case .global(.storageType(let type)) = fields[1] else {
            throw fail("persistent id names a \(fields[1].kind), not a torch storage class")
        }
        guard case .string(let key) = fields[2], case .string = fields[3], case .int(let count) = fields[4], count >= 0 else {
            throw fail("persistent id fields are not (str key, str location, non-negative int numel)")
        }
        return .storage(TorchStorageReference(type: type, key: key, elementCount: count))
    }
}
