// swift-tools-version:6.0
// The Hypencoder package. Dependencies flow one way (DESIGN.md §6):
//   hypencoderd → HypencoderDaemon → HypencoderRPC, HypencoderIndex, HypencoderModel
//   HypencoderModel → CBLAS, HypencoderWeights, HypencoderTokenizer, SeededRandom
//   HypencoderIndex → SeededRandom (it sees the model only through its DocumentScorer protocol)
//   Clients/hypencoder → HypencoderRPC only (no BLAS, no model)
import PackageDescription

/// Release builds of the numeric code drop bounds checks in the hot loops; debug keeps them.
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))
]

let package = Package(
    name: "Hypencoder",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hypencoderd", targets: ["hypencoderd"]),
        .executable(name: "hypencoder-model", targets: ["hypencoder-model"]),
        .executable(name: "hypencoder", targets: ["hypencoder"]),
        .library(name: "HypencoderModel", targets: ["HypencoderModel"]),
        .library(name: "HypencoderRPC", targets: ["HypencoderRPC"]),
    ],
    targets: [
        // C: thin wrappers only.
        .target(
            name: "CBLAS",
            path: "Sources/CBLAS",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        .systemLibrary(name: "CJansson", path: "Sources/CJansson"),
        .systemLibrary(name: "CUV", path: "Sources/CUV"),

        // Leaf: the one seeded generator shared by the index, the model, tests and benchmarks.
        .target(
            name: "SeededRandom"
        ),
        .target(
            name: "HypencoderWeights",
            swiftSettings: numericSettings
        ),
        .target(
            name: "HypencoderTokenizer"
        ),
        .target(
            name: "HypencoderModel",
            dependencies: ["CBLAS", "HypencoderWeights", "HypencoderTokenizer", "SeededRandom"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "HypencoderIndex",
            dependencies: ["SeededRandom"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "HypencoderRPC",
            dependencies: ["CJansson"],
            // Release builds call libm's round() directly; nothing else pulls libm into the
            // thin client, which links no BLAS and no Foundation maths.
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(
            name: "HypencoderDaemon",
            dependencies: ["CUV", "HypencoderRPC", "HypencoderIndex", "HypencoderModel"]
        ),
        .executableTarget(
            name: "hypencoderd",
            dependencies: ["HypencoderDaemon"]
        ),
        .executableTarget(
            name: "hypencoder-model",
            dependencies: ["HypencoderModel"],
            swiftSettings: numericSettings
        ),
        .executableTarget(
            name: "hypencoder",
            dependencies: ["HypencoderRPC"],
            path: "Clients/hypencoder"
        ),
        .executableTarget(
            name: "IndexBenchmarks",
            dependencies: ["HypencoderIndex", "HypencoderModel"],
            path: "Benchmarks/IndexBenchmarks",
            swiftSettings: numericSettings
        ),
        .executableTarget(
            name: "DaemonBenchmarks",
            dependencies: ["HypencoderDaemon", "HypencoderRPC"],
            path: "Benchmarks/DaemonBenchmarks"
        ),
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: ["HypencoderModel"],
            path: "Benchmarks/ModelBenchmarks",
            swiftSettings: numericSettings
        ),

        .executableTarget(
            name: "IndexCrashWriter",
            dependencies: ["HypencoderIndex", "SeededRandom"],
            path: "Tests/IndexCrashWriter"
        ),
        .testTarget(
            name: "HypencoderModelTests",
            dependencies: ["HypencoderModel"]
        ),
        .testTarget(
            name: "HypencoderWeightsTests",
            dependencies: ["HypencoderWeights"]
        ),
        .testTarget(
            name: "HypencoderTokenizerTests",
            dependencies: ["HypencoderTokenizer"]
        ),
        .testTarget(
            name: "HypencoderIndexTests",
            // The model only for the graph tests' real q-nets over SciFact vectors.
            dependencies: ["HypencoderIndex", "HypencoderModel", "SeededRandom", "IndexCrashWriter"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "HypencoderDaemonTests",
            dependencies: ["HypencoderDaemon", "HypencoderRPC", "hypencoderd"]
        ),
        .testTarget(
            name: "HypencoderClientTests",
            dependencies: ["HypencoderRPC", "hypencoder", "hypencoderd"]
        ),
        .testTarget(
            name: "HypencoderRPCTests",
            dependencies: ["HypencoderRPC"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
