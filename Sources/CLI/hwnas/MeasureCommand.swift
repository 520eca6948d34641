// `hwnas measure`: run random whole networks of a space on this CPU and
// compare each with the latency the profile's cost models predict.
import ArgumentParser
import Foundation
import HwnasOps
import HwnasCore
import HwnasTools
import HwnasLUT

struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Measure random networks end to end and report the profile's latency prediction error (MAPE, within 10%/5%).",
        discussion: "--runtime and --device (default: what the profile was measured in, from its provenance) run the networks in hwnas's executor, ONNX Runtime or PyTorch, on the CPU or a CUDA GPU. --model net.onnx measures one ONNX model instead (and compares with --profile's prediction when given).")

    @Option(help: "Search space: a name in search-spaces/, a .yaml path, or a space plugin id.") var space: String?
    @Option(help: "An ONNX model to measure instead of random networks of --space.") var model: String?
    @Option(name: .customLong("space-option"), help: "Option KEY=VALUE for the space's plugin (repeatable).")
    var spaceOptions: [String] = []
    @Option(help: "Hardware profile (name or path) whose cost models predict latency_ms.") var profile: String?
    @Option(help: "Where to run: executor, onnxruntime or torch (default: the profile's runtime).") var runtime: RuntimeChoice?
    @Option(help: "cpu or cuda (default: the profile's device).") var device: DeviceChoice?
    @Option(help: "Networks to run.") var samples = 50
    @Option(help: "Seed of the network sample.") var seed: UInt64 = 99
    @Option(help: "Measured runs per network.") var repeats = 10
    @Option(help: "Unmeasured runs per network.") var warmup = 3
    @Option(help: "Threads (default: the profile's provenance threads, else 1).") var threads: Int?
    @Flag(help: "Print one line per network.") var verbose = false
    @OptionGroup var paths: PluginPathOptions

    func validate() throws {
        guard samples >= 1, repeats >= 1, warmup >= 0 else { throw ValidationError("--samples and --repeats must be at least 1, --warmup at least 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if (space == nil) == (model == nil) { throw ValidationError("give --space (random networks of a space) or --model (an ONNX file)") }
        if space != nil && profile == nil { throw ValidationError("--space needs --profile (the latency prediction to check)") }
    }

    func run() throws {
        try reportingErrors {
            let registry = paths.registry()
            let loaded = try profile.map { try HardwareProfile.load($0) }
            let nThreads = threads ?? loaded.flatMap { Int($0.provenance["threads"] ?? "") } ?? 1
            let rt = try (runtime ?? loaded.map(RuntimeChoice.init(profile:)) ?? .executor)
                .make(device: device ?? loaded.map(DeviceChoice.init(profile:)) ?? .cpu, threads: nThreads)
            if let model { return try measureModel(model, profile: loaded, runtime: rt, threads: nThreads, registry: registry) }
            let s = try SpaceCatalog.load(space!, registry: registry, overrides: try keyValues(spaceOptions, flag: "--space-option"))
            let p = loaded!
            var st = CPUProfileSettings()
            st.threads = nThreads
            st.repeats = repeats; st.warmup = warmup; st.seed = seed
            let prof = try CPULatencyProfiler(space: s, registry: registry, settings: st, runtime: rt)
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
            print("profile \(p.name), \(rt.name), \(st.threads) thread(s), \(measured.count) networks (\(missing) without a prediction), median measured \(String(format: "%.3f", measured.sorted()[measured.count / 2])) ms")
            print("prediction vs measured: \(FitMetrics(predicted: predicted, measured: measured))")
        }
    }

    /// Bytes the executor holds for `net`, about: every weight and bias, every
    /// layer's output, and the largest im2col buffer (float32; in Double, so
    /// no size overflows).
    static func executorBytes(_ net: HwnasOps.Network) -> Double {
        var total = 0.0, im2col = 0.0
        for l in net.layers {
            total += Double(l.weightElems + l.biasElems) + Double(l.outShape.elements)
            let window = Double(max(l.attrs.kernelH, 1)) * Double(max(l.attrs.kernelW, 1))
            let taps: Double = window * Double(l.inShape.c) / Double(max(l.groups, 1))
            let positions: Double = Double(l.outShape.h) * Double(l.outShape.w)
            im2col = max(im2col, taps * positions)
        }
        return 4 * (total + Double(net.tensors.first?.elements ?? 0) + im2col)
    }

    /// One ONNX model: its median in the runtime, and the profile's prediction.
    func measureModel(_ path: String, profile: HardwareProfile?, runtime rt: LatencyRuntime, threads: Int, registry: PluginRegistry) throws {
        let imported = try ImportedNetwork.load(path)
        let net = imported.network.network
        // `cost` only counts; the executor allocates: refuse what would not fit.
        let need = Self.executorBytes(net), limit = Double(ProcessInfo.processInfo.physicalMemory) / 2
        guard need <= limit else {
            throw HwnasError(String(format: "%@: running it needs about %.1f GB (weights, activations, im2col buffers); "
                                         + "this machine lets measure use %.1f GB (half its memory)", path, need / 1e9, limit / 1e9))
        }
        let samples = try rt.timeNetwork(net, warmup: warmup, repeats: repeats, seed: seed)
        let m = OperatorLUT.Entry(samples: samples)
        var line = String(format: "%@: %.4f ms median (p10 %.4f, p90 %.4f) in %@, %d thread(s), %d runs",
                          path, m.medianMs, m.p10Ms, m.p90Ms, rt.name, threads, repeats)
        if let profile {
            let costs = try HardwareCosts(profile: profile, space: nil, cspace: imported.cspace, registry: registry, networks: nil)
            if let col = costs.metricNames.firstIndex(of: "latency_ms"),
               let pred = try costs.costs(networks: [imported.network], labels: [imported.label]).first?[col], pred.isFinite {
                if profile.provenance["runtime"] != nil {
                    line += String(format: "\nprofile %@ (measured in %@) predicts %.4f ms (%+.1f%%)", profile.name,
                                   profile.provenance["runtime"]!, pred, 100 * (pred - m.medianMs) / m.medianMs)
                } else {
                    line += String(format: "\nprofile %@ predicts %.4f ms on its own device (not compared: it was not measured on this machine)", profile.name, pred)
                }
            } else {
                line += "\nprofile \(profile.name) predicts no latency for this model (a table keyed by architectures, or a layer not in its table)"
            }
        }
        print(line)
    }
}
