// Cost model "mcu": peak SRAM, flash, latency (and energy) of int8 inference
// on a microcontroller, from the expanded networks of the batch. The
// formulas live in HwnasOps (MemoryPlanner, MCUCostModel); this file only
// converts ABI views and options.
import CHwnasABI
import HwnasOps
import HwnasPluginSupport

final class MCUPluginModel: CostModel {
    let model: MCUCostModel
    var metricNames: [String] { model.metricNames }

    init(options: PluginOptions, logger: HostLogger) throws {
        do { model = MCUCostModel(profile: try MCUProfile(options: options.values)) } catch {
            throw PluginError("mcu: \(error)")
        }
        let unknown = MCUProfile.unknownKeys(options.values)
        if !unknown.isEmpty { logger.warning("mcu: ignoring unknown option(s) \(unknown.joined(separator: ", "))") }
    }

    func networks(_ batch: CandidateBatch) throws -> [Network] {
        guard batch.raw.pointee.networks != nil else {
            throw PluginError("mcu cost model needs expanded networks, but the batch has none (networks == NULL): load an operator set (e.g. core) for this search space")
        }
        return try batch.networks.enumerated().map { i, view in
            guard let view else { throw PluginError("mcu: candidate \(i) (\(batch.archStrings[i])) has no expanded network") }
            return Self.network(view)
        }
    }

    func estimate(_ batch: CandidateBatch) throws -> [[Double]] {
        try networks(batch).map { model.metrics($0) }
    }

    func explain(_ batch: CandidateBatch) throws -> String? {
        guard let n = try networks(batch).first else { return nil }
        return model.explain(n)
    }

    static func network(_ v: NetworkView) -> Network {
        Network(tensors: v.tensors.map { TensorShape(c: $0.c, h: $0.h, w: $0.w) },
                layers: v.layers.map { l in
                    Layer(op: l.op, kernel: l.kernel, stride: l.stride, groups: l.groups, expansion: l.expansion,
                          input: l.input, input2: l.input2, output: l.output,
                          inShape: TensorShape(c: l.inC, h: l.inH, w: l.inW),
                          outShape: TensorShape(c: l.outC, h: l.outH, w: l.outW),
                          flags: LayerFlags(rawValue: l.flags), params: l.params, macs: l.macs,
                          weightElems: l.weightElems, biasElems: l.biasElems, cell: l.cell)
                })
    }
}

private let plugin = PluginExport(costModels: [
    CostModelKind(PluginDescriptor(id: "mcu", name: "Microcontroller (int8) cost model",
                                   description: "peak SRAM from tensor liveness, flash (int8 weights, int32 biases), latency from cycles per MAC; options clock_mhz, cycles_per_mac_*, ...")) { _, o, logger in
        try MCUPluginModel(options: o, logger: logger)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
