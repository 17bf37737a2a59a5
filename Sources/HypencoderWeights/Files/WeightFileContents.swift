import TensorFiles

/// The float tensors of one weight file, widened to F32, plus what was deliberately left out.
///
/// Both readers (safetensors and PyTorch zip) produce this, so checkpoint validation does
/// not care which format the weights came in.
struct WeightFileContents {
    /// The file the tensors came from, for error messages.
    var path: String
    /// F32/F16/BF16 tensors by their stored name.
    var tensors: [String: Tensor] = [:]
    /// Non-weight buffers (integer, F64) by stored name → dtype name; kept so that a weight
    /// stored with the wrong dtype is reported as such instead of as "missing".
    var skipped: [String: String] = [:]

    init(path: String) { self.path = path }
}

/// Opens whichever weight format a path has.
enum WeightFileReader {
    /// Given every stored name, returns the names worth converting; the rest are validated
    /// (safetensors) or parsed (pickle) but never widened to F32, which saves memory for
    /// tensors nobody uses (BERT's pooler, a second copy of a shared encoder).
    typealias Selection = ([String]) -> Set<String>

    static let everything: Selection = { Set($0) }

    static func read(path: String, select: Selection = everything, integerBuffers: Bool = false) throws -> WeightFileContents {
        if path.hasSuffix(".safetensors") {
            return try SafetensorsReader.read(path: path, select: select, integerBuffers: integerBuffers)
        }
        return try TorchArchiveReader.read(path: path, select: select, integerBuffers: integerBuffers)
    }

    /// Converts an integer buffer for callers that asked for them, refusing values a Float
    /// cannot represent exactly.
    static func integerTensor(
        _ bytes: UnsafeRawBufferPointer, dtype: TensorDType, shape: [Int], count: Int, name: String, path: String
    ) throws -> Tensor {
        var inexact: Int?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            inexact = dtype.convertIntegers(bytes, count: count, into: buffer)
            initialized = count
        }
        if let inexact {
            throw ModelError.format(
                path: path,
                reason: "tensor '\(name)': \(dtype.rawValue) element \(inexact) is too large to hold exactly as a float")
        }
        return Tensor(shape: shape, values: values)
    }
}

/// Direct access to a weight file for tools (inspection, conversion checks).
public enum WeightFile {
    /// Every float tensor of a `.safetensors` file or a `torch.save` zip (any other name is
    /// read as a torch zip), widened to F32, by stored name. Integer and F64 buffers are
    /// left out and listed in `skipped` (name → dtype). The file is validated as in
    /// `Checkpoint.load`; no pickle code is ever executed.
    ///
    /// With `integerBuffers`, integer buffers (I64 `position_ids`, …) are converted to F32
    /// too, and refused if a value exceeds ±2^24 (not exactly representable).
    public static func read(
        path: String, integerBuffers: Bool = false
    ) throws -> (tensors: [String: Tensor], skipped: [String: String]) {
        let contents = try WeightFileReader.read(path: path, integerBuffers: integerBuffers)
        return (contents.tensors, contents.skipped)
    }
}
