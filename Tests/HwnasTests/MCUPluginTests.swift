// The core operator set and mcu cost model loaded as plugins through the C
// ABI, fed by GenotypeNetworkExpander/CNetwork, agree with HwnasOps computed
// directly; and every MCU hardware profile parses.
import CHwnasABI
import Foundation
import HwnasCore
import HwnasOps
import Testing

@Suite struct MCUPluginTests {
    static let conv3x3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"

    func profile(_ name: String) throws -> HardwareProfile {
        try HardwareProfile.read(path: TestSupport.repoRoot + "/hardware-profiles/\(name).yaml")
    }

    @Test func pluginExpansionMatchesHwnasOpsThroughCNetwork() throws {
        let registry = PluginRegistry(paths: [TestSupport.productsDir])
        let (d, lib) = try registry.lookup(.operatorSet, "core")
        let set = try LoadedOperatorSet(d, library: lib, options: [:])
        #expect(set.opNames == BuiltinOperators.opNames)
        let space = try #require(SearchSpace.embedded["nb201"])
        let exp = try #require(GenotypeNetworkExpander(space: space, operatorSet: set, input: nil))
        let g = try space.parse(Self.conv3x3)
        let swiftNet = try NetworkExpander().expand(space: "nb201", genotype: g)
        let c = try exp.network(for: g).pointee
        #expect(Int(c.n_layers) == swiftNet.layers.count && Int(c.n_tensors) == swiftNet.tensors.count)
        var params: Int64 = 0
        for (i, l) in swiftNet.layers.enumerated() {
            let cl = c.layers[i]
            #expect(String(cString: cl.op) == l.op && cl.macs == l.macs && Int(cl.output) == l.output)
            #expect(Int(cl.input2) == l.input2 && cl.flags == l.flags.rawValue && String(cString: cl.cell) == l.cell)
            params += cl.params
        }
        #expect(params == 1_527_978)
    }

    @Test func mcuPluginEstimatesAndExplains() throws {
        let registry = PluginRegistry(paths: [TestSupport.productsDir])
        let space = try #require(SearchSpace.embedded["nb201"])
        let prof = try profile("stm32f746")
        let section = try #require(prof.sections.first { $0.model == "mcu" })
        let (cd, clib) = try registry.lookup(.costModel, "mcu")
        let mcu = try LoadedCostModel(cd, library: clib, space: CSearchSpace(space), options: section.options)
        let exp = try #require(GenotypeNetworkExpander(space: space, operatorSet: nil, input: prof.input))
        let g = try space.parse(Self.conv3x3)
        let rows = try CandidateBatchBuilder.with(space: space, genotypes: [g], expander: exp) { try mcu.estimate($0) }
        let direct = MCUCostModel(profile: try MCUProfile(options: section.options))
        #expect(mcu.metricNames == direct.metricNames)
        #expect(rows == [direct.metrics(try NetworkExpander().expand(space: "nb201", genotype: g))])
        #expect(rows[0][0] == 72)   // 4 live 16 KB tensors + 8 KB runtime
        let text = try CandidateBatchBuilder.with(space: space, genotypes: [g], expander: exp) { mcu.explain($0) }
        #expect(text?.contains("peak SRAM 72.0 KB of 320.0 KB") == true)
        // Without expanded networks the model refuses with a clear message.
        #expect {
            try CandidateBatchBuilder.with(space: space, genotypes: [g], expander: nil) { try mcu.estimate($0) }
        } throws: { "\($0)".contains("networks == NULL") }
    }

    @Test(arguments: ["stm32f746", "stm32h743", "nrf52840", "esp32s3", "rp2040"])
    func mcuProfilesParse(_ name: String) throws {
        let p = try profile(name)
        let section = try #require(p.sections.first { $0.model == "mcu" })
        let mcu = try MCUProfile(options: section.options)
        #expect(MCUProfile.unknownKeys(section.options).isEmpty)
        #expect(mcu.sramKB != nil && mcu.flashKB != nil && mcu.clockMHz > 0)
        #expect(p.input == HardwareProfile.InputShape(channels: 3, height: 32, width: 32))
        #expect(!p.provenance.isEmpty)
    }
}
