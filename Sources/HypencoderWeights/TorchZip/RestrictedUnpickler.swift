import TensorFiles

/// A small interpreter for the pickle opcodes `torch.save(state_dict)` emits.
///
/// A pickle is a program; Python's `pickle.load` runs it, and a hostile one can call
/// `os.system`. This interpreter only builds data: it knows the opcodes a state dict uses,
/// resolves globals against a fixed allow-list (`PickleGlobal`) at the moment they are
/// named, and "calls" (REDUCE) only those few constructors, each implemented here. Stack,
/// memo and container sizes are bounded, so a hostile file yields a `ModelError`, never a
/// crash or a runaway allocation.
struct RestrictedUnpickler {
    static let maximumStackDepth = 1 << 20
    static let maximumMemoEntries = 1 << 22
    /// A bert-base state dict builds a few thousand containers; this leaves ample room.
    static let maximumContainers = 1 << 22
    static let maximumDimensions = 64

    private let path: String
    private let program: UnsafeRawBufferPointer
    private var position = 0
    private var stack: [PickleValue] = []
    private var markPositions: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every container built, so `dismantle()` can empty them iteratively.
    private var containers: [PickleContainer] = []

    /// Runs the pickle in `program` and hands the value STOP leaves on the stack to
    /// `extract`, which must copy out what it needs: the containers are emptied afterwards.
    static func load<Result>(
        _ program: UnsafeRawBufferPointer, path: String, extract: (PickleValue) throws -> Result
    ) throws -> Result {
        var machine = RestrictedUnpickler(path: path, program: program)
        defer { machine.dismantle() }
        return try extract(try machine.run())
    }

    /// Empties every container, so none is freed while holding another (no recursion).
    private mutating func dismantle() {
        stack.removeAll()
        memo.removeAll()
        for container in containers {
            switch container {
            case let tuple as PickleTuple: tuple.items.removeAll()
            case let list as PickleList: list.items.removeAll()
            case let dict as PickleDict: dict.items.removeAll()
            default: break
            }
        }
        containers.removeAll()
    }

    private mutating func register(_ container: PickleContainer) throws {
        guard containers.count < Self.maximumContainers else {
            throw fail("more than \(Self.maximumContainers) tuples, lists and dicts")
        }
        containers.append(container)
    }

    private mutating func tuple(_ items: [PickleValue]) throws -> PickleValue {
        let tuple = PickleTuple(items)
        try register(tuple)
        return .tuple(tuple)
    }

    private mutating func newList() throws -> PickleValue {
        let list = PickleList()
        try register(list)
        return .list(list)
    }

    private mutating func newDict() throws -> PickleValue {
        let dict = PickleDict()
        try register(dict)
        return .dict(dict)
    }

    private init(path: String, program: UnsafeRawBufferPointer) {
        self.path = path
        self.program = program
    }

    private func fail(_ reason: String) -> ModelError {
        .format(path: path, reason: "pickle at byte \(position): \(reason)")
    }

    // MARK: reading operands

    private mutating func take(_ length: Int) throws -> UnsafeRawBufferPointer {
        guard let bytes = program.slice(at: position, length: length) else {
            throw fail("operand of \(length) bytes runs past the end of the \(program.count)-byte pickle (truncated?)")
        }
        position += length
        return bytes
    }

