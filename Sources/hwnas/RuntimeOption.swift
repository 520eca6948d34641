// --runtime of `hwnas profile cpu` and `hwnas measure`.
import ArgumentParser
import HwnasCore

enum RuntimeChoice: String, ExpressibleByArgument, CaseIterable {
    /// hwnas's float32 executor (im2col + OpenBLAS).
    case executor
    /// ONNX Runtime's CPU execution provider (tools/onnxruntime/ort_timer.py).
    case onnxruntime

    func make(threads: Int) throws -> LatencyRuntime {
        switch self {
        case .executor: return ExecutorLatencyRuntime(threads: threads)
        case .onnxruntime: return try ONNXRuntimeLatency(threads: threads)
        }
    }

    /// The runtime a profile was measured in (its provenance), else the executor.
    init(profile: HardwareProfile) {
        self = profile.provenance["runtime"] == "onnxruntime" ? .onnxruntime : .executor
    }
}
