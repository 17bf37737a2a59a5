import CVectorKernels
import TensorFiles

/// A query's q-net prepared to score bf16 document rows with bf16 GEMMs (issue 12;
/// DESIGN.md §3.4): the weights of every hidden layer are rounded to bfloat16 and packed
/// once per query, then each block of documents goes through
///
///     C = A·Wᵀ  (A, W bf16; products summed in fp32 by VDPBF16PS)
///     y = LN(act(C + b)) [+ x]   (fp32, the same fused pass as the fp32 path)
///
/// and y, rounded to bf16, is the next layer's A. The documents are read as stored, never
/// widened, except where a residual needs the layer's input in fp32; the final weight w_n
/// stays fp32 (one SGEMV). Scores therefore equal an fp32 q-net evaluated on bf16-rounded
/// weights, documents and activations, up to the order of the fp32 sums (BFloat16QNetTests).
///
/// `instruction` picks VDPBF16PS (only on a CPU that has it: `BFloat16Kernel.choose`) or
/// the portable emulation of its arithmetic, which only tests use: everywhere else the daemon
/// scores bf16 rows with the fp32 path (`QNet.score`) after widening them.
///
/// Immutable and `Sendable` like `QNet`; each thread scores with its own `QNetWorkspace`.
public struct BFloat16QNet: Sendable {
    public let qnet: QNet
    /// Per hidden layer, `hc_bf16_pack` of its weight.
    let packedWeights: [[UInt16]]
    public let instruction: Bool

    /// Nil when a hidden layer has an odd number of inputs (the kernel multiplies pairs).
    public init?(_ qnet: QNet, instruction: Bool) {
        guard qnet.layers.allSatisfy({ $0.inputs % 2 == 0 }) else { return nil }
        self.qnet = qnet
        self.instruction = instruction
        packedWeights = qnet.layers.map { layer in
            [UInt16](unsafeUninitializedCapacity: hc_bf16_packed_count(Int32(layer.outputs), Int32(layer.inputs))) {
                buffer, initialized in
                layer.weight.withUnsafeBufferPointer {
                    hc_bf16_pack($0.baseAddress!, Int32(layer.outputs), Int32(layer.inputs), buffer.baseAddress!)
                }
                initialized = buffer.count
            }
        }
    }

    public var inputDimension: Int { qnet.inputDimension }

    /// Scores `count` rows of `inputDimension` bf16 values (raw 16-bit patterns, row-major)
    /// into `scores[0..<count]`, a block of `workspace.blockSize` rows at a time.
    public func score(
        bfloat16Documents documents: UnsafeRawPointer, count: Int, into scores: UnsafeMutablePointer<Float>,
        workspace: QNetWorkspace
    ) {
        let dimension = inputDimension
        let block = workspace.blockSize
        let (first, second) = workspace.buffers(count: block * qnet.maximumWidth)
        let half = workspace.bfloat16Buffer(count: block * qnet.maximumWidth)
        let rowsIn = documents.assumingMemoryBound(to: UInt16.self)
        var start = 0
        while start < count {
            let rows = min(block, count - start)
            var inputHalf = UnsafePointer(rowsIn + start * dimension)
            // The fp32 form of the layer's input, for a residual (and the final SGEMV when
            // there are no hidden layers).
            var inputFloat = UnsafePointer(second)
            if qnet.layers.first?.residual ?? true {
                HalfFloat.bfloat16.widen(inputHalf, count: rows * dimension, into: second)
            }
            var output = first
            for (j, layer) in qnet.layers.enumerated() {
                packedWeights[j].withUnsafeBufferPointer { packed in
                    hc_bf16_gemm(
                        Int32(rows), Int32(layer.outputs), Int32(layer.inputs), inputHalf, layer.inputs,
                        packed.baseAddress!, output, layer.outputs, instruction ? 1 : 0)
                }
                qnet.finishLayer(layer, rows: rows, input: inputFloat, output: output)
                if j + 1 < qnet.layers.count {
                    HalfFloat.bfloat16.narrow(output, count: rows * layer.outputs, into: half)
                    inputHalf = UnsafePointer(half)
                }
                inputFloat = UnsafePointer(output)
                output = output == first ? second : first
            }
            qnet.finalLayer(rows: rows, input: inputFloat, into: scores + start)
            start += rows
        }
    }
}

