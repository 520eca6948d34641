// `hwnas measure`: run random whole networks on this CPU and compare them
// with a cpu-lut profile's sum-of-operators prediction.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasLUT
import HwnasOps

struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Measure random networks end to end and report the lookup-table prediction error (MAPE, within 10%/5%).")

    @Option(help: "Search space (nb201, fbnet).") var space: String
    @Option(help: "cpu-lut hardware profile (name or path).") var profile: String
    @Option(help: "Networks to run.") var samples = 50
    @Option(help: "Seed of the network sample.") var seed: UInt64 = 99
    @Option(help: "Measured runs per network.") var repeats = 10
    @Option(help: "Unmeasured runs per network.") var warmup = 3
    @Option(help: "OpenBLAS threads (default: the profile's).") var threads: Int?
    @Flag(help: "Print one line per network.") var verbose = false

    func run() throws {
        try reportingErrors {
            let s = try SearchSpace.load(space)
            let p = try HardwareProfile.load(profile)
            guard let section = p.sections.first(where: { $0.model == "cpu-lut" }), let file = section.options["file"] else {
                throw HwnasError("profile \(p.name) has no cpu-lut section with a file")
            }
            let lut: OperatorLUT
            do { lut = try OperatorLUT.read(file) } catch { throw HwnasError("\(error)") }
            var st = CPUProfileSettings()
            st.threads = threads ?? Int(p.provenance["threads"] ?? "") ?? 1
            st.repeats = repeats; st.warmup = warmup; st.seed = seed
            if let i = p.input { st.input = TensorShape(c: i.channels, h: i.height, w: i.width) }
            CPUExecutor.setThreads(st.threads)
            let prof = CPULatencyProfiler(space: s, settings: st)
            var measured: [Double] = [], predicted: [Double] = [], raw: [Double] = [], missing = 0
            let base = lut.withoutOverheads
            for g in prof.randomGenotypes(samples, seed: seed) {
                let (m, keys) = try prof.measureNetwork(g)
                guard case .latency(let pred) = lut.predict(keys), case .latency(let sum) = base.predict(keys) else {
                    if case .missing(let k) = lut.predict(keys) { print("not in the table: \(k) (\(s.canonical(g)))") }
                    missing += 1; continue
                }
                measured.append(m); predicted.append(pred); raw.append(sum)
                if verbose { print(String(format: "%9.4f ms measured  %9.4f predicted  %+6.1f%%  %@", m, pred, 100 * (pred - m) / m, s.canonical(g))) }
            }
            guard !measured.isEmpty else { throw HwnasError("no network could be predicted (\(missing) had operators missing from the table)") }
            let withOverhead = FitMetrics(predicted: predicted, measured: measured)
            let sumOnly = FitMetrics(predicted: raw, measured: measured)
            print("profile \(p.name), \(st.threads) thread(s), \(measured.count) networks (\(missing) skipped), median measured \(String(format: "%.3f", measured.sorted()[measured.count / 2])) ms")
            print("sum of operator medians:       \(sumOnly)")
            print("with overhead terms (profile): \(withOverhead)")
        }
    }
}
