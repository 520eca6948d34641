// Per-operator-configuration latency table (measured by `hwnas profile cpu`
// or tools/gpu-lut): one row per (op, input shape, output shape, kernel,
// stride, groups, expansion, residual, IR attributes) with the median and
// spread of its latency, plus optional overhead rows `__network__` (a constant per network),
// `__per_layer__` (a constant per executed layer) and `__scale__` (a factor
// on the sum of medians: in-network vs isolated timing). Format in
// docs/lut-format.md.
import Foundation
import HwnasTabular

public struct OperatorKey: Hashable, Sendable, CustomStringConvertible {
    public var op: String
    public var inC, inH, inW, outC, outH, outW: Int
    public var kernel, stride, groups, expansion: Int
    public var residual: Bool
    /// The rest of the ABI 1.1 IR (window, dilation, padding, activations,
    /// batch norm, shuffle, squeeze-excite), as `attributes(...)` writes it;
    /// "" in tables written before 1.1, whose rows then stand for any.
    public var attrs: String

    public init(op: String, inC: Int, inH: Int, inW: Int, outC: Int, outH: Int, outW: Int,
                kernel: Int, stride: Int, groups: Int, expansion: Int, residual: Bool, attrs: String = "") {
        self.op = op; self.inC = inC; self.inH = inH; self.inW = inW; self.outC = outC; self.outH = outH; self.outW = outW
        self.kernel = kernel; self.stride = stride; self.groups = groups; self.expansion = expansion; self.residual = residual
        self.attrs = attrs
    }

    /// kh;kw;sh;sw;dh;dw;pt-pl-pb-pr;pre;act;bn;shuffle;hidden;hidden_act;gate
    /// (activations as HWNAS_ACT_* numbers): no commas, one CSV field.
    public static func attributes(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, dilationH: Int, dilationW: Int,
                                  pads: (Int, Int, Int, Int), preActivation: Int32, activation: Int32, batchNorm: Bool,
                                  shuffleGroups: Int, hiddenC: Int, hiddenActivation: Int32, gateActivation: Int32) -> String {
        "\(kernelH);\(kernelW);\(strideH);\(strideW);\(dilationH);\(dilationW);\(pads.0)-\(pads.1)-\(pads.2)-\(pads.3);"
            + "\(preActivation);\(activation);\(batchNorm ? 1 : 0);\(shuffleGroups);\(hiddenC);\(hiddenActivation);\(gateActivation)"
    }

    /// The key of the computation as deployed: a convolution with a bias is
    /// one whether the bias is its own or a folded batch norm's, and whatever
    /// a space calls it (conv2d, pwconv2d, relu_conv_bn: the window, groups
    /// and activations are in the key). An ONNX model read back has only the
    /// deployed form, so a table finds its layers under this key.
    public var deployed: OperatorKey {
        guard Self.convolutions.contains(op) else { return self }
        var k = self
        var fields = attrs.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        let hasBias = op != "conv2d_nobias" || (fields.count > 9 && fields[9] == "1")
        if op != "dwconv2d" { k.op = hasBias ? "conv2d" : "conv2d_nobias" }
        if fields.count > 9, hasBias { fields[9] = "1"; k.attrs = fields.joined(separator: ";") }
        return k
    }
    static let convolutions: Set<String> = ["conv2d", "pwconv2d", "relu_conv_bn", "conv2d_nobias", "dwconv2d"]

    /// The same key as a table written before 1.1 has it.
    public var withoutAttributes: OperatorKey { var k = self; k.attrs = ""; return k }

    public var description: String {
        "\(op) \(inC)x\(inH)x\(inW)->\(outC)x\(outH)x\(outW) k\(kernel) s\(stride) g\(groups) e\(expansion)\(residual ? " +res" : "")"
            + (attrs.isEmpty ? "" : " [\(attrs)]")
    }

    static let columns = ["op", "in_c", "in_h", "in_w", "out_c", "out_h", "out_w", "kernel", "stride", "groups", "expansion", "residual", "attrs"]
    var fields: [String] {
        [op] + [inC, inH, inW, outC, outH, outW, kernel, stride, groups, expansion, residual ? 1 : 0].map(String.init) + [attrs]
    }
}

