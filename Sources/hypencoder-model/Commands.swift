import CommandLineOptions

// The command list and `hypencoder-model --help`. (Outside `main.swift`, so tests can read
// the tables: globals there exist only once the program's top level runs.)

/// A subcommand: its table, and how to run it with what the table accepted.
let commands: [(options: OptionTable, run: (ParsedArguments) throws -> Void)] = [
    (InfoCommand.options, { try InfoCommand($0).run() }),
    (ScoreCommand.options, { try ScoreCommand($0).run() }),
    (RankCommand.options, { try RankCommand($0).run() }),
]

let overview = OptionTable(
    command: "hypencoder-model",
    discussion: "The model engine without a daemon.",
    options: [.help],
    usage: ["hypencoder-model COMMAND [OPTIONS]", "hypencoder-model COMMAND --help"],
    sections: [
        HelpSection("Commands", rows: commands.map { ($0.options.name, $0.options.abstract) }),
        HelpSection(
            "Environment",
            rows: [
                ("OPENBLAS_CORETYPE", "force an OpenBLAS kernel (default: chosen for this CPU)"),
                ("HYPENCODER_BLAS_SELECT", "\"off\" leaves the kernel choice to OpenBLAS"),
                ("HYPENCODER_OPENBLAS", "path or soname of the OpenBLAS library to load"),
                ("HYPENCODER_VECTOR_KERNELS", "\"baseline\" runs the GELU and softmax loops without AVX2"),
                ("HYPENCODER_FEW_ROWS_GEMM", "\"off\" runs a query's products in SGEMM, not the AVX2 kernel"),
            ]),
        HelpSection("Exit status", rows: [("0", "ok"), ("1", "model or input error"), ("64", "usage error")]),
    ])
