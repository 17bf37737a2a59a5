import TensorFiles

/// The values the restricted unpickler can build. Nothing here can run code: a pickle
/// that names anything outside `PickleGlobal` is refused when the name is read.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)

    /// A short type name for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let global): return "global \(global)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// Containers are reference types. For lists and dicts that is Python's semantics (a
/// memoised dict fetched with BINGET and then filled by SETITEMS is the same dict
/// everywhere); for tuples it lets the unpickler own every container it made and empty them
/// one by one when it finishes, so a hostile pickle nesting containers a million deep (or
/// in a cycle) cannot overflow the stack through recursive deallocation, or leak.
class PickleContainer {}
final class PickleTuple: PickleContainer {
    var items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}
final class PickleList: PickleContainer { var items: [PickleValue] = [] }
final class PickleDict: PickleContainer { var items: [(key: PickleValue, value: PickleValue)] = [] }

/// The only globals a PyTorch state dict needs. Everything else is refused by name.
enum PickleGlobal: CustomStringConvertible {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(TorchStorageType)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch", _):
            guard let storage = TorchStorageType(rawValue: name) else { return nil }
            self = .storageType(storage)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(let type): return "torch.\(type.rawValue)"
        }
    }
}

/// Legacy typed-storage classes `torch.save` names in persistent ids.
enum TorchStorageType: String {
    case float = "FloatStorage"
    case half = "HalfStorage"
    case bfloat16 = "BFloat16Storage"
    case double = "DoubleStorage"
    case long = "LongStorage"
    case int = "IntStorage"
    case short = "ShortStorage"
    case char = "CharStorage"
    case byte = "ByteStorage"
    case bool = "BoolStorage"

    var dtype: TensorDType {
        switch self {
        case .float: return .f32
        case .half: return .f16
        case .bfloat16: return .bf16
        case .double: return .f64
        case .long: return .i64
        case .int: return .i32
        case .short: return .i16
        case .char: return .i8
        case .byte: return .u8
        case .bool: return .bool
        }
    }
}

/// A persistent id `('storage', type, key, location, numel)`: bytes in `data/<key>`.
struct TorchStorageReference {
    var type: TorchStorageType
    var key: String
    var elementCount: Int
}

/// What `_rebuild_tensor_v2(storage, offset, size, stride, …)` describes: a strided view.
struct TorchTensorReference {
    var storage: TorchStorageReference
    var offset: Int
    var size: [Int]
    var stride: [Int]
}
