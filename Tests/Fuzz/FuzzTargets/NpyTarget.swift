import TensorFiles

/// `.npy` files, as `hypencoder add --vectors` imports them: `NpyHeader` (format versions
/// 1–3, the header's Python-literal dictionary) and `MatrixFile`, which maps the file and
/// reads its rows.
///
/// Invariants: an accepted header's data offset lies inside the file and the data it
/// describes fits after it; an accepted matrix's rows all read.
enum NpyTarget {
    static let target = FuzzTarget(
        name: "npy",
        summary: "NpyHeader and MatrixFile (.npy vector import)",
        maxLength: 4096,
        seeds: seeds,
        run: run)

    static func run(_ input: UnsafeRawBufferPointer) {
        if let header = try? NpyHeader(parsing: input, path: "input.npy") {
            FuzzCheck.require(header.dataOffset <= input.count, "data offset \(header.dataOffset) is past the end")
            if let dtype = header.dtype {
                FuzzCheck.require(
                    header.elementCount.multipliedReportingOverflow(by: dtype.byteSize).partialValue
                        <= input.count - header.dataOffset,
                    "\(header.elementCount) elements do not fit in the file")
            }
        }
        let path = Scratch.directory + "/vectors.npy"
        Scratch.write(input, to: path)
        readMatrix(path)
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        var seeds = fixtureSeeds(
            ["vectors_f32.npy", "vectors_f16.npy", "bad_3d.npy", "bad_fortran.npy", "bad_f64.npy"]
                .map { "Tests/HypencoderIndexTests/Fixtures/" + $0 })
        // The other header versions, written as numpy.lib.format does (padded to 64 bytes, "\n" last).
        for (version, descr) in [(2, "<f4"), (3, "<f2")] {
            var dictionary = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2, 3), }".utf8)
            let preamble = 12
            while (preamble + dictionary.count + 1) % 64 != 0 { dictionary.append(0x20) }
            dictionary.append(0x0A)
            var bytes = [0x93] + Array("NUMPY".utf8) + [UInt8(version), 0]
            bytes.appendLE(UInt32(dictionary.count))
            bytes += dictionary
            bytes += [UInt8](repeating: 0x3C, count: 6 * (descr == "<f4" ? 4 : 2))
            seeds.append((name: "version-\(version)", bytes: bytes))
        }
        return seeds
    }
}
