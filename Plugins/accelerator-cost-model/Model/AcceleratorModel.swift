// An analytical model of a spatial accelerator in the style of Timeloop /
// MAESTRO and of DNN-Chip Predictor (Zhao et al., ICASSP 2020: the
// simulator behind HW-NAS-Bench's Eyeriss latencies). Per layer:
//  - compute cycles from the dataflow's mapping of the loop nest onto the
//    PE array (ceil-folding where a dimension does not divide the array);
//  - DRAM traffic from global-buffer tiling (an operand that does not fit
//    is refetched once per tile of the other), memory cycles = bytes / BW;
//  - latency = max(compute, memory): the buffer is double-buffered, DRAM
//    transfers overlap compute;
//  - energy = accesses x per-access energy at each level (Sze et al., Proc.
//    IEEE 2017: DRAM 200x, global buffer 6x, array NoC 2x, register file 1x,
//    relative to a 16-bit MAC at 1 pJ, 65 nm);
// and the design's area from its components (65 nm, calibrated to Eyeriss's
// 12.25 mm^2 core). Sources and checks: docs/codesign.md.
public enum AcceleratorModel {
    public struct LayerCost: Sendable, Equatable {
        public var computeCycles: Double
        public var memoryCycles: Double
        public var dramBytes: Double
        public var energyPJ: Double
        public var cycles: Double { max(computeCycles, memoryCycles) }
    }

    public struct NetworkCost: Sendable, Equatable {
        public var latencyMs: Double
        public var energyUJ: Double
        public var dramKB: Double
        public var areaMM2: Double
        public var utilization: Double
    }

    /// Per-access energies in pJ for 16-bit data (memory energy scales with
    /// bits, MAC energy with bits squared).
    static let macPJ = 1.0, rfPJ = 1.0, nocPJ = 2.0, glbPJ = 6.0, dramPJ = 200.0
    /// Area in mm^2 at 65 nm: per 16-bit MAC with its PE control, per KB of
    /// register file, per KB of global buffer SRAM, and the fixed part (NoC,
    /// top-level control, I/O: 10 % of Eyeriss's core).
    static let macMM2 = 0.0228, rfMM2PerKB = 0.060, glbMM2PerKB = 0.020, fixedMM2 = 1.225

    static func cdiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

    /// Cycles of the array for one layer shape under a dataflow.
    static func computeCycles(_ df: AcceleratorConfig.Dataflow, g: Int, c: Int, m: Int, r: Int, s: Int, e: Int, f: Int,
                              _ hw: AcceleratorConfig) -> Double {
        let rows = hw.peRows, cols = hw.peCols
        switch df {
        case .rowStationary:
            // A PE set of R filter rows x E output rows per (g, m, c), folded
            // onto the array; as many sets side by side as fit. Each PE runs
            // a 1-D convolution: F outputs x S taps, one MAC a cycle.
            let rFold = cdiv(r, rows), eFold = cdiv(e, cols)
            let rr = cdiv(r, rFold), ee = cdiv(e, eFold)
            let sets = (rows / rr) * (cols / ee)
            return Double(cdiv(g * m * c * rFold * eFold, sets)) * Double(f * s)
        case .weightStationary:
            return Double(g * cdiv(c, rows) * cdiv(m, cols)) * Double(r * s * e * f)
        case .outputStationary:
            return Double(g * m * cdiv(e, rows) * cdiv(f, cols)) * Double(c * r * s)
        }
    }

