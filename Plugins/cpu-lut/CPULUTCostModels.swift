// Lookup-table cost models.
//  - `cpu-lut`: per-operator table measured by `hwnas profile cpu` (or
//    tools/gpu-lut). Each layer of the expanded network is keyed by (op, in
//    shape, out shape, kernel, stride, groups, expansion, residual); latency =
//    scale * sum of medians + network + per-layer overheads. Options: file.
//    Metrics latency_ms, params, macs. A key not in the table gives NaN and
//    a warning in the host log naming the key.
//  - `lut-features`: a table fitted by `hwnas lut fit` over genotype features
//    (additive or nb201-live). Options: file, features, metric.
import CHwnasABI
import HwnasLUT
import HwnasPluginSupport

final class CPULUTCostModel: CostModel {
    let metricNames = ["latency_ms", "params", "macs"]
    let lut: OperatorLUT
    let file: String
    let logger: HostLogger
    /// Candidates priced NaN, said the 1st, 2nd, 4th... time, not per call.
    private let nanLatency = RepeatedWarning()

    init(options: PluginOptions, logger: HostLogger) throws {
        file = try options.require("file")
        do { lut = try OperatorLUT.read(file) } catch { throw PluginError("\(error)") }
        if lut.entries.isEmpty { throw PluginError("\(file): no operator rows") }
        self.logger = logger
    }

    /// The table key of a layer; a 1.0 record (no IR attributes) gets the
    /// pre-1.1 key.
    static func key(_ l: NetworkView.Layer) -> OperatorKey {
        OperatorKey(op: l.op, inC: l.inC, inH: l.inH, inW: l.inW, outC: l.outC, outH: l.outH, outW: l.outW,
                    kernel: l.kernel, stride: l.stride, groups: l.groups, expansion: l.expansion, residual: l.isResidual,
                    attrs: !l.hasAttributes ? "" : OperatorKey.attributes(
                        kernelH: l.kernelH, kernelW: l.kernelW, strideH: l.strideH, strideW: l.strideW,
                        dilationH: l.dilationH, dilationW: l.dilationW, pads: (l.padTop, l.padLeft, l.padBottom, l.padRight),
                        preActivation: l.preActivation, activation: l.activation, batchNorm: l.batchNorm == HWNAS_BN_FOLDED,
                        shuffleGroups: l.shuffleGroups, hiddenC: l.hiddenC, hiddenActivation: l.hiddenActivation,
                        gateActivation: l.gateActivation))
    }

    func estimate(_ batch: CandidateBatch) throws -> [[Double]] {
        var missing: [String] = []
        let rows = batch.networks.enumerated().map { i, net -> [Double] in
            guard let net else {
                missing.append("\(batch.archStrings[i]): no expanded network (the profile needs an operator set)")
                return [.nan, .nan, .nan]
            }
            let params = Double(net.layers.reduce(Int64(0)) { $0 + $1.params })
            let macs = Double(net.layers.reduce(Int64(0)) { $0 + $1.macs })
            switch lut.predict(net.layers.map(Self.key)) {
            case .latency(let ms): return [ms, params, macs]
            case .missing(let k):
                missing.append("\(batch.archStrings[i]): operator \(k) is not in \(file)")
                return [.nan, params, macs]
            }
        }
        if let first = missing.first, let total = nanLatency.add(missing.count) {
            logger.warning("cpu-lut: \(total) candidate(s) so far got NaN latency (unknown operators); e.g. \(first)")
        }
        return rows
    }

    func explain(_ batch: CandidateBatch) throws -> String? {
        guard let net = batch.networks.first ?? nil else { return "no expanded network" }
        let keys = net.layers.map(Self.key)
        let known = keys.filter { lut.entry($0) != nil }.count
        let top = keys.compactMap { k in lut.entry(k).map { (k, $0.medianMs) } }.sorted { $0.1 > $1.1 }.prefix(3)
        return "\(known)/\(keys.count) layers in \(file); slowest: " + top.map { "\($0.0) \(String(format: "%.4f", $0.1)) ms" }.joined(separator: "; ")
    }
}

final class FeatureTableCostModel: CostModel {
    let metricNames: [String]
    let table: FeatureTable
    /// Predictions are raised to it (a fitted table never prices <= 0).
    let floor: Double

    init(space: SearchSpaceView, options: PluginOptions) throws {
        floor = try options.double("floor", default: -Double.infinity)
        let file = try options.require("file")
        let name = options["features"] ?? "additive"
        do {
            let f = try GenotypeFeatures(kind: try FeatureSetKind(named: name), dimNames: space.dimNames, choiceNames: space.choiceNames)
            table = try FeatureTable.read(file, features: f)
        } catch let e as PluginError { throw e } catch { throw PluginError("\(error)") }
        metricNames = [options["metric"] ?? "latency_ms"]
    }

    func estimate(_ batch: CandidateBatch) throws -> [[Double]] {
        batch.genotypes.map { [max(table.predict($0), floor)] }
    }
}

nonisolated(unsafe) private let plugin = PluginExport(costModels: [
    CostModelKind(PluginDescriptor(id: "cpu-lut", name: "Per-operator CPU latency lookup table",
                                   description: "Sum of measured operator medians over the expanded network (option file)",
                                   options: [.path("file", "the table written by `hwnas profile cpu` (<stem>.lut.csv)")])) { _, o, log in
        try CPULUTCostModel(options: o, logger: log)
    },
    CostModelKind(PluginDescriptor(id: "lut-features", name: "Fitted feature lookup table",
                                   description: "Latency from a table fitted by `hwnas lut fit` (options file, features, metric)",
                                   options: [.path("file", "the table written by `hwnas lut fit`"),
                                             .string("features", "additive", choices: FeatureSetKind.allCases.map(\.rawValue), "the feature set it was fitted on"),
                                             .string("metric", "latency_ms", "the metric's name"),
                                             .double("floor", nil, 0...Double.greatestFiniteMagnitude, "predictions below it are raised to it (`hwnas profile fit` sets half the smallest measurement)")])) { s, o, _ in
        try FeatureTableCostModel(space: s, options: o)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
