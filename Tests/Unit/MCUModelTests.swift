// Peak SRAM (tensor liveness), flash and latency of the MCU cost model on
// small graphs worked out by hand, plus whole nb201 networks.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasMCUModel
import HwnasOps
import Testing

@Suite(.tags(.unit)) struct MCUModelTests {
    let ops = BuiltinOperators()

    /// input 3x8x8 -> conv3x3 8 -> conv1x1 4 -> global pool -> linear 2
    func chain() throws -> Network {
        var b = NetworkBuilder(ops: ops, input: TensorShape(c: 3, h: 8, w: 8))
        var x = try b.add("conv2d", 0, outC: 8, kernel: 3)
        x = try b.add("conv2d", x, outC: 4, kernel: 1)
        x = try b.add("global_avgpool", x)
        try b.add("linear", x, outC: 2)
        return b.network
    }

    @Test func chainPeakIsTheLargestInputPlusOutput() throws {
        // int8 bytes: input 192, t1 512, t2 256, t3 4, t4 2.
        // layer0 192+512 = 704, layer1 512+256 = 768, layer2 256+4 = 260, layer3 4+2 = 6.
        let steps = MemoryPlanner.schedule(try chain())
        #expect(steps.map(\.bytes) == [704, 768, 260, 6])
        let peak = try #require(MemoryPlanner.peak(try chain()))
        #expect(peak.layer == 1 && peak.bytes == 768)
        #expect(peak.live.map(\.tensor) == [1, 2])
    }

    /// Inverted residual, 16 channels at 8x8, expansion 2:
    /// x 16x8x8 = 1024 B -> pw 32x8x8 = 2048 -> dw 2048 -> pw 16x8x8 = 1024 (+ x).
    @Test func residualKeepsTheBlockInputAlive() throws {
        var b = NetworkBuilder(ops: ops, input: TensorShape(c: 16, h: 8, w: 8))
        let h = try b.add("pwconv2d", 0, outC: 32, kernel: 1, expansion: 2)
        let d = try b.add("dwconv2d", h, kernel: 3, groups: 32, expansion: 2)
        try b.add("pwconv2d", d, input2: 0, outC: 16, kernel: 1, expansion: 2, flags: .residual)
        // layer0: x + h = 3072; layer1: x (kept for the add) + h + d = 5120;
        // layer2: x + d + out = 4096. Without the residual x would die after layer0
        // and layer1 would need 4096.
        let steps = MemoryPlanner.schedule(b.network)
        #expect(steps.map(\.bytes) == [3072, 5120, 4096])
        #expect(steps[1].live.contains { $0.tensor == 0 && $0.role == .kept(untilLayer: 2) })
    }

    @Test func inPlaceAddReusesADyingInputOnly() throws {
        // x 16x8x8 (1024 B); a = conv(x), c = conv(x); s = add(a, c) in place.
        var b = NetworkBuilder(ops: ops, input: TensorShape(c: 16, h: 8, w: 8))
        let a = try b.add("conv2d", 0, kernel: 3)
        let c = try b.add("conv2d", 0, kernel: 1)
        try b.add("add", a, input2: c, flags: .inPlace)
        // layer0 x+a = 2048; layer1 x+a+c = 3072; layer2 a+c, output written into a = 2048.
        let steps = MemoryPlanner.schedule(b.network)
        #expect(steps.map(\.bytes) == [2048, 3072, 2048])
        #expect(steps[2].live.contains { $0.role == .outputInPlace && $0.bytes == 0 })

        // a = conv(x); s = add(a, x) flagged in place; s2 = add(s, a); add(s2, x).
        // x and a are read again after s, so s needs its own buffer:
        // layer0 x+a = 2048; layer1 x+a+s = 3072; layer2 x (kept) + s + a + s2 = 4096;
        // layer3 s2 + x + out = 3072 (that add is not flagged in place).
        var k = NetworkBuilder(ops: ops, input: TensorShape(c: 16, h: 8, w: 8))
        let a2 = try k.add("conv2d", 0, kernel: 3)
        let s = try k.add("add", a2, input2: 0, flags: .inPlace)
        let s2 = try k.add("add", s, input2: a2)
        try k.add("add", s2, input2: 0)
        #expect(MemoryPlanner.schedule(k.network).map(\.bytes) == [2048, 3072, 4096, 3072])
    }

    @Test func nb201PeaksFromCellSums() throws {
        // All-conv3x3 cell at 16x32x32 (16 KB per tensor): computing node 3's conv
        // of node 1 holds node 1, node 2 and the partial sum while writing the new
        // tensor: 4 * 16,384 = 65,536 B. All-skip: an add of x with itself plus its
        // output, 2 * 16,384 (node 3's adds run in place).
        let conv = try TestSupport.network("nb201", genotype: [3, 3, 3, 3, 3, 3])
        let pc = try #require(MemoryPlanner.peak(conv))
        #expect(pc.bytes == 65_536)
        #expect(conv.layers[pc.layer].cell == "stage1.cell1")
        let skip = try TestSupport.network("nb201", genotype: [1, 1, 1, 1, 1, 1])
        #expect(MemoryPlanner.peak(skip)?.bytes == 32_768)
    }

    @Test func peakIsTheFirstLargestStepOfTheSchedule() throws {
        // peak() sums bytes without building every step; it must pick the same
        // step, with the same live tensors, as the full schedule does.
        // Every 389th nb201 architecture (41 spread over all 15,625), digits base 5.
        var nets = try stride(from: 0, to: 15_625, by: 389).map { index in
            try TestSupport.network("nb201", genotype: (0..<6).map { d in Int32(index / Int(pow(5.0, Double(d))) % 5) })
        }
        nets.append(try chain())
        for n in nets {
            let steps = MemoryPlanner.schedule(n, bytesPerElement: 4)
            let maxBytes = try #require(steps.map(\.bytes).max())
            #expect(MemoryPlanner.peak(n, bytesPerElement: 4) == steps.first { $0.bytes == maxBytes })
            // The plugin's one-pass running sum gives the same peak.
            var summary = MCUNetworkSummary(n)
            #expect(summary.peakBytes(bytesPerElement: 4) == maxBytes)
        }
    }

    /// Runtime ideal: the formulas spelled out in the tests below.
    func profile() -> MCUProfile {
        var p = MCUProfile(clockMHz: 100, cyclesPerMACConv: 2, cyclesPerMACDepthwise: 3, cyclesPerMACLinear: 1,
                   cyclesPerMACPool: 1, cyclesPerElementEltwise: 2, layerOverheadCycles: 10, layerOverheadBytes: 100,
                   runtimeFlashKB: 1, runtimeSRAMKB: 2, sramKB: 320, flashKB: 1024, activePowerMW: 50)
        p.runtime = .ideal
        return p
    }

    @Test func flashLatencyAndEnergyOfTheChain() throws {
        let n = try chain()
        let e = try MCUCostModel(profile: profile()).estimate(n)
        // weights 216 + 32 + 8 = 256 B int8; biases (8 + 4 + 2) * 4 = 56 B;
        // 4 layers * 100 B; runtime 1024 B: 1,736 B.
        #expect(e.flashBytes == 1_736)
        // MACs: conv3x3 64*8*27 = 13,824; conv1x1 64*4*8 = 2,048; pool 256; linear 8.
        // cycles = 2*13,824 + 2*2,048 + 256 + 8 + 4*10 = 32,048 -> 0.32048 ms at 100 MHz.
        #expect(e.macs == 16_136)
        #expect(e.cycles == 32_048)
        #expect(abs(e.latencyMs - 0.32048) < 1e-12)
        #expect(abs(e.energyMJ! - 50 * 0.32048 / 1000) < 1e-12)
        // SRAM: activation peak 768 B + runtime 2 KB.
        #expect(e.peakSRAMBytes == 768 + 2048)
        let m = MCUCostModel(profile: profile())
        #expect(m.metricNames == ["peak_sram_kb", "flash_kb", "latency_ms", "params", "macs", "energy_mj"])
        #expect(try m.metrics(n)[0] == Double(768 + 2048) / 1024)
    }

    @Test func depthwiseAndResidualCyclesUseTheirOwnFigures() throws {
        var b = NetworkBuilder(ops: ops, input: TensorShape(c: 16, h: 8, w: 8))
        let d = try b.add("dwconv2d", 0, kernel: 3)
        try b.add("conv2d", d, input2: 0, kernel: 1, flags: .residual)
        let m = MCUCostModel(profile: profile())
        // dw: 64*16*9 = 9,216 MACs * 3 + 10; pw: 64*16*16 = 16,384 * 2 + 1,024 added elements * 2 + 10.
        #expect(m.cycles(b.network.layers[0]) == 9_216 * 3 + 10)
        #expect(m.cycles(b.network.layers[1]) == 16_384 * 2 + 1_024 * 2 + 10)
    }

    @Test func explainNamesThePeakLayerAndTensors() throws {
        let text = try MCUCostModel(profile: profile()).explain(try chain())
        #expect(text.contains("peak SRAM 2.8 KB of 320.0 KB"))
        #expect(text.contains("layer 1 conv2d"))
        #expect(text.contains("t1 8x8x8 int8 0.5 KB (input)"))
        #expect(text.contains("t2 4x8x8 int8 0.3 KB (output)"))
    }

    @Test func profileOptionsParseAndReject() throws {
        let p = try MCUProfile(options: ["clock_mhz": "216", "cycles_per_mac_conv": "0.6", "runtime_sram_kb": "16",
                                         "active_power_mw": "330", "model": "mcu"])
        #expect(p.clockMHz == 216 && p.cyclesPerMACConv == 0.6 && p.runtimeSRAMKB == 16 && p.activePowerMW == 330)
        #expect(MCUCostModel(profile: p).metricNames.last == "energy_mj")
        #expect(MCUCostModel(profile: try MCUProfile(options: ["clock_mhz": "64"])).metricNames.count == 5)
        #expect(throws: MCUProfileError.self) { try MCUProfile(options: [:]) }
        #expect(throws: MCUProfileError.self) { try MCUProfile(options: ["clock_mhz": "fast"]) }
        #expect(throws: MCUProfileError.self) { try MCUProfile(options: ["clock_mhz": "64", "sram_kb": "-1"]) }
        #expect(try MCUProfile(options: ["clock_mhz": "64"]).runtime == .tflm)
        #expect(try MCUProfile(options: ["clock_mhz": "64", "runtime": "ideal", "pointer_bytes": "8"]).pointerBytes == 8)
        #expect { try MCUProfile(options: ["clock_mhz": "64", "runtime": "tflite"]) } throws: { "\($0)".contains("'runtime' must be one of tflm, tinyengine, ideal, got 'tflite'") }
        #expect { try MCUProfile(options: ["clock_mhz": "64", "pointer_bytes": "2"]) } throws: { "\($0)".contains("'pointer_bytes' must be 4") }
        #expect(MCUProfile.unknownKeys(["clock_mhz": "1", "clok": "2"]) == ["clok"])
    }
}

@Suite(.tags(.unit)) struct MCUSummaryTests {
    /// The running-sum peak equals the full schedule's on networks of every
    /// shipped space (residual blocks, squeeze-excite in place, 1-D, pools).
    @Test(arguments: ["fbnet", "mcunet-mbv2", "ofa-mbv3", "micronas-1d"])
    func summaryPeakMatchesTheSchedule(_ name: String) throws {
        let s = try TestSupport.space(name)
        let f = try NetworkFactory(space: s, registry: TestSupport.registry)
        var rng = SplitMix64(state: 3)
        for _ in 0..<25 {
            let n = try f.build(s.choiceCounts.map { Int32(rng.below($0)) }).network
            var summary = MCUNetworkSummary(n)
            #expect(summary.peakBytes() == MemoryPlanner.schedule(n).map(\.bytes).max())
        }
    }
}