public struct OperatorLUT: Sendable {
    public struct Entry: Sendable {
        public var medianMs, p10Ms, p90Ms, madMs: Double
        public var repeats: Int
        public init(medianMs: Double, p10Ms: Double, p90Ms: Double, madMs: Double, repeats: Int) {
            self.medianMs = medianMs; self.p10Ms = p10Ms; self.p90Ms = p90Ms; self.madMs = madMs; self.repeats = repeats
        }
        /// Summary of raw samples (ms).
        public init(samples: [Double]) {
            let s = samples.sorted()
            func q(_ p: Double) -> Double {
                guard !s.isEmpty else { return .nan }
                let x = p * Double(s.count - 1), i = Int(x), f = x - Double(i)
                return i + 1 < s.count ? s[i] * (1 - f) + s[i + 1] * f : s[i]
            }
            let m = q(0.5)
            let dev = s.map { abs($0 - m) }.sorted()
            self.init(medianMs: m, p10Ms: q(0.1), p90Ms: q(0.9), madMs: dev.isEmpty ? .nan : dev[dev.count / 2], repeats: s.count)
        }
    }

    public let entries: [OperatorKey: Entry]
    /// The rows under their deployed keys (OperatorKey.deployed); when two
    /// rows share one, the smaller key's counts (deterministic).
    private let deployedEntries: [OperatorKey: Entry]
    /// Added once per network.
    public var networkOverheadMs: Double
    /// Added once per layer.
    public var perLayerOverheadMs: Double
    /// Multiplies the sum of the layers' medians.
    public var scale: Double

    public init(entries: [OperatorKey: Entry] = [:], networkOverheadMs: Double = 0, perLayerOverheadMs: Double = 0, scale: Double = 1) {
        self.entries = entries; self.networkOverheadMs = networkOverheadMs; self.perLayerOverheadMs = perLayerOverheadMs
        self.scale = scale
        deployedEntries = Self.deployedIndex(entries)
    }

    static func deployedIndex(_ entries: [OperatorKey: Entry]) -> [OperatorKey: Entry] {
        var out: [OperatorKey: Entry] = [:]
        for k in entries.keys.sorted(by: { $0.description < $1.description }) where out[k.deployed] == nil {
            out[k.deployed] = entries[k]
        }
        return out
    }

    /// The same table without overhead terms (plain sum of medians).
    public var withoutOverheads: OperatorLUT { OperatorLUT(entries: entries) }

    public enum Prediction: Sendable {
        case latency(Double)
        case missing(OperatorKey)
    }

    /// The row of `k`; a row of a pre-1.1 table (no attrs) stands for every
    /// attribute set of its base key.
    /// Else the row of the same deployed computation (OperatorKey.deployed).
    public func entry(_ k: OperatorKey) -> Entry? {
        entries[k] ?? (k.attrs.isEmpty ? nil : entries[k.withoutAttributes]) ?? deployedEntries[k.deployed]
    }

    /// The median of `k`: its row, or, for a layer with a residual add the
    /// table has no row for, the layer without it plus the table's `add` of
    /// its output (the same computation written as two layers, as nb201
    /// writes its sums and a model read from ONNX may not).
    public func medianMs(_ k: OperatorKey) -> Double? {
        if let e = entry(k) { return e.medianMs }
        guard k.residual else { return nil }
        var base = k
        base.residual = false
        let add = OperatorKey(op: "add", inC: k.outC, inH: k.outH, inW: k.outW, outC: k.outC, outH: k.outH, outW: k.outW,
                              kernel: 0, stride: 1, groups: 1, expansion: 0, residual: false,
                              attrs: k.attrs.isEmpty ? "" : OperatorKey.attributes(
                                kernelH: 0, kernelW: 0, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, pads: (0, 0, 0, 0),
                                preActivation: 0, activation: 0, batchNorm: false, shuffleGroups: 0, hiddenC: 0,
                                hiddenActivation: 0, gateActivation: 0))
        guard let b = entry(base), let a = entry(add) else { return nil }
        return b.medianMs + a.medianMs
    }

