// The MCU cost model's formulas (int8 inference on a microcontroller):
//   peak SRAM = max over layers of live activation bytes (int8: 1 byte per
//               element, MemoryPlanner) + runtime_sram_kb
//   flash     = weights x 1 B (int8) + biases x 4 B (int32)
//               + layers x layer_overhead_bytes + runtime_flash_kb
//   cycles    = sum over layers of MACs x cycles_per_mac(op class)
//               + elementwise elements x cycles_per_elem_eltwise + layer_overhead_cycles
//   latency   = cycles / clock
//   energy    = active power x latency, or MACs x energy per MAC

public enum OpClass: String, Sendable, CaseIterable {
    case conv, depthwise, linear, pool, eltwise, free
}

public struct MCUEstimate: Sendable {
    public var peakSRAMBytes: Int64        // activations + runtime
    public var activationPeak: LayerMemory?
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

    public func metrics(_ n: Network) -> [Double] {
        let e = estimate(n)
        return [e.peakSRAMKB, e.flashKB, e.latencyMs, Double(e.params), Double(e.macs)] + (hasEnergy ? [e.energyMJ ?? .nan] : [])
    }

    public static func opClass(_ l: Layer) -> OpClass {
        switch l.op {
        case "dwconv2d": return .depthwise
        case "linear": return .linear
        case "avgpool", "maxpool", "global_avgpool": return .pool
        case "add", "batchnorm", "zero": return .eltwise
        case "identity": return .free
        default:   // conv2d, relu_conv_bn, pwconv2d, ... and ops of other sets
            return l.groups > 1 && l.groups == l.inShape.c && l.inShape.c == l.outShape.c ? .depthwise : .conv
        }
    }

    /// Cycles of one layer on this MCU.
    public func cycles(_ l: Layer) -> Double {
        let p = profile
        var c = p.layerOverheadCycles
        switch Self.opClass(l) {
        case .conv: c += Double(l.macs) * p.cyclesPerMACConv
        case .depthwise: c += Double(l.macs) * p.cyclesPerMACDepthwise
        case .linear: c += Double(l.macs) * p.cyclesPerMACLinear
        case .pool: c += Double(l.macs) * p.cyclesPerMACPool
        case .eltwise: c += Double(max(l.macs, l.outShape.elements)) * p.cyclesPerElementEltwise
        case .free: break
        }
        if l.flags.contains(.residual) { c += Double(l.outShape.elements) * p.cyclesPerElementEltwise }
        return c
    }

    public func flashBytes(_ n: Network) -> Int64 {
        let weights = n.weightElems * 1 + n.biasElems * 4
        let overhead = Double(n.layers.count) * profile.layerOverheadBytes + profile.runtimeFlashKB * 1024
        return weights + Int64(overhead.rounded(.up))
    }

    public func estimate(_ n: Network) -> MCUEstimate {
        let peak = MemoryPlanner.peak(n)
        let activations = peak?.bytes ?? n.tensors.first.map { $0.elements } ?? 0
        let cycles = n.layers.reduce(0.0) { $0 + self.cycles($1) }
        let latencyMs = cycles / (profile.clockMHz * 1_000)
        var energy: Double? = nil
        if let mw = profile.activePowerMW { energy = mw * latencyMs / 1_000 }
        else if let pj = profile.energyPJPerMAC { energy = Double(n.macs) * pj * 1e-9 }
        return MCUEstimate(peakSRAMBytes: activations + Int64((profile.runtimeSRAMKB * 1024).rounded(.up)),
                           activationPeak: peak, flashBytes: flashBytes(n), cycles: cycles, latencyMs: latencyMs,
                           energyMJ: energy, params: n.params, macs: n.macs)
    }

    /// Which layer and tensors set the SRAM peak, plus flash and latency shares.
    public func explain(_ n: Network) -> String {
        let e = estimate(n)
        func kb(_ b: Int64) -> String { formatKB(Double(b) / 1024) }
        var lines: [String] = []
        var head = "peak SRAM \(formatKB(e.peakSRAMKB)) KB"
        if let cap = profile.sramKB { head += " of \(formatKB(cap)) KB" }
        lines.append(head)
        if let p = e.activationPeak {
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
        flash += ": weights \(kb(n.weightElems)) KB int8, biases \(kb(n.biasElems * 4)) KB int32, \(n.layers.count) layers x \(Int(profile.layerOverheadBytes)) B, runtime \(formatKB(profile.runtimeFlashKB)) KB"
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