    private mutating func takeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let value = program.readLE(T.self, at: position) else {
            throw fail("truncated \(MemoryLayout<T>.size)-byte operand")
        }
        position += MemoryLayout<T>.size
        return value
    }

    private mutating func takeString(length: UInt64) throws -> String {
        guard length <= UInt64(program.count) else { throw fail("string length \(length) exceeds the pickle's size") }
        return String(decoding: try take(Int(length)), as: UTF8.self)
    }

    /// A newline-terminated line (the operands of GLOBAL).
    private mutating func takeLine() throws -> String {
        var end = position
        while end < program.count, program[end] != 0x0A { end += 1 }
        guard end < program.count else { throw fail("unterminated GLOBAL operand") }
        let line = String(decoding: try take(end - position), as: UTF8.self)
        position += 1
        return line
    }

    // MARK: the stack

    private mutating func push(_ value: PickleValue) throws {
        guard stack.count < Self.maximumStackDepth else {
            throw fail("stack deeper than \(Self.maximumStackDepth) entries")
        }
        stack.append(value)
    }

    private mutating func pop() throws -> PickleValue {
        guard let value = stack.popLast(), stack.count >= (markPositions.last ?? 0) else {
            throw fail("pop from an empty stack")
        }
        return value
    }

    /// Pops everything above the most recent MARK.
    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = markPositions.popLast(), mark <= stack.count else { throw fail("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func top() throws -> PickleValue {
        guard let value = stack.last, stack.count > (markPositions.last ?? 0) else {
            throw fail("empty stack")
        }
        return value
    }

    private mutating func remember(_ index: Int) throws {
        guard memo.count < Self.maximumMemoEntries || memo[index] != nil else {
            throw fail("more than \(Self.maximumMemoEntries) memo entries")
        }
        memo[index] = try top()
    }

    private mutating func recall(_ index: Int) throws {
        guard let value = memo[index] else { throw fail("memo entry \(index) was never stored") }
        try push(value)
    }

    // MARK: the interpreter

    private mutating func run() throws -> PickleValue {
        while true {
            let opcode = try takeInteger(UInt8.self)
            switch opcode {
            case 0x80: _ = try takeInteger(UInt8.self)  // PROTO
            case 0x95: _ = try takeInteger(UInt64.self)  // FRAME (size hint only)
            case 0x2E: return try pop()  // STOP
            case 0x28:  // MARK
                guard markPositions.count < Self.maximumStackDepth else { throw fail("too many nested MARKs") }
                markPositions.append(stack.count)
            case 0x7D: try push(try newDict())  // EMPTY_DICT
            case 0x5D: try push(try newList())  // EMPTY_LIST
            case 0x29: try push(try tuple([]))  // EMPTY_TUPLE
            case 0x74: try push(try tuple(try popToMark()))  // TUPLE
            case 0x85: try push(try tuple([try pop()]))  // TUPLE1
            case 0x86:  // TUPLE2
                let second = try pop()
                let first = try pop()
                try push(try tuple([first, second]))
            case 0x87:  // TUPLE3
                let third = try pop()
                let second = try pop()
                let first = try pop()
                try push(try tuple([first, second, third]))
            case 0x58: try push(.string(try takeString(length: UInt64(try takeInteger(UInt32.self)))))  // BINUNICODE
            case 0x8C: try push(.string(try takeString(length: UInt64(try takeInteger(UInt8.self)))))  // SHORT_BINUNICODE
            case 0x8D: try push(.string(try takeString(length: try takeInteger(UInt64.self))))  // BINUNICODE8
            case 0x4A: try push(.int(Int(try takeInteger(Int32.self))))  // BININT
            case 0x4B: try push(.int(Int(try takeInteger(UInt8.self))))  // BININT1
            case 0x4D: try push(.int(Int(try takeInteger(UInt16.self))))  // BININT2
            case 0x8A: try push(.int(try takeLong1()))  // LONG1
            case 0x4E: try push(.none)  // NONE
            case 0x88: try push(.bool(true))  // NEWTRUE
            case 0x89: try push(.bool(false))  // NEWFALSE
            case 0x47:
                try push(.float(Double(bitPattern: UInt64(bigEndian: UInt64(littleEndian: try takeInteger(UInt64.self))))))  // BINFLOAT (big-endian)
            case 0x71: try remember(Int(try takeInteger(UInt8.self)))  // BINPUT
            case 0x72: try remember(Int(try takeInteger(UInt32.self)))  // LONG_BINPUT
            case 0x94: try remember(memo.count)  // MEMOIZE
            case 0x68: try recall(Int(try takeInteger(UInt8.self)))  // BINGET
            case 0x6A: try recall(Int(try takeInteger(UInt32.self)))  // LONG_BINGET
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popToMark()  // POP_MARK
            case 0x32: try push(try top())  // DUP
            case 0x73:  // SETITEM
                let value = try pop()
                let key = try pop()
                try dictionary(try top(), opcode: "SETITEM").items.append((key, value))
            case 0x75:  // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
                let target = try dictionary(try top(), opcode: "SETITEMS")
                for index in stride(from: 0, to: items.count, by: 2) {
                    target.items.append((items[index], items[index + 1]))
                }
            case 0x61:  // APPEND
                let value = try pop()
                try list(try top(), opcode: "APPEND").items.append(value)
            case 0x65:  // APPENDS
                let items = try popToMark()
                try list(try top(), opcode: "APPENDS").items.append(contentsOf: items)
            case 0x63:  // GLOBAL
                let module = try takeLine()
                let name = try takeLine()
                try push(.global(try resolve(module: module, name: name)))
            case 0x93:  // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard case .string(let nameText) = name, case .string(let moduleText) = module else {
                    throw fail("STACK_GLOBAL operands are not strings")
                }
                try push(.global(try resolve(module: moduleText, name: nameText)))
            case 0x52:  // REDUCE
                let arguments = try pop()
                let callable = try pop()
                let result = try TorchPickleCalls.reduce(callable, arguments, fail: fail)
                if case .dict(let dict) = result { try register(dict) }
                try push(result)
            case 0x62:  // BUILD
                let state = try pop()
                try TorchPickleCalls.build(try top(), state: state, fail: fail)
            case 0x51:  // BINPERSID
                try push(try TorchPickleCalls.persistentLoad(try pop(), fail: fail))
            default:
                position -= 1
                throw fail("opcode 0x\(String(opcode, radix: 16)) is not one a state dict uses")
            }
        }
    }

    private func resolve(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name) else {
            throw ModelError.forbiddenPickle(
                path: path,
                reason:
                    "global '\(module).\(name)' is not allowed (only OrderedDict, torch tensor rebuilders and float/integer storages are)"
            )
        }
        return global
    }

    /// LONG1: a little-endian two's-complement integer of up to 8 bytes.
    private mutating func takeLong1() throws -> Int {
        let length = Int(try takeInteger(UInt8.self))
        guard length <= 8 else { throw fail("LONG1 integer of \(length) bytes does not fit 64 bits") }
        let bytes = try take(length)
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        if length > 0, length < 8, bytes[length - 1] & 0x80 != 0 {
            value |= UInt64.max << (8 * UInt64(length))  // sign-extend
        }
        return Int(Int64(bitPattern: value))
    }

    private func dictionary(_ value: PickleValue, opcode: String) throws -> PickleDict {
        guard case .dict(let dict) = value else { throw fail("\(opcode) on a \(value.kind), not a dict") }
        return dict
    }

    private func list(_ value: PickleValue, opcode: String) throws -> PickleList {
        guard case .list(let list) = value else { throw fail("\(opcode) on a \(value.kind), not a list") }
        return list
    }
}