    public static func layerCost(_ l: AcceleratorLayer, _ hw: AcceleratorConfig) -> LayerCost {
        let b = hw.bytesPerElement, scale = Double(hw.bits) / 16
        let pes = hw.peCount
        if l.kind == .add && hw.fuseAdd {
            // Fused into the producer's output write-back (its partial sums
            // leave the array through the buffer anyway): the other operand
            // is read from DRAM, no array cycles.
            let dram = Double(l.elements) * b
            let energy = Double(l.elements) * macPJ * scale * scale + dram / b * (glbPJ + nocPJ + dramPJ) * scale
            return LayerCost(computeCycles: 0, memoryCycles: dram / hw.dramBytesPerCycle, dramBytes: dram, energyPJ: energy)
        }
        let kind: AcceleratorLayer.Kind = l.kind == .add ? .eltwise(inputs: 2) : l.kind
        if case .eltwise(let inputs) = kind {
            // Element-wise: P operations a cycle; operands from and to DRAM.
            let n = l.elements
            let compute = inputs == 0 ? 0 : Double(cdiv(n, pes))
            let dram = Double((inputs + 1) * n) * b
            let energy = Double(n) * macPJ * scale * scale + Double(n * (inputs + 1)) * (glbPJ + nocPJ) * scale
                + dram / b * dramPJ * scale
            return LayerCost(computeCycles: compute, memoryCycles: dram / hw.dramBytesPerCycle, dramBytes: dram, energyPJ: energy)
        }
        let isPool: Bool, isGlobal: Bool
        if case .pool(let global) = l.kind { (isPool, isGlobal) = (true, global) } else { (isPool, isGlobal) = (false, false) }
        let inputs = Double(l.inputElements), weights = Double(l.weightElements), outputs = Double(l.outputElements)
        let macs = Double(l.macs)
        let compute = isPool && hw.poolAsDenseConv && !isGlobal
            ? computeCycles(hw.dataflow, g: 1, c: l.g, m: l.g, r: l.r, s: l.s, e: l.e, f: l.f, hw)
            : computeCycles(hw.dataflow, g: l.g, c: l.c, m: l.m, r: l.r, s: l.s, e: l.e, f: l.f, hw)

        // DRAM traffic: with one operand resident in half the buffer the
        // other streams once; else split the cheaper one and refetch the other.
        let half = hw.glbKB * 1024 / 2 / b
        var refetchInputs = 1.0, refetchWeights = 1.0
        if !((inputs + weights + outputs) * b <= hw.glbKB * 1024 || weights <= half || inputs <= half) {
            let weightTiles = (weights / half).rounded(.up), inputTiles = (inputs / half).rounded(.up)
            if inputs * weightTiles + weights <= inputs + weights * inputTiles { refetchInputs = weightTiles } else { refetchWeights = inputTiles }
        }
        let dram = (inputs * refetchInputs + weights * refetchWeights + outputs) * b

        // On-chip accesses: how often each operand is read from the buffer
        // into the array (gI, gW, gO), to how many PEs each read goes (nI,
        // nW, nO), and register-file accesses per MAC.
        let rows = hw.peRows, cols = hw.peCols
        let gI: Double, gW: Double, gO: Double, nI: Double, nW: Double, nO: Double, rf: Double
        switch hw.dataflow {
        case .rowStationary:
            let rFold = cdiv(l.r, rows), eFold = cdiv(l.e, cols)
            let ee = cdiv(l.e, eFold), rr = cdiv(l.r, rFold)
            let words = Int(Double(hw.rfBytes) / b)
            // Eyeriss splits its 260-word scratch pads 12 / 224 / 24 (ifmap /
            // filter / psum): filters interleave in the filter pad, channels
            // accumulate in a PE.
            let p = max(1, min(l.m, (words * 224 / 260) / max(l.s, 1)))
            let q = max(1, min(l.c, (words * 12 / 260) / max(l.s, 1)))
            gI = Double(cdiv(l.m, p)); gW = Double(eFold); gO = Double(2 * cdiv(l.c * rFold, q * max(1, rows / rr)) - 1)
            nI = Double(rr); nW = Double(ee); nO = Double(rr)
            rf = 4 * macs
        case .weightStationary:
            gI = Double(cdiv(l.m, cols)); gW = 1; gO = Double(2 * cdiv(l.c, rows) * l.r * l.s - 1)
            nI = Double(min(l.m, cols)); nW = 1; nO = Double(min(l.c, rows))
            rf = macs + weights
        case .outputStationary:
            gI = Double(l.m); gW = Double(cdiv(l.e, rows) * cdiv(l.f, cols)); gO = 1
            nI = 1; nW = Double(min(l.e, rows) * min(l.f, cols)); nO = 1
            rf = 2 * macs
        }
        let glb = inputs * gI + weights * gW + outputs * gO + (inputs * refetchInputs + weights * refetchWeights + outputs)
        let noc = inputs * gI * nI + weights * gW * nW + outputs * gO * nO
        // A pool compares or adds: half a MAC's energy.
        let energy = macs * macPJ * scale * scale * (isPool ? 0.5 : 1) + rf * rfPJ * scale + noc * nocPJ * scale
            + glb * glbPJ * scale + dram / b * dramPJ * scale
        return LayerCost(computeCycles: compute, memoryCycles: dram / hw.dramBytesPerCycle, dramBytes: dram, energyPJ: energy)
    }

    public static func areaMM2(_ hw: AcceleratorConfig) -> Double {
        let scale = Double(hw.bits) / 16
        return Double(hw.peCount) * (macMM2 * scale * scale + rfMM2PerKB * Double(hw.rfBytes) / 1024) + glbMM2PerKB * hw.glbKB + fixedMM2
    }

    public static func network(_ layers: [AcceleratorLayer], _ hw: AcceleratorConfig) -> NetworkCost {
        var cycles = 0.0, energy = 0.0, dram = 0.0, macs = 0.0
        for l in layers {
            let c = layerCost(l, hw)
            cycles += c.cycles; energy += c.energyPJ; dram += c.dramBytes
            if l.kind == .conv { macs += Double(l.macs) }
        }
        return NetworkCost(latencyMs: cycles / (hw.clockMHz * 1e3), energyUJ: energy * 1e-6, dramKB: dram / 1024,
                           areaMM2: areaMM2(hw), utilization: cycles > 0 ? macs / (cycles * Double(hw.peCount)) : 0)
    }
}
