// swift-tools-version:6.0
// The Hypencoder package. Dependencies flow one way (DESIGN.md §6):
//   hypencoderd → HypencoderDaemon → CoreScheduling, HypencoderRPC, HypencoderIndex, HypencoderModel, HypencoderWorkspace, CommandLineOptions
//   HypencoderModel → CBLAS, CVectorKernels, CoreScheduling, HypencoderWeights, HypencoderTokenizer, SeededRandom,
//     TensorFiles (the bf16 conversion the index uses, for the bf16 q-net)
//   HypencoderWeights → TensorFiles
//   HypencoderIndex → CoreScheduling, SeededRandom, TensorFiles (it sees the model only through its DocumentScorer protocol)
//   hypencoder-model → HypencoderModel, HypencoderRPC (its BEIR reader), CommandLineOptions
//   Clients/hypencoder → HypencoderRPC + the leaves CommandLineOptions, TensorFiles (no BLAS, no model, no libuv)
//   CommandLineOptions: leaf (the option tables that parse argv and render --help for all three)
//   HypencoderWorkspace: leaf (a folder of text files as passages: ignore rules, walk, splitting)
//   CoreScheduling: leaf (the threads that run one request's pieces on every core, fairly)
//   TensorFiles: leaf (mmap, .npy and safetensors headers, f16/bf16 conversion for weights and index)
//   FuzzTargets, hypencoder-fuzz, FuzzRegressionTests: the fuzz targets, their libFuzzer driver, their replay (Docs/testing.md)
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
        // Test support only: the LD_PRELOAD library that injects disk faults (Tests/FaultShim).
        .library(name: "HypencoderFaultShim", type: .dynamic, targets: ["FaultShim"]),
    ],
    targets: [
        // C: thin wrappers only.
        .target(
            name: "CBLAS",
            path: "Sources/CBLAS",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // The C kernels: GELU and softmax exponentials compiled for SSE2 and for AVX2 and
        // chosen at run time, which a Swift module (one target CPU) cannot do; the bf16 q-net
        // GEMM; the few-row GEMM of a query's products (AVX2+FMA). Optimised in debug builds
        // too (the tests encode real text); no FMA is contracted, only written out.
        .target(
            name: "CVectorKernels",
            path: "Sources/CVectorKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]
        ),
        .systemLibrary(name: "CJansson", path: "Sources/CJansson"),
        .systemLibrary(name: "CUV", path: "Sources/CUV"),

        // Leaf: the one seeded generator shared by the index, the model, tests and benchmarks.
        .target(
            name: "SeededRandom"
        ),
        // Leaf: the one copy of each file-format utility (mmap, .npy and safetensors headers,
        // half floats) that the weight loader and the index's import share.
        .target(
            name: "TensorFiles",
            swiftSettings: numericSettings
        ),
        .target(
            name: "HypencoderWeights",
            dependencies: ["TensorFiles"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "HypencoderTokenizer"
        ),
        // Leaf: one declarative option table for the three executables' parsing and --help.
        .target(
            name: "CommandLineOptions"
        ),
        // Leaf: the daemon's threads that split one request over the cores (issue 11).
        .target(
            name: "CoreScheduling"
        ),
        .target(
            name: "HypencoderModel",
            dependencies: [
                "CBLAS", "CVectorKernels", "CoreScheduling", "HypencoderWeights", "HypencoderTokenizer", "SeededRandom",
                "TensorFiles",
            ],
            swiftSettings: numericSettings
        ),
        .target(
            name: "HypencoderIndex",
            dependencies: ["CoreScheduling", "SeededRandom", "TensorFiles"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "HypencoderRPC",
            dependencies: ["CJansson"],
            // Release builds call libm's round() directly; nothing else pulls libm into the
            // thin client, which links no BLAS and no Foundation maths.
            linkerSettings: [.linkedLibrary("m")]
        ),
        // Leaf: a folder of text files as passages (ignore rules, walk, line-based splitting).
        .target(
            name: "HypencoderWorkspace"
        ),
        .target(
            name: "HypencoderDaemon",
            dependencies: [
                "CUV", "CoreScheduling", "HypencoderRPC", "HypencoderIndex", "HypencoderModel", "HypencoderWorkspace",
                "CommandLineOptions",
            ]
        ),
        .executableTarget(
            name: "hypencoderd",
            dependencies: ["HypencoderDaemon"]
        ),
        .executableTarget(
            name: "hypencoder-model",
            // HypencoderRPC for the one BEIR reader `hypencoder eval` uses too.
            dependencies: ["HypencoderModel", "HypencoderRPC", "CommandLineOptions"],
            swiftSettings: numericSettings
        ),
        .executableTarget(
            name: "hypencoder",
            // Leaves only besides the protocol: no BLAS, no model, no libuv.
            dependencies: ["HypencoderRPC", "CommandLineOptions", "TensorFiles"],
            path: "Clients/hypencoder"
        ),
        .executableTarget(
            name: "IndexBenchmarks",
            dependencies: ["HypencoderDaemon", "HypencoderIndex", "HypencoderModel"],
            path: "Benchmarks/IndexBenchmarks",
            swiftSettings: numericSettings
        ),
        .executableTarget(
            name: "DaemonBenchmarks",
            dependencies: ["CoreScheduling", "HypencoderDaemon", "HypencoderRPC"],
            path: "Benchmarks/DaemonBenchmarks"
        ),
        .executableTarget(
            name: "ExactSearchRate",
            dependencies: ["CoreScheduling", "HypencoderModel", "HypencoderRPC"],
            path: "Benchmarks/ExactSearchRate",
            swiftSettings: numericSettings
        ),
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: ["HypencoderModel"],
            path: "Benchmarks/ModelBenchmarks",
            swiftSettings: numericSettings
        ),

        // Makes chosen file operations fail in a process it is preloaded into (issue 15's
        // injected faults; Tests/python/test_injected_faults.py).
        .target(
            name: "FaultShim",
            path: "Tests/FaultShim",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        .executableTarget(
            name: "IndexCrashWriter",
            dependencies: ["HypencoderIndex", "SeededRandom"],
            path: "Tests/IndexCrashWriter"
        ),
        .testTarget(
            name: "CoreSchedulingTests",
            dependencies: ["CoreScheduling"]
        ),
        .testTarget(
            name: "HypencoderModelTests",
            dependencies: ["HypencoderModel", "CVectorKernels", "TensorFiles"]
        ),
        .testTarget(
            name: "TensorFilesTests",
            dependencies: ["TensorFiles"]
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
            dependencies: [
                "CoreScheduling", "HypencoderIndex", "HypencoderModel", "SeededRandom", "IndexCrashWriter", "TensorFiles",
            ],
            exclude: ["Fixtures"]
        ),
        // What the daemon and client tests share: product lookup, temporary directories, a
        // real daemon per test, child processes, the shared RPCClient's test-only abilities.
        .target(
            name: "HypencoderTestSupport",
            dependencies: ["HypencoderRPC"],
            path: "Tests/HypencoderTestSupport"
        ),
        .testTarget(
            name: "HypencoderDaemonTests",
            dependencies: ["HypencoderDaemon", "HypencoderRPC", "HypencoderTestSupport", "hypencoderd"]
        ),
        .testTarget(
            name: "HypencoderClientTests",
            // hypencoder-model for the test that `rank` and `eval` read a collection alike;
            // CommandLineOptions for the tests of the two tools' option tables.
            dependencies: [
                "HypencoderRPC", "HypencoderTestSupport", "hypencoder", "hypencoderd", "hypencoder-model", "CommandLineOptions",
            ]
        ),
        .testTarget(
            name: "HypencoderRPCTests",
            dependencies: ["HypencoderRPC"]
        ),
        .testTarget(
            name: "HypencoderWorkspaceTests",
            dependencies: ["HypencoderWorkspace"]
        ),
        .testTarget(
            name: "CommandLineOptionsTests",
            dependencies: ["CommandLineOptions"]
        ),

        // Fuzzing (Docs/testing.md): one function per parser of untrusted bytes, the driver that
        // Scripts/fuzz builds with -sanitize=fuzzer,address (a replay tool in ordinary builds), and
        // the test that replays the seeds and the regression inputs through every target.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "HypencoderRPC", "HypencoderDaemon", "HypencoderIndex", "HypencoderModel", "HypencoderWeights",
                "HypencoderTokenizer",
                "TensorFiles",
            ],
            path: "Tests/Fuzz/FuzzTargets"
        ),
        .systemLibrary(name: "CLibFuzzer", path: "Tests/Fuzz/CLibFuzzer"),
        .executableTarget(
            name: "hypencoder-fuzz",
            dependencies: ["FuzzTargets", "CLibFuzzer"],
            path: "Tests/Fuzz/Driver"
        ),
        .testTarget(
            name: "FuzzRegressionTests",
            dependencies: ["FuzzTargets"],
            path: "Tests/Fuzz/RegressionTests"
        ),
    ],
    swiftLanguageModes: [.v5]
)