    /// scale * (sum of the layers' medians) + the overhead terms.
    public func predict(_ keys: [OperatorKey]) -> Prediction {
        var sum = 0.0
        for k in keys {
            guard let m = medianMs(k) else { return .missing(k) }
            sum += m
        }
        return .latency(scale * sum + networkOverheadMs + perLayerOverheadMs * Double(keys.count))
    }

    public var csv: String {
        var lines = [(OperatorKey.columns + ["median_ms", "p10_ms", "p90_ms", "mad_ms", "repeats"]).joined(separator: ",")]
        let blank = Array(repeating: "", count: OperatorKey.columns.count - 1)
        lines.append((["__network__"] + blank + [fmt(networkOverheadMs), "", "", "", "0"]).joined(separator: ","))
        lines.append((["__per_layer__"] + blank + [fmt(perLayerOverheadMs), "", "", "", "0"]).joined(separator: ","))
        lines.append((["__scale__"] + blank + [fmt(scale), "", "", "", "0"]).joined(separator: ","))
        for (k, e) in entries.sorted(by: { $0.key.description < $1.key.description }) {
            lines.append((k.fields + [fmt(e.medianMs), fmt(e.p10Ms), fmt(e.p90Ms), fmt(e.madMs), "\(e.repeats)"]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func read(_ path: String) throws -> OperatorLUT {
        let t = try CSVTable.read(path)
        let cols = try (OperatorKey.columns.filter { $0 != "attrs" } + ["median_ms"]).map { try t.column($0) }
        let attrsColumn = t.header.firstIndex(of: "attrs")
        let optional = ["p10_ms", "p90_ms", "mad_ms", "repeats"].map { t.header.firstIndex(of: $0) }
        var rows: [OperatorKey: Entry] = [:]
        var network = 0.0, perLayer = 0.0, scale = 1.0
        for (i, row) in t.rows.enumerated() {
            let median = try t.number(row[cols[12]], line: i + 2, column: "median_ms")
            switch row[cols[0]] {
            case "__network__": network = median; continue
            case "__per_layer__": perLayer = median; continue
            case "__scale__": scale = median; continue
            default: break
            }
            let ints = try (1..<12).map { c -> Int in
                guard let v = Int(row[cols[c]]) else {
                    throw CSVError("\(path):\(i + 2): \(OperatorKey.columns[c]) '\(row[cols[c]])' is not an integer")
                }
                return v
            }
            let key = OperatorKey(op: row[cols[0]], inC: ints[0], inH: ints[1], inW: ints[2], outC: ints[3], outH: ints[4],
                                  outW: ints[5], kernel: ints[6], stride: ints[7], groups: ints[8], expansion: ints[9],
                                  residual: ints[10] != 0, attrs: attrsColumn.map { row[$0] } ?? "")
            guard median >= 0 || row[cols[0]].hasPrefix("__") else {
                throw CSVError("\(path):\(i + 2): median_ms \(median): a latency cannot be negative")
            }
            let opt = optional.map { $0.flatMap { CSVTable.decimal(row[$0]) } ?? .nan }
            guard rows[key] == nil else { throw CSVError("\(path):\(i + 2): operator \(key) appears twice (which value counts?)") }
            rows[key] = Entry(medianMs: median, p10Ms: opt[0], p90Ms: opt[1], madMs: opt[2],
                                     repeats: Int(opt[3].isNaN ? 0 : opt[3]))
        }
        // Negative terms predict negative latencies for small networks (a
        // cost model then gives none, and a search calls them infeasible).
        guard network >= 0, perLayer >= 0, scale > 0, scale.isFinite else {
            throw CSVError("\(path): __network__ \(fmt(network)) ms, __per_layer__ \(fmt(perLayer)) ms, __scale__ \(fmt(scale)): "
                           + "overheads must not be negative and the scale must be positive (they predict negative latencies); "
                           + "profile again with `hwnas profile cpu`, which fits them so")
        }
        return OperatorLUT(entries: rows, networkOverheadMs: network, perLayerOverheadMs: perLayer, scale: scale)
    }
}

private func fmt(_ v: Double) -> String { String(format: "%.6g", v) }
