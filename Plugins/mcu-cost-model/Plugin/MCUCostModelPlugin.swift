// Cost model "mcu": peak SRAM, flash, latency (and energy) of int8 inference
// on a microcontroller, from the networks of the batch. The model lives in
// ../Model (module HwnasMCUModel: MCUCostModel, TFLM/, MCUNetworkSummary;
// the memory planner is HwnasOps'); this file reads
// the C layout into a summary without making a single string (screening
// prices thousands of networks a second) and converts options.
import HwnasMCUModel
import CHwnasABI
import HwnasOps
import HwnasPluginSupport
#if canImport(Glibc)
import Glibc
#endif

final class MCUPluginModel: CostModel {
    let model: MCUCostModel
    var metricNames: [String] { model.metricNames }
    /// Reused for every network (instances are instance-serial); behind a
    /// pointer so the per-layer loop pays no dynamic exclusivity checks.
    private let scratch = UnsafeMutablePointer<Scratch>.allocate(capacity: 1)

    struct Scratch {
        var summary = MCUNetworkSummary()
        /// Operator class by op-name pointer (hosts pass the same interned
        /// names again and again; a few distinct ones): the name is compared
        /// before a cached answer is used.
        var classes: [(key: UnsafeRawPointer, name: UnsafeMutablePointer<CChar>, cls: OpClass?, isAdd: Bool)] = []

        /// The summary of one C network, in place.
        mutating func fill(_ n: UnsafePointer<hwnas_network>) throws {
            summary.removeAll()
            let p = n.pointee
            let nt = Int(p.n_tensors)
            guard nt >= 1, let tensors = p.tensors else { throw PluginError("mcu: a network without tensors") }
            for t in 0..<nt { summary.tensorElements.append(Int64(tensors[t].c) * Int64(tensors[t].h) * Int64(tensors[t].w)) }
            for i in 0..<Int(p.n_layers) {
                let l = NetworkView.layer(n, i).pointee
                guard l.input >= 0, Int(l.input) < nt, l.output > 0, Int(l.output) < nt, l.input2 >= -1, Int(l.input2) < nt else {
                    throw PluginError("mcu: layer \(i) has a tensor id out of range")
                }
                let (cls, isAdd) = opClass(l)
                summary.layers.append(MCULayerSummary(
                    opClass: cls, isAdd: isAdd, input: l.input, input2: l.input2, output: l.output,
                    inPlace: l.flags & HWNAS_LAYER_INPLACE != 0, residual: l.flags & HWNAS_LAYER_RESIDUAL != 0,
                    macs: l.macs, outElements: Int64(l.out_c) * Int64(l.out_h) * Int64(l.out_w), params: l.params,
                    weightElems: l.weight_elems, biasElems: l.bias_elems))
            }
        }

        mutating func opClass(_ l: hwnas_layer) -> (OpClass, Bool) {
            guard let op = l.op else { return (.conv, false) }
            let key = UnsafeRawPointer(op)
            var byName: OpClass? = nil, isAdd = false, found = false
            for e in classes where e.key == key && strcmp(e.name, op) == 0 { (byName, isAdd, found) = (e.cls, e.isAdd, true); break }
            if !found {
                let name = String(cString: op)
                (byName, isAdd) = (MCUCostModel.nameClass(name), name == "add")
                if classes.count >= 64 { for e in classes { free(e.name) }; classes.removeAll() }
                classes.append((key, strdup(op)!, byName, isAdd))
            }
            return (byName ?? (l.groups > 1 && l.groups == l.in_c && l.in_c == l.out_c ? .depthwise : .conv), isAdd)
        }
    }

    init(options: PluginOptions, logger: HostLogger) throws {
        do { model = MCUCostModel(profile: try MCUProfile(options: options.values)) } catch {
            throw PluginError("mcu: \(error)")
        }
        scratch.initialize(to: Scratch())
    }

    deinit {
        for v in scratch.pointee.classes { free(v.name) }
        scratch.deinitialize(count: 1); scratch.deallocate()
    }

    func checkNetworks(_ batch: CandidateBatch) throws {
        guard batch.raw.pointee.networks != nil else {
            throw PluginError("mcu cost model needs networks, but the batch has none (networks == NULL): the space builds no networks")
        }
    }

    func estimate(_ batch: CandidateBatch) throws -> [[Double]] {
        try checkNetworks(batch)
        let b = batch.raw.pointee
        return try (0..<Int(b.count)).map { i in
            guard let net = b.networks[i] else { throw PluginError("mcu: candidate \(i) (\(batch.archString(i))) has no network") }
            guard model.profile.runtime == .ideal else {
                do { return try model.metrics(Self.network(NetworkView(net))) } catch {
                    throw PluginError("mcu: candidate \(i) (\(batch.archString(i))): runtime \(model.profile.runtime.rawValue): \(error)"
                                      + " (TFLM's ops are known for the core operator set; `runtime: ideal` prices any op)")
                }
            }
            try scratch.pointee.fill(net)
            return model.metrics(&scratch.pointee.summary)
        }
    }

