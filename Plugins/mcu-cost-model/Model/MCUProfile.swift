// What the MCU cost model knows about one microcontroller. Built from the
// string options of a hardware profile's `mcu:` section.
import HwnasOps

/// How the inference runtime lays out memory: what peak SRAM and flash mean.
public enum MCURuntime: String, Sendable, Hashable, CaseIterable {
    /// TensorFlow Lite Micro: its greedy-planned tensor arena plus its
    /// persistent allocations; flash is the .tflite file (TFLMGraph, TFLMArena).
    case tflm
    /// MCUNet's TinyEngine: its code generator's schedule of the converter's
    /// graph (in-place depthwise, PAD fused), its first-fit planner and
    /// static im2col and kernel buffers; flash is weights, biases and scales
    /// (TinyEngineSchedule).
    case tinyengine
    /// An ideal runtime: perfectly packed live tensors, in-place layers
    /// where the IR allows (MemoryPlanner), a flat runtime_sram_kb; flash
    /// is weights + biases + layer_overhead_bytes per layer. A lower bound.
    case ideal
}

public struct MCUProfile: Sendable, Hashable {
    /// The runtime whose memory layout is priced, and (tflm) the target's
    /// pointer size: 4 on a 32-bit MCU, 8 for TFLM's 64-bit host build.
    public var runtime: MCURuntime = .tflm
    public var pointerBytes: Int = 4
    /// tflm: the kernel library (its scratch buffers).
    public var tflmKernels: TFLMKernels = .reference
    /// Capacities (informational: constraints are set on the command line).
    public var sramKB: Double?
    public var flashKB: Double?
    public var clockMHz: Double
    /// Cycles per multiply-accumulate by operator class.
    public var cyclesPerMACConv: Double
    public var cyclesPerMACDepthwise: Double
    public var cyclesPerMACLinear: Double
    public var cyclesPerMACPool: Double
    /// Cycles per element of elementwise work (add, residual add, batchnorm, zero fill).
    public var cyclesPerElementEltwise: Double
    /// Cycles per output element of a convolution or linear layer
    /// (requantise, clamp, store): what makes thin layers cost more per MAC.
    public var cyclesPerOutput: Double = 0
    /// Fixed cycles per layer (kernel call, requantisation setup).
    public var layerOverheadCycles: Double
    /// Flash bytes per layer for its description (shapes, quantisation params).
    public var layerOverheadBytes: Double
    /// Inference runtime: code in flash, its own state in SRAM.
    public var runtimeFlashKB: Double
    public var runtimeSRAMKB: Double
    /// Energy: either average active power (energy = power x latency) or a
    /// per-MAC energy; nil when the profile gives neither.
    public var activePowerMW: Double?
    public var energyPJPerMAC: Double?

    public static let knownKeys: Set<String> = [
        "model", "sram_kb", "flash_kb", "clock_mhz", "cycles_per_mac_conv", "cycles_per_mac_dwconv",
        "cycles_per_mac_linear", "cycles_per_mac_pool", "cycles_per_elem_eltwise", "cycles_per_output", "layer_overhead_cycles",
        "layer_overhead_bytes", "runtime_flash_kb", "runtime_sram_kb", "active_power_mw", "energy_pj_per_mac", "core",
        "runtime", "pointer_bytes", "tflm_kernels",
    ]

    public init(clockMHz: Double, cyclesPerMACConv: Double = 1, cyclesPerMACDepthwise: Double = 2,
                cyclesPerMACLinear: Double = 1, cyclesPerMACPool: Double = 1, cyclesPerElementEltwise: Double = 2,
                layerOverheadCycles: Double = 0, layerOverheadBytes: Double = 0, runtimeFlashKB: Double = 0,
                runtimeSRAMKB: Double = 0, sramKB: Double? = nil, flashKB: Double? = nil,
                activePowerMW: Double? = nil, energyPJPerMAC: Double? = nil) {
        self.clockMHz = clockMHz; self.cyclesPerMACConv = cyclesPerMACConv
        self.cyclesPerMACDepthwise = cyclesPerMACDepthwise; self.cyclesPerMACLinear = cyclesPerMACLinear
        self.cyclesPerMACPool = cyclesPerMACPool; self.cyclesPerElementEltwise = cyclesPerElementEltwise
        self.layerOverheadCycles = layerOverheadCycles; self.layerOverheadBytes = layerOverheadBytes
        self.runtimeFlashKB = runtimeFlashKB; self.runtimeSRAMKB = runtimeSRAMKB
        self.sramKB = sramKB; self.flashKB = flashKB
        self.activePowerMW = activePowerMW; self.energyPJPerMAC = energyPJPerMAC
    }

