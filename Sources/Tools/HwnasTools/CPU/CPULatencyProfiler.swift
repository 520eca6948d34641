// `hwnas profile cpu`: measures every (operator, shape) a space's networks
// contain on this CPU, in a LatencyRuntime (hwnas's executor or ONNX
// Runtime), and writes an OperatorLUT plus a hardware profile.
//
// Which configurations: the union over networks of the space, from the
// "uniform" genotypes (every dim the same choice: covers each choice at each
// position, including shape-changing replacements) plus `sampleNetworks`
// random ones (covers what depends on neighbours: nb201 adds and zero
// cells). Each layer is timed alone inside a network whose earlier layers
// have run once, so its inputs hold realistic values: `warmup` unmeasured
// runs, then `repeats` measured ones; the median is the table value.
//
// Overheads: `calibrate` random networks are run end to end and the
// measurement is fitted (least squares, relative weights) as
//   scale * (sum of medians) + network constant.
// They model what isolated timing misses or adds: caches that are warm when
// a layer is timed alone (its weights) or in a network (its input, just
// written by the previous layer), and the fixed cost of a run. The per-layer
// term of the format stays 0 here: with ~20 networks it is not separable
// from the scale (layer count and sum are strongly correlated).
import HwnasCore
import Foundation
import HwnasLUT
import HwnasOps

public struct CPUProfileSettings: Sendable {
    public var threads = 1
    public var warmup = 5
    public var repeats = 30
    public var sampleNetworks = 200
    public var calibrate = 30
    public var seed: UInt64 = 1
    /// The command, for the provenance.
    public var tool = "hwnas profile cpu"
    public init() {}
}

public struct CPULatencyProfiler {
    public let space: SearchSpace
    public let settings: CPUProfileSettings
    public let networks: NetworkFactory
    public let runtime: LatencyRuntime

    /// `runtime` nil: hwnas's executor with settings.threads.
    public init(space: SearchSpace, registry: PluginRegistry, settings: CPUProfileSettings, runtime: LatencyRuntime? = nil) throws {
        self.space = space; self.settings = settings
        networks = try NetworkFactory(space: space, registry: registry)
        self.runtime = runtime ?? ExecutorLatencyRuntime(threads: settings.threads)
    }

    public func randomGenotypes(_ n: Int, seed: UInt64) -> [[Int32]] {
        var rng = SplitMix64(state: seed)
        return (0..<n).map { _ in space.choiceCounts.map { Int32.random(in: 0..<Int32($0), using: &rng) } }
    }

    public func network(_ g: [Int32]) throws -> Network { try networks.build(g).network }

    /// Unique configurations with one (network, layer index) that has each.
    public func configurations() throws -> [(key: OperatorKey, network: [Int32], layer: Int)] {
        let uniform = (0..<(space.choiceCounts.max() ?? 0)).map { c in space.choiceCounts.map { Int32(min(c, $0 - 1)) } }
        var seen: [OperatorKey: ([Int32], Int)] = [:], order: [OperatorKey] = []
        for g in uniform + randomGenotypes(settings.sampleNetworks, seed: settings.seed) {
            for (i, l) in try network(g).layers.enumerated() {
                let k = OperatorKey(l)
                if seen[k] == nil { seen[k] = (g, i); order.append(k) }
            }
        }
        return order.map { ($0, seen[$0]!.0, seen[$0]!.1) }
    }

    /// Measures every configuration; `progress` gets (done, total).
    public func measure(progress: (Int, Int) -> Void = { _, _ in }) throws -> OperatorLUT {
        let configs = try configurations()
        var byNetwork: [[Int32]: [(OperatorKey, Int)]] = [:], netOrder: [[Int32]] = []
        for c in configs {
            if byNetwork[c.network] == nil { netOrder.append(c.network) }
            byNetwork[c.network, default: []].append((c.key, c.layer))
        }
        var rows: [OperatorKey: OperatorLUT.Entry] = [:], done = 0
        for g in netOrder {
            let todo = byNetwork[g]!
            let samples = try runtime.timeLayers(try network(g), layers: todo.map(\.1), warmup: settings.warmup,
                                                 repeats: settings.repeats, seed: settings.seed)
            for ((key, _), s) in zip(todo, samples) {
                rows[key] = .init(samples: s)
                done += 1
                progress(done, configs.count)
            }
        }
        return OperatorLUT(entries: rows)
    }

    /// Share (%) of `count` fresh random networks whose every layer is in
    /// the table: a network with a missing layer gets no latency (NaN), so a
    /// latency constraint treats it as infeasible.
    public func coverage(_ lut: OperatorLUT, count: Int = 1000) throws -> Double {
        let gs = randomGenotypes(count, seed: settings.seed &+ 0xC0FE)
        let covered = try gs.filter { g in try network(g).layers.allSatisfy { lut.entry(OperatorKey($0)) != nil } }.count
        return 100 * Double(covered) / Double(max(1, gs.count))
    }

