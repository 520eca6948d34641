// `hwnas profile cpu`: measure a per-operator latency lookup table on this CPU.
import ArgumentParser
import Foundation
import HwnasCore

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Measure hardware lookup tables.", subcommands: [CPU.self])

    struct CPU: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cpu",
            abstract: "Time every (operator, shape) of a space on this CPU and write a cpu-lut profile.",
            discussion: "--runtime executor (default) times hwnas's own float32 executor (OpenBLAS); --runtime onnxruntime times each layer exported to ONNX in ONNX Runtime (python3 with onnxruntime; tools/onnxruntime/ort_timer.py), the runtime people deploy, and records its version in the provenance. The space decides the input size; give --space-option input_size=64 (nb201, fbnet) or a space file for another.")

        @Option(help: "Search space: a name in search-spaces/, a .yaml path, or a space plugin id.") var space: String
        @Option(name: .customLong("space-option"), help: "Option KEY=VALUE for the space's plugin (repeatable).")
        var spaceOptions: [String] = []
        @Option(help: "Output profile (.yaml); the table goes next to it as <stem>.lut.csv.") var out: String
        @Option(help: "Where to time: executor (hwnas's, OpenBLAS) or onnxruntime.") var runtime: RuntimeChoice = .executor
        @Option(help: "Threads (OpenBLAS's, or ONNX Runtime's intra-op threads).") var threads = 1
        @Option(help: "Measured runs per operator.") var repeats = 30
        @Option(help: "Unmeasured runs before measuring.") var warmup = 5
        @Option(help: "Random networks whose layers join the table.") var sampleNetworks = 200
        @Option(help: "Random networks run end to end to fit the overhead terms (0: none).") var calibrate = 30
        @Option(help: "Seed.") var seed: UInt64 = 1
        @OptionGroup var paths: PluginPathOptions

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
            guard warmup >= 0, sampleNetworks >= 0, calibrate >= 0 else {
                throw ValidationError("--warmup, --sample-networks and --calibrate must be at least 0")
            }
        }

        func run() throws {
            try reportingErrors {
                var st = CPUProfileSettings()
                st.threads = threads; st.repeats = repeats; st.warmup = warmup; st.sampleNetworks = sampleNetworks
                st.calibrate = calibrate; st.seed = seed
                // Check where the results go before spending minutes measuring.
                try OutputFile.check(out, flag: "--out")
                let registry = paths.registry()
                let s = try SpaceCatalog.load(space, registry: registry, overrides: try keyValues(spaceOptions, flag: "--space-option"))
                let p = try CPULatencyProfiler(space: s, registry: registry, settings: st, runtime: try runtime.make(threads: threads))
                let t0 = Date()
                var lut = try p.measure { done, total in
                    if done % 10 == 0 || done == total { FileHandle.standardError.write(Data("\rmeasured \(done)/\(total) operator configurations".utf8)) }
                }
                FileHandle.standardError.write(Data("\n".utf8))
                try p.calibrate(&lut)
                let coverage = try p.coverage(lut)
                try p.write(lut, to: out, coveragePct: coverage)
                print(String(format: "%d configurations; calibration: scale %.4f, network overhead %.4f ms; %.1f s",
                             lut.entries.count, lut.scale, lut.networkOverheadMs, Date().timeIntervalSince(t0)))
                print(String(format: "covers every layer of %.1f%% of 1000 other random networks%@", coverage,
                             coverage < 100 ? " (the rest get no latency: raise --sample-networks or narrow the space with --space-option)" : ""))
                print("wrote \(out)")
            }
        }
    }
}
