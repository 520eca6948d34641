// `hwnas profile cpu`: measure a per-operator latency lookup table on this CPU.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasOps

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Measure hardware lookup tables.", subcommands: [CPU.self])

    struct CPU: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cpu",
            abstract: "Time every (operator, shape) of a space on this CPU (float32, OpenBLAS) and write a cpu-lut profile.")

        @Option(help: "Search space (nb201, fbnet).") var space: String
        @Option(help: "Output profile (.yaml); the table goes next to it as <stem>.lut.csv.") var out: String
        @Option(help: "OpenBLAS threads.") var threads = 1
        @Option(help: "Measured runs per operator.") var repeats = 30
        @Option(help: "Unmeasured runs before measuring.") var warmup = 5
        @Option(help: "Input height and width (3 channels).") var inputSize = 32
        @Option(help: "Random networks whose layers join the table.") var sampleNetworks = 200
        @Option(help: "Random networks run end to end to fit the overhead terms (0: none).") var calibrate = 30
        @Option(help: "Seed.") var seed: UInt64 = 1

        func run() throws {
            try reportingErrors {
                var st = CPUProfileSettings()
                st.threads = threads; st.repeats = repeats; st.warmup = warmup; st.sampleNetworks = sampleNetworks
                st.calibrate = calibrate; st.seed = seed; st.input = TensorShape(c: 3, h: inputSize, w: inputSize)
                guard threads >= 1, repeats >= 1, warmup >= 0, inputSize >= 8 else { throw HwnasError("bad --threads/--repeats/--warmup/--input-size") }
                let p = CPULatencyProfiler(space: try SearchSpace.load(space), settings: st)
                let t0 = Date()
                var lut = try p.measure { done, total in
                    if done % 10 == 0 || done == total { FileHandle.standardError.write(Data("\rmeasured \(done)/\(total) operator configurations".utf8)) }
                }
                FileHandle.standardError.write(Data("\n".utf8))
                try p.calibrate(&lut)
                try p.write(lut, to: out)
                print(String(format: "%d configurations; calibration: scale %.4f, network overhead %.4f ms; %.1f s",
                             lut.entries.count, lut.scale, lut.networkOverheadMs, Date().timeIntervalSince(t0)))
                print("wrote \(out)")
            }
        }
    }
}
