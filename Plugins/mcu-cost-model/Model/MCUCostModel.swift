// The MCU cost model's formulas (int8 inference on a microcontroller):
//   runtime tflm (default): TensorFlow Lite Micro's memory, for the ops an
//               int8 conversion holds (TFLMGraph):
//     peak SRAM = tensor arena (TFLM's greedy planner) + persistent
//                 allocations (TFLMArena) + runtime_sram_kb (outside the arena)
//     flash     = the .tflite file (TFLiteFileSize) + runtime_flash_kb
//   runtime tinyengine: MCUNet's TinyEngine (TinyEngineSchedule):
//     peak SRAM = activations placed by its first-fit planner + its static
//                 im2col and kernel buffers + runtime_sram_kb
//     flash     = int8 weights + int32 bias and scale per output channel
//                 + other constants + runtime_flash_kb
//   runtime ideal: a lower bound
//     peak SRAM = max over layers of live activation bytes (int8: 1 byte per
//                 element, MemoryPlanner, in place where allowed) + runtime_sram_kb
//     flash     = weights x 1 B (int8) + biases x 4 B (int32)
//                 + layers x layer_overhead_bytes + runtime_flash_kb
//   cycles    = sum over layers of MACs x cycles_per_mac(op class)
//               + outputs of convs and linears x cycles_per_output
//               + elementwise elements x cycles_per_elem_eltwise + layer_overhead_cycles
//   latency   = cycles / clock
//   energy    = active power x latency, or MACs x energy per MAC
import HwnasOps

public enum OpClass: String, Sendable, CaseIterable {
    case conv, depthwise, linear, pool, eltwise, free
}

public struct MCUEstimate: Sendable {
    public var peakSRAMBytes: Int64        // activations + runtime
    /// runtime ideal: the layer and tensors at the peak.
    public var activationPeak: LayerMemory?
    /// runtime tflm: the arena's head and tail.
    public var arena: TFLMArenaEstimate?
    /// runtime tinyengine: its activations and static buffers.
    public var tinyEngine: TinyEngineMemory? = nil
    public var flashBytes: Int64
    public var cycles: Double
    public var latencyMs: Double
    public var energyMJ: Double?
    public var params: Int64
    public var macs: Int64
    public var peakSRAMKB: Double { Double(peakSRAMBytes) / 1024 }
    public var flashKB: Double { Double(flashBytes) / 1024 }
}

public struct MCUCostModel: Sendable {
    public let profile: MCUProfile
    public init(profile: MCUProfile) { self.profile = profile }

    /// Metric names in the order of `metrics(_:)`.
    public var metricNames: [String] {
        ["peak_sram_kb", "flash_kb", "latency_ms", "params", "macs"] + (hasEnergy ? ["energy_mj"] : [])
    }
    var hasEnergy: Bool { profile.activePowerMW != nil || profile.energyPJPerMAC != nil }

    /// Throws OpError when the runtime has no form for an operator (tflm).
    public func metrics(_ n: Network) throws -> [Double] {
        guard profile.runtime == .ideal else {
            let e = try estimate(n)
            return row(sramBytes: e.peakSRAMBytes, flashBytes: e.flashBytes, latencyMs: e.latencyMs, params: e.params, macs: e.macs)
        }
        var s = MCUNetworkSummary(n)
        return metrics(&s)
    }

    /// The metrics of runtime ideal from a summary (the plugin's fast path;
    /// metricNames order).
    public func metrics(_ s: inout MCUNetworkSummary) -> [Double] {
        let activations = s.peakBytes()
        var cycles = 0.0, weights: Int64 = 0, biases: Int64 = 0, params: Int64 = 0, macs: Int64 = 0
        for l in s.layers {
            cycles += self.cycles(l)
            weights += l.weightElems; biases += l.biasElems; params += l.params; macs += l.macs
        }
        return row(sramBytes: activations + runtimeSRAMBytes,
                   flashBytes: flashBytes(weightElems: weights, biasElems: biases, layers: s.layers.count),
                   latencyMs: cycles / (profile.clockMHz * 1_000), params: params, macs: macs)
    }