    /// End-to-end median of one network (ms).
    public func measureNetwork(_ g: [Int32]) throws -> (median: Double, layers: [OperatorKey]) {
        let net = try network(g)
        let s = try runtime.timeNetwork(net, warmup: settings.warmup, repeats: settings.repeats, seed: settings.seed)
        return (OperatorLUT.Entry(samples: s).medianMs, net.layers.map(OperatorKey.init))
    }

    /// Fits `scale` and `networkOverheadMs` from `calibrate` networks;
    /// returns a warning when the fit had to be constrained.
    @discardableResult
    public func calibrate(_ lut: inout OperatorLUT) throws -> String? {
        guard settings.calibrate >= 3 else { return nil }
        let base = lut.withoutOverheads
        var sums: [Double] = [], medians: [Double] = []
        for g in randomGenotypes(settings.calibrate, seed: settings.seed &+ 7777) {
            let (m, keys) = try measureNetwork(g)
            guard case .latency(let sum) = base.predict(keys) else { continue }
            sums.append(sum); medians.append(m)
        }
        guard medians.count >= 3 else { return nil }
        let fit = try Self.fitCalibration(sums: sums, medians: medians)
        lut.networkOverheadMs = fit.constant; lut.scale = fit.scale; lut.perLayerOverheadMs = 0
        return fit.warning
    }

    /// measured = constant + scale x (sum of the table's medians), least
    /// squares in relative error. A negative constant or scale would predict
    /// negative latencies for small networks (seen on a busy machine: scale
    /// 2.26, constant -1.55 ms): the fit is then through the origin
    /// (constant 0), and the warning says so.
    public static func fitCalibration(sums: [Double], medians: [Double]) throws -> (constant: Double, scale: Double, warning: String?) {
        guard sums.count == medians.count, sums.count >= 3, medians.allSatisfy({ $0 > 0 && $0.isFinite }),
              sums.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw HwnasError("calibration needs at least 3 networks with positive measured and table latencies")
        }
        let a: [Double] = sums.flatMap { s -> [Double] in [1, s] }
        let (x, _) = try LeastSquares.solve(a, rows: sums.count, cols: 2, medians, weights: medians.map { 1 / $0 })
        if x[0] >= 0, x[1] > 0 { return (x[0], x[1], nil) }
        let scale = try LeastSquares.solve(sums, rows: sums.count, cols: 1, medians, weights: medians.map { 1 / $0 }).x[0]
        guard scale > 0, scale.isFinite else { throw HwnasError("calibration failed: no positive scale fits the measured networks") }
        let crossing = x[1] > 0 ? String(format: " for networks under %.3g ms of table time", -x[0] / x[1]) : ""
        let warning = String(format: "calibration: the free fit (scale %.4f, constant %.4f ms) predicts negative latencies%@; "
                             + "fitted through the origin instead (scale %.4f, constant 0). Measurements this far from the table "
                             + "often mean a busy machine: profile again on an idle one.", x[1], x[0], crossing, scale)
        return (0, scale, warning)
    }

    /// The CPU's model name from /proc/cpuinfo.
    public static var cpuModel: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// Writes PROFILE (.yaml) and its table `<stem>.lut.csv` next to it.
    public func write(_ lut: OperatorLUT, to profilePath: String, coveragePct: Double? = nil) throws {
        let url = URL(fileURLWithPath: profilePath)
        let stem = url.deletingPathExtension().lastPathComponent
        let csvName = "\(stem).lut.csv"
        try OutputFile.write(lut.csv, to: url.deletingLastPathComponent().appendingPathComponent(csvName).path, flag: "--out")
        // A space with one input size gets it recorded (the profile then
        // refuses spaces built for another); a searchable resolution does not.
        let inputs = Set(try configurations().map { try networks.build($0.network).tensor(0) }.map { [$0.c, $0.h, $0.w] })
        var inputLines = ""
        if inputs.count == 1, let i = inputs.first {
            inputLines = "input:\n  channels: \(i[0])\n  height: \(i[1])\n  width: \(i[2])\n"
        }
        let y = """
        # Written by `\(settings.tool)`; see docs/lut-format.md and docs/cpu-latency.md.
        name: \(stem)
        description: "\(space.name) float32 latency lookup table (\(runtime.deviceDescription), \(settings.threads) thread(s), \(runtime.name))"
        \(inputLines)provenance:
          tool: \(settings.tool)
          date: "\(ISO8601DateFormatter().string(from: Date()))"
          cpu: "\(Self.cpuModel)"
          logical_cpus: \(ProcessInfo.processInfo.activeProcessorCount)
        \(runtime.provenance.map { "  \($0.key): \($0.value)" }.joined(separator: "\n"))
          space: \(space.name)
          configurations: \(lut.entries.count)
          warmup: \(settings.warmup)
          repeats: \(settings.repeats)
          statistic: median
          sample_networks: \(settings.sampleNetworks)\(coveragePct.map { "\n  coverage_pct: \(String(format: "%.1f", $0))" } ?? "")
          calibration_networks: \(settings.calibrate)
          seed: \(settings.seed)
        latency:
          model: cpu-lut
          file: \(csvName)

        """
        try OutputFile.write(y, to: profilePath, flag: "--out")
    }
}
