// Cost model "accelerator": latency, energy, DRAM traffic and area of a
// network on a spatial accelerator (Plugins/accelerator-cost-model/Model).
// The design point comes from the profile's options; in a co-design space
// (a space with the `hardware` option) the candidate's "hw.<parameter>" dims
// override them, so the search explores network and accelerator together.
import HwnasAcceleratorModel
import HwnasPluginSupport

final class AcceleratorCostModel: CostModel {
    let metricNames = ["latency_ms", "energy_uj", "dram_kb", "area_mm2", "pe_utilization"]
    let base: AcceleratorConfig
    /// Co-design dims of the space: (dim index, parameter name, choice texts).
    let hardwareDims: [(dim: Int, parameter: String, choices: [String])]
    /// Design points met so far, by the candidate's hardware choices.
    var configs: [[Int32]: AcceleratorConfig] = [:]

    init(space: SearchSpaceView, options: PluginOptions) throws {
        var config = AcceleratorConfig()
        for name in AcceleratorConfig.parameterNames {
            guard let text = options[name] else { continue }
            do { try config.set(name, text) } catch { throw PluginError("accelerator: \(error)") }
        }
        base = config
        var dims: [(Int, String, [String])] = []
        for (i, name) in space.dimNames.enumerated() where name.hasPrefix(HardwareDims.dimPrefix) {
            let parameter = String(name.dropFirst(HardwareDims.dimPrefix.count))
            // Every choice must be a valid value now, not at candidate 10,000.
            var probe = config
            for choice in space.choiceNames[i] {
                do { try probe.set(parameter, choice) } catch { throw PluginError("accelerator: space dim \(name): \(error)") }
            }
            dims.append((i, parameter, space.choiceNames[i]))
        }
        hardwareDims = dims
    }

    func config(_ genotype: [Int32]) throws -> AcceleratorConfig {
        guard !hardwareDims.isEmpty else { return base }
        let key = hardwareDims.map { genotype[$0.dim] }
        if let c = configs[key] { return c }
        var c = base
        for (d, k) in zip(hardwareDims, key) {
            guard k >= 0, Int(k) < d.choices.count else { throw PluginError("accelerator: dim \(d.parameter) choice \(k) out of range") }
            try c.set(d.parameter, d.choices[Int(k)])
        }
        configs[key] = c
        return c
    }

    static func layers(_ net: NetworkView) -> [AcceleratorLayer] {
        net.layers.map { l in
            AcceleratorLayer.from(op: l.op, groups: l.groups, inC: l.inC, inH: l.inH, inW: l.inW, outC: l.outC, outH: l.outH, outW: l.outW,
                                  kernelH: l.kernelH, kernelW: l.kernelW, hasSecondInput: l.input2 >= 0)
        }
    }

    func estimate(_ batch: CandidateBatch) throws -> [[Double]] {
        guard batch.raw.pointee.networks != nil else {
            throw PluginError("accelerator cost model needs networks, but the batch has none (networks == NULL): the space builds no networks")
        }
        return try (0..<batch.count).map { i in
            guard let net = batch.networks[i] else { throw PluginError("accelerator: candidate \(i) (\(batch.archString(i))) has no network") }
            let c = AcceleratorModel.network(Self.layers(net), try config(batch.genotypes[i]))
            return [c.latencyMs, c.energyUJ, c.dramKB, c.areaMM2, c.utilization]
        }
    }

    func explain(_ batch: CandidateBatch) throws -> String? {
        guard batch.count > 0, let net = batch.networks.first ?? nil else { return nil }
        let hw = try config(batch.genotypes[0])
        var lines = ["accelerator: \(hw.peRows)x\(hw.peCols) PEs, \(hw.rfBytes) B RF/PE, \(hw.glbKB) KB buffer, dataflow \(hw.dataflow.rawValue), "
                     + "\(hw.clockMHz) MHz, \(hw.dramBytesPerCycle) B/cycle DRAM, \(hw.bits)-bit"]
        for (l, layer) in zip(net.layers, Self.layers(net)) {
            let c = AcceleratorModel.layerCost(layer, hw)
            lines.append("  \(l.op) \(l.inC)x\(l.inH)x\(l.inW) -> \(l.outC)x\(l.outH)x\(l.outW): compute \(Int(c.computeCycles)) cycles, "
                         + "memory \(Int(c.memoryCycles.rounded(.up))) cycles, \(Int(c.dramBytes)) B DRAM, \(Int(c.energyPJ)) pJ")
        }
        return lines.joined(separator: "\n")
    }
}

private let defaults = AcceleratorConfig()

nonisolated(unsafe) private let plugin = PluginExport(costModels: [
    CostModelKind(PluginDescriptor(id: "accelerator", name: "Spatial accelerator (analytical)",
                                   description: "Latency, energy, DRAM traffic and area on a PE-array accelerator (Eyeriss-style; dataflow rs/ws/os); co-design spaces' hw.* dims override the options",
                                   options: [.int("pe_rows", defaults.peRows, 1...4096, "PE array rows"),
                                             .int("pe_cols", defaults.peCols, 1...4096, "PE array columns"),
                                             .int("rf_bytes", defaults.rfBytes, 2...(1 << 20), "register file (scratch pads) per PE, bytes"),
                                             .double("glb_kb", defaults.glbKB, 0.001...Double(1 << 20), "global buffer, KB"),
                                             .string("dataflow", defaults.dataflow.rawValue, choices: ["rs", "ws", "os", "row-stationary", "weight-stationary", "output-stationary"],
                                                     "row, weight or output stationary"),
                                             .double("clock_mhz", defaults.clockMHz, 0.001...100_000, "core clock, MHz"),
                                             .double("dram_bytes_per_cycle", defaults.dramBytesPerCycle, 0.001...Double(1 << 20), "off-chip bandwidth, bytes per core cycle"),
                                             .int("bits", defaults.bits, 4...32, "bits per weight and activation (4, 8, 16 or 32)"),
                                             .bool("pool_as_dense_conv", defaults.poolAsDenseConv, "price k x k pooling like a dense convolution (DNN-Chip Predictor's mapping)"),
                                             .bool("fuse_add", defaults.fuseAdd, "fuse two-tensor sums into the producer's write-back")])) { space, o, _ in
        try AcceleratorCostModel(space: space, options: o)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