    /// One row in metricNames order.
    func row(sramBytes: Int64, flashBytes: Int64, latencyMs: Double, params: Int64, macs: Int64) -> [Double] {
        var out = [Double(sramBytes) / 1024, Double(flashBytes) / 1024, latencyMs, Double(params), Double(macs)]
        if hasEnergy { out.append(energy(latencyMs: latencyMs, macs: macs) ?? .nan) }
        return out
    }

    func energy(latencyMs: Double, macs: Int64) -> Double? {
        if let mw = profile.activePowerMW { return mw * latencyMs / 1_000 }
        if let pj = profile.energyPJPerMAC { return Double(macs) * pj * 1e-9 }
        return nil
    }

    public static func opClass(_ l: Layer) -> OpClass {
        opClass(name: l.op, groups: l.groups, inC: l.inShape.c, outC: l.outShape.c)
    }

    /// nil: the class depends on the shape (a conv-like op, depthwise when
    /// groups == in == out channels). Only the op name is looked at, so a
    /// caller may cache the answer per name.
    public static func nameClass(_ op: String) -> OpClass? {
        switch op {
        case "dwconv2d": return .depthwise
        case "linear": return .linear
        case "avgpool", "maxpool", "global_avgpool": return .pool
        case "add", "batchnorm", "zero", "squeeze_excite", "concat": return .eltwise
        case "identity": return .free
        default: return nil   // conv2d, relu_conv_bn, pwconv2d, ... and ops of other sets
        }
    }

    public static func opClass(name: String, groups: Int, inC: Int, outC: Int) -> OpClass {
        nameClass(name) ?? (groups > 1 && groups == inC && inC == outC ? .depthwise : .conv)
    }

    /// Cycles of one layer on this MCU.
    public func cycles(_ l: Layer) -> Double {
        cycles(MCULayerSummary(opClass: Self.opClass(l), isAdd: l.op == "add", input: 0, input2: -1, output: 0, inPlace: false,
                               residual: l.flags.contains(.residual), macs: l.macs, outElements: l.outShape.elements,
                               params: l.params, weightElems: l.weightElems, biasElems: l.biasElems))
    }

    public func cycles(_ l: MCULayerSummary) -> Double {
        let p = profile
        var c = p.layerOverheadCycles
        switch l.opClass {
        case .conv: c += Double(l.macs) * p.cyclesPerMACConv + Double(l.outElements) * p.cyclesPerOutput
        case .depthwise: c += Double(l.macs) * p.cyclesPerMACDepthwise + Double(l.outElements) * p.cyclesPerOutput
        case .linear: c += Double(l.macs) * p.cyclesPerMACLinear + Double(l.outElements) * p.cyclesPerOutput
        case .pool: c += Double(l.macs) * p.cyclesPerMACPool
        case .eltwise: c += Double(max(l.macs, l.outElements)) * p.cyclesPerElementEltwise
        case .free: break
        }
        if l.residual { c += Double(l.outElements) * p.cyclesPerElementEltwise }
        return c
    }

    public func flashBytes(_ n: Network) -> Int64 {
        flashBytes(weightElems: n.weightElems, biasElems: n.biasElems, layers: n.layers.count)
    }

    func flashBytes(weightElems: Int64, biasElems: Int64, layers: Int) -> Int64 {
        let weights = weightElems * 1 + biasElems * 4
        let overhead = Double(layers) * profile.layerOverheadBytes + profile.runtimeFlashKB * 1024
        return weights + Int64(overhead.rounded(.up))
    }

    var runtimeSRAMBytes: Int64 { Int64((profile.runtimeSRAMKB * 1024).rounded(.up)) }
    var runtimeFlashBytes: Int64 { Int64((profile.runtimeFlashKB * 1024).rounded(.up)) }

