// --runtime and --device of `hwnas profile cpu|gpu` and `hwnas measure`.
import ArgumentParser
import HwnasCore
import HwnasTools

enum RuntimeChoice: String, ExpressibleByArgument, CaseIterable {
    /// hwnas's float32 executor (im2col + OpenBLAS), CPU only.
    case executor
    /// ONNX Runtime (CPU or CUDA execution provider), tools/timers/onnx_timer.py.
    case onnxruntime
    /// PyTorch running the exported model (tools/timers/onnx_torch.py), CPU or CUDA.
    case torch

    func make(device: DeviceChoice, threads: Int) throws -> LatencyRuntime {
        switch self {
        case .executor:
            guard device == .cpu else { throw HwnasError("--runtime executor runs on the CPU only; give --runtime torch or onnxruntime for --device cuda") }
            return ExecutorLatencyRuntime(threads: threads)
        case .onnxruntime, .torch:
            return try ExternalTimerLatency(backend: rawValue, device: device.rawValue, threads: threads)
        }
    }

    /// The runtime a profile was measured in (its provenance), else the executor.
    init(profile: HardwareProfile) {
        self = RuntimeChoice(rawValue: profile.provenance["runtime"] ?? "") ?? .executor
    }
}

enum DeviceChoice: String, ExpressibleByArgument, CaseIterable {
    case cpu, cuda

    /// The device a profile was measured on (its provenance), else the CPU.
    init(profile: HardwareProfile) {
        self = (profile.provenance["device"] ?? "").hasPrefix("cuda") ? .cuda : .cpu
    }
}