/// How this process scores bf16 indexes, chosen once from the CPU and
/// `HYPENCODER_BF16_KERNEL`: VDPBF16PS where the CPU has AVX512_BF16, else the fp32 path on
/// widened rows. `HYPENCODER_BF16_KERNEL=off` forces the fp32 path; `=emulate` runs the bf16
/// kernel's portable emulation (many times slower: for testing the bf16 path end to end on a
/// CPU without the instruction).
/// `hc_bf16_gemm`'s arguments but the last (m, n, k, a, lda, packed, c, ldc).
typealias BFloat16GEMM = (
    Int32, Int32, Int32, UnsafePointer<UInt16>, Int, UnsafePointer<UInt16>, UnsafeMutablePointer<Float>, Int
) -> Void

public enum BFloat16Kernel: Equatable, Sendable {
    case instruction
    case emulation
    case fp32Path(reason: String)

    /// The environment variable, and the values it takes.
    public static let environmentVariable = "HYPENCODER_BF16_KERNEL"
    public static let settings = ["off", "emulate"]

    public static func choose(environment: [String: String]) -> BFloat16Kernel {
        switch environment[environmentVariable] {
        case "off": return .fp32Path(reason: "\(environmentVariable)=off")
        case "emulate": return .emulation
        default:
            guard hc_cpu_has_avx512_bf16() != 0 else { return .fp32Path(reason: "this CPU has no AVX512_BF16") }
            if let disagreement = instructionDisagreement() {
                return .fp32Path(reason: "the AVX512_BF16 kernel failed its start-up check: \(disagreement)")
            }
            return .instruction
        }
    }

    /// Runs one product with whole tiles and both tails through the instruction (or
    /// `candidate`, which tests use to check this check) and through the emulation, and says
    /// how they differ when they differ by more than fp32 summation order can explain (nil
    /// when they agree). A wrong kernel must not score anyone's search: like the OpenBLAS
    /// kernel check at load (DESIGN.md §5), a failure falls back to the path known to be right
    /// and says why. Without a candidate, call only where the CPU has the instruction.
    static func instructionDisagreement(candidate: BFloat16GEMM? = nil) -> String? {
        let (m, n, k) = (13, 80, 96)
        var state: UInt32 = 12345
        func next() -> Float {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int32(bitPattern: state >> 8) - (1 << 23)) / Float(1 << 23)
        }
        let a = (0..<(m * k)).map { _ in hc_bf16_from_float(3 * next()) }
        let w = (0..<(n * k)).map { _ in next() }
        var packed = [UInt16](repeating: 0, count: hc_bf16_packed_count(Int32(n), Int32(k)))
        hc_bf16_pack(w, Int32(n), Int32(k), &packed)
        var emulated = [Float](repeating: 0, count: m * n)
        var tested = [Float](repeating: .nan, count: m * n)
        hc_bf16_gemm(Int32(m), Int32(n), Int32(k), a, k, packed, &emulated, n, 0)
        let gemm = candidate ?? { hc_bf16_gemm($0, $1, $2, $3, $4, $5, $6, $7, 1) }
        gemm(Int32(m), Int32(n), Int32(k), a, k, packed, &tested, n)
        for i in 0..<(m * n) where !(abs(tested[i] - emulated[i]) <= 1e-4 * max(1, abs(emulated[i]))) {
            return "element \(i / n),\(i % n) is \(tested[i]), the emulation gives \(emulated[i])"
        }
        return nil
    }

    /// The bf16 q-net for `qnet` on this path (nil on the fp32 path, or for odd widths).
    public func prepare(_ qnet: QNet) -> BFloat16QNet? {
        switch self {
        case .instruction: return BFloat16QNet(qnet, instruction: true)
        case .emulation: return BFloat16QNet(qnet, instruction: false)
        case .fp32Path: return nil
        }
    }

    /// One log line: the path bf16 indexes are scored on and why.
    public var summary: String {
        switch self {
        case .instruction: return "bf16 vectors are scored by the bf16 q-net kernel (AVX512_BF16)"
        case .emulation:
            return
                "bf16 vectors are scored by the bf16 q-net kernel's emulation (\(Self.environmentVariable)=emulate; slow, for tests)"
        case .fp32Path(let reason): return "bf16 vectors are widened and scored by the fp32 path (\(reason))"
        }
    }

    /// Why `environment`'s setting is ignored, or nil when it is unset or valid.
    public static func ignoredSetting(in environment: [String: String]) -> String? {
        EnvironmentSwitch.ignoredSetting(environmentVariable, in: environment, accepted: settings)
    }
}
