// `hwnas profile cpu|gpu`: measure a per-operator latency lookup table.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Measure hardware lookup tables, or fit one for a new device from a few timings.",
        subcommands: [CPU.self, GPU.self, Sample.self, Fit.self])

    /// What both subcommands take.
    struct Options: ParsableArguments {
        @Option(help: "Search space: a name in search-spaces/, a .yaml path, or a space plugin id.") var space: String
        @Option(name: .customLong("space-option"), help: "Option KEY=VALUE for the space's plugin (repeatable).")
        var spaceOptions: [String] = []
        @Option(help: "Output profile (.yaml); the table goes next to it as <stem>.lut.csv.") var out: String
        @Option(help: "Threads (OpenBLAS's, ONNX Runtime's intra-op, or torch's on the CPU).") var threads = 1
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

        func run(tool: String, runtime: RuntimeChoice, device: DeviceChoice) throws {
            try reportingErrors {
                var st = CPUProfileSettings()
                st.threads = threads; st.repeats = repeats; st.warmup = warmup; st.sampleNetworks = sampleNetworks
                st.calibrate = calibrate; st.seed = seed; st.tool = tool
                // Check where the results go before spending minutes measuring.
                try OutputFile.check(out, flag: "--out")
                let registry = paths.registry()
                let s = try SpaceCatalog.load(space, registry: registry, overrides: try keyValues(spaceOptions, flag: "--space-option"))
                let p = try CPULatencyProfiler(space: s, registry: registry, settings: st,
                                               runtime: try runtime.make(device: device, threads: threads))
                let t0 = Date()
                var lut = try p.measure { done, total in
                    if done % 10 == 0 || done == total { FileHandle.standardError.write(Data("\rmeasured \(done)/\(total) operator configurations".utf8)) }
                }
                FileHandle.standardError.write(Data("\n".utf8))
                if let warning = try p.calibrate(&lut) { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
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

    struct CPU: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cpu",
            abstract: "Time every (operator, shape) of a space on this CPU and write a cpu-lut profile.",
            discussion: "--runtime executor (default) times hwnas's own float32 executor (OpenBLAS); --runtime onnxruntime (or torch) times each layer exported to ONNX in ONNX Runtime (or PyTorch) through tools/timers/onnx_timer.py, and records the runtime and its version in the provenance. The space decides the input size; give --space-option input_size=64 (nb201, fbnet) or a space file for another.")

        @OptionGroup var options: Options
        @Option(help: "Where to time: executor (hwnas's, OpenBLAS), onnxruntime or torch.") var runtime: RuntimeChoice = .executor

        func run() throws { try options.run(tool: "hwnas profile cpu", runtime: runtime, device: .cpu) }
    }

    struct GPU: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gpu",
            abstract: "Time every (operator, shape) of a space on a CUDA GPU (PyTorch or ONNX Runtime) and write a cpu-lut profile.",
            discussion: "Each layer and each calibration network is exported to ONNX and timed by tools/timers/onnx_timer.py: in PyTorch (--runtime torch, the model run by tools/timers/onnx_torch.py) or ONNX Runtime's CUDA execution provider (--runtime onnxruntime), CUDA events around every run. The profile's provenance names the GPU, CUDA, cuDNN and the runtime. --device cpu runs the same pipeline on the CPU (what the tests do where there is no GPU).")

        @OptionGroup var options: Options
        @Option(help: "Where to time: torch or onnxruntime.") var runtime: RuntimeChoice = .torch
        @Option(help: "cuda, or cpu to run the pipeline without a GPU.") var device: DeviceChoice = .cuda

        func validate() throws {
            if runtime == .executor { throw ValidationError("--runtime executor runs on the CPU: use hwnas profile cpu") }
        }

        func run() throws { try options.run(tool: "hwnas profile gpu", runtime: runtime, device: device) }
    }
}
