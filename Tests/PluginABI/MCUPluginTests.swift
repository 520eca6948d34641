// The core operator set and mcu cost model loaded as plugins through the C
// ABI, fed by networks the space plugin built (CNetwork), agree with HwnasOps
// computed directly; and every MCU hardware profile parses.
import HwnasTestSupport
import CHwnasABI
import Foundation
import HwnasCore
import HwnasMCUModel
import HwnasOps
import Testing

@Suite(.tags(.pluginABI)) struct MCUPluginTests {
    static let conv3x3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"

    func profile(_ name: String) throws -> HardwareProfile {
        try HardwareProfile.read(path: TestSupport.repoRoot + "/hardware-profiles/\(name).yaml")
    }

    @Test func builtNetworkMatchesItsCLayout() throws {
        let registry = TestSupport.registry
        let (d, lib) = try registry.lookup(.operatorSet, "core")
        let set = try LoadedOperatorSet(d, library: lib, options: [:])
        #expect(set.opNames == BuiltinOperators.opNames)
        let space = try TestSupport.space("nb201")
        let g = try space.parse(Self.conv3x3)
        let built = try NetworkFactory(space: space, registry: registry).build(g)
        let swiftNet = built.network
        let c = built.pointer.pointee
        #expect(Int(c.n_layers) == swiftNet.layers.count && Int(c.n_tensors) == swiftNet.tensors.count)
        #expect(Int(c.layer_size) == MemoryLayout<hwnas_layer>.size && c.spatial_dims == 2)
        var params: Int64 = 0
        for (i, l) in swiftNet.layers.enumerated() {
            let cl = c.layers[i]
            #expect(String(cString: cl.op) == l.op && cl.macs == l.macs && Int(cl.output) == l.output)
            #expect(Int(cl.input2) == l.input2 && cl.flags == l.flags.rawValue && String(cString: cl.cell) == l.cell)
            params += cl.params
        }
        #expect(params == 1_527_978)
        // The 1.0 view: 112-byte records with the same 1.0 fields, no 1.1 tail.
        let old = built.pointer(forMinor: 0).pointee
        #expect(Int(old.struct_size) == 32 && old.n_layers == c.n_layers)
        let raw = UnsafeRawPointer(old.layers!)
        for i in 0..<Int(old.n_layers) {
            let rec = raw.advanced(by: i * 112).assumingMemoryBound(to: hwnas_layer.self)
            #expect(rec.pointee.struct_size == 112 && rec.pointee.macs == c.layers[i].macs && rec.pointee.output == c.layers[i].output)
        }
    }

    @Test func mcuPluginEstimatesAndExplains() throws {
        let registry = TestSupport.registry
        let space = try TestSupport.space("nb201")
        let prof = try profile("stm32f746")
        let section = try #require(prof.sections.first { $0.model == "mcu" })
        let (cd, clib) = try registry.lookup(.costModel, "mcu")
        let mcu = try LoadedCostModel(cd, library: clib, space: CSearchSpace(space), options: section.options)
        let g = try space.parse(Self.conv3x3)
        let net = try NetworkFactory(space: space, registry: registry).build(g)
        let batch = CandidateBatch(space: space, genotypes: [g], networks: [net])
        let rows = try batch.with(minor: cd.abiMinor) { try mcu.estimate($0) }
        let direct = MCUCostModel(profile: try MCUProfile(options: section.options))
        #expect(mcu.metricNames == direct.metricNames)
        #expect(rows == [try direct.metrics(net.network)])
        // TFLM's arena, 32-bit, CMSIS-NN, for the converter's graph (each
        // node's ReLU fused into the op writing it; the reduction cells'
        // stride-2 convolutions behind a PAD): an 82.1 KB tensor arena (five
        // 16 KB tensors alive at once at a cell's first add; the greedy layout
        // adds 2.1 KB) + 51.3 KB persistent. The literal graph, a RELU per
        // edge, needed 153.8 KB.
        #expect(rows[0][0] == 133.3671875)
        let text = batch.with(minor: cd.abiMinor) { mcu.explain($0) }
        #expect(text?.contains("peak SRAM 133.4 KB of 320.0 KB (runtime tflm, 32-bit, cmsis-nn kernels)") == true, "\(text ?? "")")
        #expect(text?.contains("tensor arena 82.1 KB") == true && text?.contains("at most 80.0 KB are alive at once") == true)
        // Without networks the model refuses with a clear message.
        #expect {
            try CandidateBatch(space: space, genotypes: [g], networks: nil).with(minor: cd.abiMinor) { try mcu.estimate($0) }
        } throws: { "\($0)".contains("networks == NULL") }
    }

    @Test(arguments: ["stm32f746", "stm32h743", "stm32h743-tinyengine", "nrf52840", "esp32s3", "rp2040"])
    func mcuProfilesParse(_ name: String) throws {
        let p = try profile(name)
        let section = try #require(p.sections.first { $0.model == "mcu" })
        let mcu = try MCUProfile(options: section.options)
        #expect(MCUProfile.unknownKeys(section.options).isEmpty)
        #expect(mcu.sramKB != nil && mcu.flashKB != nil && mcu.clockMHz > 0)
        #expect(p.input == nil, "an MCU model prices any input: the space decides it")
        #expect(!p.provenance.isEmpty)
    }
}