    /// Parses profile options; `clock_mhz` is required, the rest default as
    /// in the memberwise init. Throws on a malformed or negative number.
    public init(options: [String: String]) throws {
        func number(_ key: String) throws -> Double? {
            guard let s = options[key]?.trimmingCharacters(in: " \t") else { return nil }
            guard let v = Double(s), v.isFinite, v >= 0 else {
                throw MCUProfileError("option '\(key)' must be a non-negative number, got '\(s)'")
            }
            return v
        }
        guard let clock = try number("clock_mhz"), clock > 0 else {
            throw MCUProfileError("option 'clock_mhz' (core clock in MHz, > 0) is required")
        }
        let d = MCUProfile(clockMHz: clock)
        self.init(clockMHz: clock,
                  cyclesPerMACConv: try number("cycles_per_mac_conv") ?? d.cyclesPerMACConv,
                  cyclesPerMACDepthwise: try number("cycles_per_mac_dwconv") ?? d.cyclesPerMACDepthwise,
                  cyclesPerMACLinear: try number("cycles_per_mac_linear") ?? d.cyclesPerMACLinear,
                  cyclesPerMACPool: try number("cycles_per_mac_pool") ?? d.cyclesPerMACPool,
                  cyclesPerElementEltwise: try number("cycles_per_elem_eltwise") ?? d.cyclesPerElementEltwise,
                  layerOverheadCycles: try number("layer_overhead_cycles") ?? 0,
                  layerOverheadBytes: try number("layer_overhead_bytes") ?? 0,
                  runtimeFlashKB: try number("runtime_flash_kb") ?? 0,
                  runtimeSRAMKB: try number("runtime_sram_kb") ?? 0,
                  sramKB: try number("sram_kb"), flashKB: try number("flash_kb"),
                  activePowerMW: try number("active_power_mw"), energyPJPerMAC: try number("energy_pj_per_mac"))
        cyclesPerOutput = try number("cycles_per_output") ?? 0
        if let r = options["runtime"]?.trimmingCharacters(in: " \t") {
            guard let v = MCURuntime(rawValue: r) else {
                throw MCUProfileError("option 'runtime' must be one of \(MCURuntime.allCases.map(\.rawValue).joined(separator: ", ")), got '\(r)'")
            }
            runtime = v
        }
        if let p = options["pointer_bytes"]?.trimmingCharacters(in: " \t") {
            guard let v = Int(p), TFLMLayout.forPointerBytes(v) != nil else {
                throw MCUProfileError("option 'pointer_bytes' must be 4 (a 32-bit MCU) or 8 (TFLM's 64-bit host build), got '\(p)'")
            }
            pointerBytes = v
        }
        if let k = options["tflm_kernels"]?.trimmingCharacters(in: " \t") {
            guard let v = TFLMKernels(rawValue: k) else {
                throw MCUProfileError("option 'tflm_kernels' must be one of \(TFLMKernels.allCases.map(\.rawValue).joined(separator: ", ")), got '\(k)'")
            }
            tflmKernels = v
        }
    }

    /// TFLM's struct sizes on this target.
    public var tflmLayout: TFLMLayout { TFLMLayout.forPointerBytes(pointerBytes) ?? .mcu32 }

    /// Option keys this profile does not understand (likely typos).
    public static func unknownKeys(_ options: [String: String]) -> [String] {
        options.keys.filter { !knownKeys.contains($0) }.sorted()
    }
}

public struct MCUProfileError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
