// `hwnas measure`: run random whole networks of a space on this CPU and
// compare each with the latency the profile's cost models predict.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasLUT

struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Measure random networks end to end and report the profile's latency prediction error (MAPE, within 10%/5%).")

    @Option(help: "Search space: a name in search-spaces/, a .yaml path, or a space plugin id.") var space: String
    @Option(name: .customLong("space-option"), help: "Option KEY=VALUE for the space's plugin (repeatable).")
    var spaceOptions: [String] = []
    @Option(help: "Hardware profile (name or path) whose cost models predict latency_ms.") var profile: String
    @Option(help: "Networks to run.") var samples = 50
    @Option(help: "Seed of the network sample.") var seed: UInt64 = 99
    @Option(help: "Measured runs per network.") var repeats = 10
    @Option(help: "Unmeasured runs per network.") var warmup = 3
    @Option(help: "OpenBLAS threads (default: the profile's provenance threads, else 1).") var threads: Int?
    @Flag(help: "Print one line per network.") var verbose = false
    @OptionGroup var paths: PluginPathOptions

    func validate() throws {
        guard samples >= 1, repeats >= 1, warmup >= 0 else { throw ValidationError("--samples and --repeats must be at least 1, --warmup at least 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let registry = paths.registry()
            let s = try SpaceCatalog.load(space, registry: registry, overrides: try keyValues(spaceOptions, flag: "--space-option"))
            let p = try HardwareProfile.load(profile)
            var st = CPUProfileSettings()
            st.threads = threads ?? Int(p.provenance["threads"] ?? "") ?? 1
            st.repeats = repeats; st.warmup = warmup; st.seed = seed
            CPUExecutor.setThreads(st.threads)
            let prof = try CPULatencyProfiler(space: s, registry: registry, settings: st)
            let costs = try HardwareCosts(profile: p, space: s, cspace: CSearchSpace(s), registry: registry, networks: prof.networks)
            guard let column = costs.metricNames.firstIndex(of: "latency_ms") else {
                throw HwnasError("profile \(p.name) predicts no latency_ms (it reports: \(costs.metricNames.joined(separator: ", ")))")
            }
            var measured: [Double] = [], predicted: [Double] = [], missing = 0
            for g in prof.randomGenotypes(samples, seed: seed) {
                let pred = try costs.costs([g])[0][column]
                guard pred.isFinite else { missing += 1; continue }
                let (m, _) = try prof.measureNetwork(g)
                measured.append(m); predicted.append(pred)
                if verbose { print(String(format: "%9.4f ms measured  %9.4f predicted  %+6.1f%%  %@", m, pred, 100 * (pred - m) / m, s.canonical(g))) }
            }
            guard !measured.isEmpty else { throw HwnasError("profile \(p.name) predicted no latency for any of the \(samples) networks") }
            print("profile \(p.name), \(st.threads) thread(s), \(measured.count) networks (\(missing) without a prediction), median measured \(String(format: "%.3f", measured.sorted()[measured.count / 2])) ms")
            print("prediction vs measured: \(FitMetrics(predicted: predicted, measured: measured))")
        }
    }
}
