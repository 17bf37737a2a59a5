/// One fast pass over a tensor's F32 values: a 64-bit content hash and whether every value
/// is finite.
///
/// The fingerprint must cover ~550 MB of weights in well under a second, which rules out
/// running SHA-256 over the values. Instead each tensor gets this hash: four independent
/// lanes (so the multiplies overlap in the pipeline) each absorb every fourth 32-bit
/// pattern with xor-multiply-rotate steps, and the lanes, the element count and a final
/// avalanche are combined at the end. It is not cryptographic; it only needs to change when
/// any value changes. The SHA-256 over the per-tensor hashes then identifies the model.
/// Bit patterns are hashed, so the result is independent of the storage format the values
/// came from (F16 widened to F32 hashes like the same F32 stored directly).
struct TensorDigest {
    var hash: UInt64
    var allFinite: Bool

    private static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let seeds: (UInt64, UInt64, UInt64, UInt64) =
        (0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344, 0xA409_3822_299F_31D0, 0x082E_FA98_EC4E_6C89)

    init(_ values: [Float]) {
        var lanes = Self.seeds
        var nonFinite: UInt32 = 0
        values.withUnsafeBufferPointer { floats in
            floats.withMemoryRebound(to: UInt32.self) { words in
                let count = words.count
                let blocks = count / 4
                for block in 0..<blocks {
                    let base = block * 4
                    let (w0, w1, w2, w3) = (words[base], words[base + 1], words[base + 2], words[base + 3])
                    lanes.0 = Self.absorb(lanes.0, w0)
                    lanes.1 = Self.absorb(lanes.1, w1)
                    lanes.2 = Self.absorb(lanes.2, w2)
                    lanes.3 = Self.absorb(lanes.3, w3)
                    nonFinite |=
                        Self.exponentAllOnes(w0) | Self.exponentAllOnes(w1)
                        | Self.exponentAllOnes(w2) | Self.exponentAllOnes(w3)
                }
                for index in (blocks * 4)..<count {
                    lanes.0 = Self.absorb(lanes.0, words[index])
                    nonFinite |= Self.exponentAllOnes(words[index])
                }
            }
        }
        var combined = UInt64(values.count) &* Self.multiplier
        for lane in [lanes.0, lanes.1, lanes.2, lanes.3] {
            combined = Self.avalanche(combined ^ lane) &* Self.multiplier
        }
        hash = Self.avalanche(combined)
        allFinite = nonFinite == 0
    }

    @inline(__always)
    private static func absorb(_ lane: UInt64, _ word: UInt32) -> UInt64 {
        let mixed = (lane ^ UInt64(word)) &* multiplier
        return (mixed << 29) | (mixed >> 35)
    }

    /// 1 when the float's exponent bits are all ones (infinity or NaN), else 0.
    @inline(__always)
    private static func exponentAllOnes(_ word: UInt32) -> UInt32 {
        (word & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0
    }

    /// The splitmix64 finaliser: spreads every input bit over the whole output.
    private static func avalanche(_ value: UInt64) -> UInt64 {
        var x = value
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}
