/// A tiny command-line reader. Each subcommand takes the flags it knows out of the list
/// (`flag`, `option`, `values`), then calls `finish`, which refuses anything left over
/// that looks like a flag, so a typo is an error (exit 64) rather than a silent no-op.
///
/// Why not swift-argument-parser: the client depends on HypencoderRPC only, and its
/// grammar is small enough that a page of code reads faster than a dependency.
struct ArgumentList {
    private(set) var items: [String]

    init(_ items: [String]) { self.items = items }

    /// True (and removed) if `name` is present.
    mutating func flag(_ name: String) -> Bool {
        guard let index = items.firstIndex(of: name) else { return false }
        items.remove(at: index)
        return true
    }

    /// The value after `name` (`-k 10`) or joined with `=` (`-k=10`), removed from the list.
    /// Given more than once, the last one wins (so a shell alias can be overridden).
    mutating func option(_ name: String) throws -> String? {
        var value: String?
        while let index = items.firstIndex(where: { $0 == name || $0.hasPrefix(name + "=") }) {
            if items[index] != name {
                value = String(items[index].dropFirst(name.count + 1))
                items.remove(at: index)
                continue
            }
            guard index + 1 < items.count else { throw ClientError.usage("\(name) needs a value") }
            value = items[index + 1]
            items.removeSubrange(index...index + 1)
        }
        return value
    }

    /// An integer option within `range`.
    mutating func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try option(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ClientError.usage("\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// Every value of a flag that takes several: `--id a b --id c` gives [a, b, c].
    /// Values run until the next argument that starts with `--`.
    mutating func values(_ name: String) -> [String] {
        var collected: [String] = []
        while let index = items.firstIndex(of: name) {
            var end = index + 1
            while end < items.count, !items[end].hasPrefix("--") { end += 1 }
            collected += items[(index + 1)..<end]
            items.removeSubrange(index..<end)
        }
        return collected
    }

    /// The remaining arguments, all positional; refuses unknown flags. A lone `--` ends
    /// flags, so `hypencoder search -- --weird-query` works.
    mutating func finish(positionals allowed: ClosedRange<Int>, usage: String) throws -> [String] {
        var positionals: [String] = []
        var flagsEnded = false
        for item in items {
            if !flagsEnded, item == "--" {
                flagsEnded = true
                continue
            }
            if !flagsEnded, item.count > 1, item.hasPrefix("-"), Double(item) == nil {
                throw ClientError.usage("unknown option \(item)\n\(usage)")
            }
            positionals.append(item)
        }
        items = []
        guard allowed.contains(positionals.count) else {
            let expected =
                allowed.lowerBound == allowed.upperBound
                ? "\(allowed.lowerBound)"
                : "\(allowed.lowerBound) to \(allowed.upperBound == Int.max ? "any number of" : String(allowed.upperBound))"
            throw ClientError.usage("expected \(expected) argument(s), got \(positionals.count)\n\(usage)")
        }
        return positionals
    }
}