    func explain(_ batch: CandidateBatch) throws -> String? {
        try checkNetworks(batch)
        guard let view = batch.networks.first ?? nil else { return nil }
        do { return try model.explain(Self.network(view)) } catch {
            throw PluginError("mcu: \(batch.archString(0)): runtime \(model.profile.runtime.rawValue): \(error)")
        }
    }

    static func network(_ v: NetworkView) -> Network {
        Network(tensors: v.tensors.map { TensorShape(c: $0.c, h: $0.h, w: $0.w) },
                layers: v.layers.map { l in
                    Layer(op: l.op, kernel: l.kernel, stride: l.stride, groups: l.groups, expansion: l.expansion,
                          input: l.input, input2: l.input2, output: l.output,
                          inShape: TensorShape(c: l.inC, h: l.inH, w: l.inW),
                          outShape: TensorShape(c: l.outC, h: l.outH, w: l.outW),
                          flags: LayerFlags(rawValue: l.flags), params: l.params, macs: l.macs,
                          weightElems: l.weightElems, biasElems: l.biasElems, cell: l.cell, attrs: attributes(l))
                }, spatialDims: v.spatialDims)
    }

    /// The exact-IR attributes; a 1.0 record has none: its square window
    /// with "same" padding, as the 1.0 ABI defines it.
    static func attributes(_ l: NetworkView.Layer) -> LayerAttributes {
        guard l.hasAttributes else { return .square(kernel: l.kernel, stride: l.stride) }
        func act(_ v: Int32) -> Activation { Activation(rawValue: v) ?? .none }
        return LayerAttributes(kernelH: l.kernelH, kernelW: l.kernelW, strideH: l.strideH, strideW: l.strideW,
                               dilationH: l.dilationH, dilationW: l.dilationW, padTop: l.padTop, padLeft: l.padLeft,
                               padBottom: l.padBottom, padRight: l.padRight, preActivation: act(l.preActivation),
                               activation: act(l.activation), batchNorm: l.batchNorm == HWNAS_BN_FOLDED,
                               shuffleGroups: l.shuffleGroups, hiddenC: l.hiddenC,
                               hiddenActivation: act(l.hiddenActivation), gateActivation: act(l.gateActivation))
    }
}

/// The profile keys of MCUProfile, with its defaults.
let mcuOptions: [OptionSpec] = {
    let d = MCUProfile(clockMHz: 1)
    let big = 0.0...1e12
    return [
        OptionSpec(key: "clock_mhz", kind: .double, help: "core clock in MHz (> 0)", min: 1e-6, max: 1e6, required: true),
        .double("sram_kb", nil, big, "SRAM capacity, shown by explain"),
        .double("flash_kb", nil, big, "flash capacity, shown by explain"),
        .double("cycles_per_mac_conv", d.cyclesPerMACConv, big, "cycles per MAC of convolutions"),
        .double("cycles_per_mac_dwconv", d.cyclesPerMACDepthwise, big, "cycles per MAC of depthwise convolutions"),
        .double("cycles_per_mac_linear", d.cyclesPerMACLinear, big, "cycles per MAC of linear layers"),
        .double("cycles_per_mac_pool", d.cyclesPerMACPool, big, "cycles per window read of pools"),
        .double("cycles_per_elem_eltwise", d.cyclesPerElementEltwise, big, "cycles per element of elementwise work"),
        .double("cycles_per_output", 0, big, "cycles per output element of convolutions and linears (requantisation)"),
        .double("layer_overhead_cycles", 0, big, "fixed cycles per layer"),
        .double("layer_overhead_bytes", 0, big, "flash bytes per layer"),
        .string("runtime", MCURuntime.tflm.rawValue, choices: MCURuntime.allCases.map(\.rawValue), "memory layout priced: tflm (TensorFlow Lite Micro's arena and .tflite file), tinyengine (MCUNet's TinyEngine: in-place depthwise, first-fit planner) or ideal (perfect packing, a lower bound)"),
        OptionSpec(key: "pointer_bytes", kind: .string, defaultValue: "4", help: "tflm: pointer size of the target, 4 (32-bit MCU) or 8 (TFLM's 64-bit host build)", choices: ["4", "8"]),
        .string("tflm_kernels", TFLMKernels.reference.rawValue, choices: TFLMKernels.allCases.map(\.rawValue),
                "tflm: kernel library, reference or cmsis-nn (adds CMSIS-NN's im2col scratch buffers to the arena)"),
        .double("runtime_flash_kb", 0, big, "the runtime's code"),
        .double("runtime_sram_kb", 0, big, "SRAM the runtime needs besides the arena (tflm) or in all (ideal)"),
        .double("active_power_mw", nil, big, "active power: energy = power x latency"),
        .double("energy_pj_per_mac", nil, big, "energy per MAC (when no active power)"),
        .string("core", nil, "the core, informational"),
    ]
}()

private let plugin = PluginExport(costModels: [
    CostModelKind(PluginDescriptor(id: "mcu", name: "Microcontroller (int8) cost model",
                                   description: "peak SRAM (TFLM's arena, or ideal packing), flash (the .tflite file + runtime code), latency from cycles per MAC; options clock_mhz, runtime, cycles_per_mac_*, ...",
                                   options: mcuOptions)) { _, o, logger in
        try MCUPluginModel(options: o, logger: logger)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