    public func estimate(_ n: Network) throws -> MCUEstimate {
        let cycles = n.layers.reduce(0.0) { $0 + self.cycles($1) }
        let latencyMs = cycles / (profile.clockMHz * 1_000)
        let energy = self.energy(latencyMs: latencyMs, macs: n.macs)
        switch profile.runtime {
        case .tflm:
            let g = try TFLMGraph(n)
            let arena = TFLMArena.estimate(g, layout: profile.tflmLayout, kernels: profile.tflmKernels)
            return MCUEstimate(peakSRAMBytes: arena.totalBytes + runtimeSRAMBytes, activationPeak: nil, arena: arena,
                               flashBytes: g.fileBytes + runtimeFlashBytes,
                               cycles: cycles, latencyMs: latencyMs, energyMJ: energy, params: n.params, macs: n.macs)
        case .tinyengine:
            let m = TinyEngineMemory.estimate(TinyEngineSchedule(try TFLMGraph(n)))
            return MCUEstimate(peakSRAMBytes: m.totalBytes + runtimeSRAMBytes, activationPeak: nil, arena: nil, tinyEngine: m,
                               flashBytes: m.dataFlashBytes + runtimeFlashBytes,
                               cycles: cycles, latencyMs: latencyMs, energyMJ: energy, params: n.params, macs: n.macs)
        case .ideal:
            let peak = MemoryPlanner.peak(n)
            let activations = peak?.bytes ?? n.tensors.first.map { $0.elements } ?? 0
            return MCUEstimate(peakSRAMBytes: activations + runtimeSRAMBytes, activationPeak: peak, arena: nil,
                               flashBytes: flashBytes(n), cycles: cycles, latencyMs: latencyMs,
                               energyMJ: energy, params: n.params, macs: n.macs)
        }
    }

    /// Which layer and tensors set the SRAM peak, plus flash and latency shares.
    public func explain(_ n: Network) throws -> String {
        let e = try estimate(n)
        var lines: [String] = []
        var head = "peak SRAM \(formatKB(e.peakSRAMKB)) KB"
        if let cap = profile.sramKB { head += " of \(formatKB(cap)) KB" }
        head += " (runtime \(profile.runtime.rawValue)\(profile.runtime == .tflm ? ", \(profile.pointerBytes * 8)-bit, \(profile.tflmKernels.rawValue) kernels" : ""))"
        lines.append(head)
        if let a = e.arena {
            lines += explainArena(a, n)
        } else if let t = e.tinyEngine {
            lines += explainTinyEngine(t, n)
        } else if let p = e.activationPeak {
            let l = n.layers[p.layer]
            lines.append("  set at layer \(p.layer) \(l.op) [\(l.cell.isEmpty ? "-" : l.cell)] \(l.inShape) -> \(l.outShape): activations \(kb(p.bytes)) KB + runtime \(formatKB(profile.runtimeSRAMKB)) KB")
            for t in p.live where t.bytes > 0 || t.role == .outputInPlace {
                let role: String
                switch t.role {
                case .input: role = "input"
                case .input2: role = "second input"
                case .output: role = "output"
                case .outputInPlace: role = "output, written in place"
                case .kept(let until): role = until >= n.layers.count ? "kept: network output" : "kept for layer \(until) \(n.layers[until].op) [\(n.layers[until].cell)]"
                }
                lines.append("    t\(t.tensor) \(t.shape) int8 \(kb(t.bytes)) KB (\(role))")
            }
        }
        var flash = "flash \(formatKB(e.flashKB)) KB"
        if let cap = profile.flashKB { flash += " of \(formatKB(cap)) KB" }
        if let t = e.tinyEngine {
            flash += ": weights \(kb(t.weightBytes)) KB int8, biases and scales \(kb(t.biasAndScaleBytes)) KB int32\(t.constantBytes > 0 ? ", other constants \(kb(t.constantBytes)) KB" : ""), runtime \(formatKB(profile.runtimeFlashKB)) KB"
        } else if let a = e.arena {
            flash += ": .tflite \(kb(e.flashBytes - runtimeFlashBytes)) KB (weights \(kb(n.weightElems)) KB int8, biases \(kb(n.biasElems * 4)) KB int32, \(a.opCount) ops, \(a.tensorCount) tensors), runtime \(formatKB(profile.runtimeFlashKB)) KB"
        } else {
            flash += ": weights \(kb(n.weightElems)) KB int8, biases \(kb(n.biasElems * 4)) KB int32, \(n.layers.count) layers x \(Int(profile.layerOverheadBytes)) B, runtime \(formatKB(profile.runtimeFlashKB)) KB"
        }
        lines.append(flash)
        lines.append("latency \(formatMs(e.latencyMs)) ms at \(formatKB(profile.clockMHz)) MHz (\(n.macs) MACs)")
        var byClass: [OpClass: Double] = [:]
        for l in n.layers { byClass[Self.opClass(l), default: 0] += cycles(l) }
        let shares = OpClass.allCases.compactMap { c -> String? in
            guard let v = byClass[c], v > 0, e.cycles > 0 else { return nil }
            return "\(c.rawValue) \(Int((100 * v / e.cycles).rounded()))%"
        }
        if !shares.isEmpty { lines.append("  cycles by op class: " + shares.joined(separator: ", ")) }
        if let en = e.energyMJ { lines.append("energy \(formatMs(en)) mJ") }
        return lines.joined(separator: "\n")
    }
}

