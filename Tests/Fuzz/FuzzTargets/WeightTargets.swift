import HypencoderIndex
import HypencoderWeights
import TensorFiles

/// `.safetensors` files, read by the two code paths that take them from users: the weight
/// loader (`WeightFile.read`, as `Checkpoint.load` reads `model.safetensors`) and the index's
/// bulk import (`MatrixFile`, `hypencoder add --vectors`), both on `SafetensorsHeader`.
///
/// Invariants: every entry the header accepts lies inside the file and inside the data
/// region, and tensors do not overlap; what the loader returns has as many values as its
/// shape says; an accepted matrix's rows all read.
enum SafetensorsTarget {
    static let target = FuzzTarget(
        name: "safetensors",
        summary: "SafetensorsHeader, WeightFile.read (model.safetensors) and MatrixFile (.safetensors import)",
        maxLength: 8192,
        seeds: seeds,
        run: run)

    static func run(_ input: UnsafeRawBufferPointer) {
        if let header = try? SafetensorsHeader(parsing: input, path: "input.safetensors") {
            var previousEnd = 0
            for entry in header.entries.sorted(by: { $0.begin < $1.begin }) where entry.end > entry.begin {
                FuzzCheck.require(entry.begin >= previousEnd, "tensor '\(entry.name)' overlaps the one before it")
                previousEnd = entry.end
                let region = header.data(of: entry, in: input)
                FuzzCheck.require(region != nil, "accepted tensor '\(entry.name)' has no data region")
                if let region {
                    FuzzCheck.require(
                        region.baseAddress! >= input.baseAddress! + header.dataStart
                            && region.baseAddress! + region.count <= input.baseAddress! + input.count,
                        "tensor '\(entry.name)' data lies outside the data region")
                }
            }
        }
        let path = Scratch.directory + "/model.safetensors"
        Scratch.write(input, to: path)
        readWeights(path)
        readMatrix(path)
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        fixtureSeeds(
            ["float16.safetensors", "bfloat16.safetensors", "module_state.safetensors", "tiny_hypencoder/model.safetensors"]
                .map { "Tests/Fixtures/weights/" + $0 }
                + ["vectors_f32.safetensors", "vectors_bf16.safetensors", "bad_two_tensors.safetensors"]
                .map { "Tests/HypencoderIndexTests/Fixtures/" + $0 })
    }
}

/// `pytorch_model.bin` (a `torch.save` zip), read as the weight loader does: zip directory
/// (zip64 included), the restricted unpickler, storages and strided views.
enum TorchZipTarget {
    static let target = FuzzTarget(
        name: "torch-zip",
        summary: "WeightFile.read on pytorch_model.bin: ZipArchive, RestrictedUnpickler, strided views",
        maxLength: 8192,
        seeds: seeds,
        run: run)

    static func run(_ input: UnsafeRawBufferPointer) {
        let path = Scratch.directory + "/pytorch_model.bin"
        Scratch.write(input, to: path)
        readWeights(path)
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        fixtureSeeds(
            [
                "shared_storage.bin", "noncontiguous.bin", "float16.bin", "bfloat16.bin", "module_state.bin",
                "hostile_os_system.bin", "tiny_hypencoder/pytorch_model.bin",
            ].map { "Tests/Fixtures/weights/" + $0 })
    }
}

/// The restricted unpickler alone: the input is a `data.pkl`, placed in a `torch.save` zip
/// beside storages `0`…`47` (128 bytes each, as many and as large as the fixtures'), so the fuzzer spends its time on the pickle
/// machine (opcodes, memo, stack, the allowed globals, persistent ids, views) rather than on
/// the zip around it.
enum PickleTarget {
    static let storages: [(name: String, data: [UInt8])] = (0..<48).map { key in
        var data: [UInt8] = []
        for index in 0..<32 { data.appendLE(Float(index % 7 - 3).bitPattern) }
        return (name: "archive/data/\(key)", data: data)
    }

    static let target = FuzzTarget(
        name: "pickle",
        summary: "RestrictedUnpickler (data.pkl of a torch.save zip) and the tensor views it builds",
        maxLength: 4096,
        seeds: seeds,
        run: run)

    static func run(_ input: UnsafeRawBufferPointer) {
        let archive = Zip.stored(
            [(name: "archive/data.pkl", data: Array(input)), (name: "archive/version", data: Array("3\n".utf8))]
                + storages)
        let path = Scratch.directory + "/pickle.bin"
        Scratch.write(archive, to: path)
        readWeights(path)
    }

    /// The `data.pkl` of every fixture archive.
    static func seeds() -> [(name: String, bytes: [UInt8])] {
        TorchZipTarget.seeds().compactMap { seed in
            Zip.entries(seed.bytes).first { $0.name.hasSuffix("data.pkl") }.map { (name: seed.name, bytes: $0.data) }
        }
    }
}

/// Reads a weight file with integer buffers converted too (the widest path) and checks the
/// tensors' shapes against their value counts.
func readWeights(_ path: String) {
    guard let (tensors, _) = try? WeightFile.read(path: path, integerBuffers: true) else { return }
    for (name, tensor) in tensors {
        let count = tensor.shape.reduce(1 as Int?) { product, extent in
            product.flatMap { $0.multipliedReportingOverflow(by: extent).overflow ? nil : $0 * extent }
        }
        FuzzCheck.require(
            count == tensor.values.count, "tensor '\(name)' has shape \(tensor.shape) but \(tensor.values.count) values")
    }
}

/// Opens a matrix for import and reads every row (at most the first 4096).
func readMatrix(_ path: String) {
    guard let matrix = try? MatrixFile(path: path) else { return }
    for row in 0..<min(matrix.rows, 4096) {
        guard let values = try? matrix.row(row) else {
            return FuzzCheck.require(false, "row \(row) of an accepted \(matrix.rows)×\(matrix.columns) matrix does not read")
        }
        FuzzCheck.require(values.count == matrix.columns, "row \(row) has \(values.count) values, not \(matrix.columns)")
    }
}

/// Repository files as seeds, named by their path (missing ones skipped).
func fixtureSeeds(_ paths: [String]) -> [(name: String, bytes: [UInt8])] {
    paths.compactMap { path in
        Repository.bytes(path).map { (name: path.replacingOccurrences(of: "/", with: "_"), bytes: $0) }
    }
}