extension MCUCostModel {
    /// The TFLM arena in TFLM's own terms: tensor arena (head), persistent (tail).
    func explainArena(_ a: TFLMArenaEstimate, _ n: Network) -> [String] {
        let l = n.layers.indices.contains(a.liveAtLayer) ? n.layers[a.liveAtLayer] : nil
        let where_ = "TFLM op \(a.liveAtOp) \(a.liveKernel?.rawValue ?? "-")" + (l.map { " of layer \(a.liveAtLayer) \($0.op) [\($0.cell.isEmpty ? "-" : $0.cell)]" } ?? "")
        var lines = ["  tensor arena \(kb(a.headBytes)) KB: \(a.plannedCount) buffers (int8 tensors\(a.scratchCount > 0 ? ", \(a.scratchCount) kernel scratch" : ""); 16-byte aligned) placed by TFLM's greedy planner; at most \(kb(a.liveBytes)) KB are alive at once (\(where_)), so the planner's layout adds \(kb(a.headBytes - a.liveBytes)) KB"]
        lines.append("  persistent \(kb(a.tailBytes)) KB: \(a.tensorCount) tensors x \(profile.tflmLayout.evalTensor) B \(kb(a.evalTensorBytes)) KB, \(a.opCount) ops x \(profile.tflmLayout.node) B \(kb(a.nodeBytes)) KB, op data \(kb(a.opDataBytes)) KB, per-channel multipliers and shifts \(kb(a.perChannelBytes)) KB, interpreter \(kb(a.fixedBytes)) KB")
        if profile.runtimeSRAMKB > 0 { lines.append("  outside the arena: runtime_sram_kb \(formatKB(profile.runtimeSRAMKB)) KB") }
        return lines
    }

    /// TinyEngine's buffer in its own terms: activations, im2col, kernel buffer.
    func explainTinyEngine(_ t: TinyEngineMemory, _ n: Network) -> [String] {
        func layer(_ i: Int) -> String {
            guard n.layers.indices.contains(i) else { return "" }
            let l = n.layers[i]
            return " (layer \(i) \(l.op) [\(l.cell.isEmpty ? "-" : l.cell)])"
        }
        var lines = ["  activations \(kb(t.activationBytes)) KB: \(t.tensorCount) int8 tensors of \(t.opCount) kernels placed first-fit, largest first (\(t.inPlaceCount) depthwise in place); at most \(kb(t.liveBytes)) KB are alive at once (kernel \(t.liveAtOp) \(t.liveKernel?.rawValue ?? "-")\(layer(t.liveAtLayer)))"]
        lines.append("  im2col buffer \(kb(t.im2colBytes)) KB\(t.im2colBytes > 0 ? layer(t.im2colLayer) : ""), kernel buffer \(kb(t.kernelBufferBytes)) KB\(t.kernelBufferBytes > 0 ? layer(t.kernelBufferLayer) : "")")
        if profile.runtimeSRAMKB > 0 { lines.append("  besides: runtime_sram_kb \(formatKB(profile.runtimeSRAMKB)) KB") }
        return lines
    }
}

/// Bytes as KB, one decimal place.
private func kb(_ b: Int64) -> String { formatKB(Double(b) / 1024) }

/// One decimal place, without Foundation.
func formatKB(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? "\(Int(r)).0" : "\(r)"
}

/// Three decimals, without Foundation.
func formatMs(_ v: Double) -> String {
    let scaled = Int64((v * 1000).rounded())
    let whole = scaled / 1000, frac = abs(scaled % 1000)
    let f = String(frac)
    return "\(v < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: 3 - f.count))\(f)"
}
