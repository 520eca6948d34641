// Where `hwnas profile cpu` and `hwnas measure` time networks: hwnas's own
// float32 executor, or a runtime people deploy (ONNX Runtime, through the
// CLI's helper). A lookup table describes the runtime that measured it, and
// its profile says which one in the provenance.
import HwnasCore
import Foundation
import HwnasOps

public protocol LatencyRuntime: AnyObject {
    /// "executor", "onnxruntime".
    var name: String { get }
    /// What the times were measured on, for a profile's description
    /// ("CPU AMD EPYC", "GPU NVIDIA H200").
    var deviceDescription: String { get }
    /// Lines for the profile's provenance (runtime, its version, threads, ...).
    var provenance: [(key: String, value: String)] { get }
    /// Samples (ms) of each of `layers` of `network`, each layer timed alone.
    func timeLayers(_ network: Network, layers: [Int], warmup: Int, repeats: Int, seed: UInt64) throws -> [[Double]]
    /// Samples (ms) of the whole network.
    func timeNetwork(_ network: Network, warmup: Int, repeats: Int, seed: UInt64) throws -> [Double]
}

/// hwnas's executor (im2col + OpenBLAS); each layer is timed inside its
/// network after one full run, so its inputs hold realistic values.
public final class ExecutorLatencyRuntime: LatencyRuntime {
    public let threads: Int
    public init(threads: Int) {
        self.threads = threads
        CPUExecutor.setThreads(threads)
    }

    public var name: String { "executor" }
    public var deviceDescription: String { "CPU \(CPULatencyProfiler.cpuModel)" }
    public var provenance: [(key: String, value: String)] {
        [("runtime", "hwnas executor"), ("threads", "\(threads)"), ("blas", "\"\(CPUExecutor.blasConfig)\"")]
    }

    public func timeLayers(_ network: Network, layers: [Int], warmup: Int, repeats: Int, seed: UInt64) throws -> [[Double]] {
        let ex = try CPUExecutor(network, seed: seed)
        try ex.run()
        return try layers.map { try ex.time(layer: $0, warmup: warmup, repeats: repeats) }
    }

    public func timeNetwork(_ network: Network, warmup: Int, repeats: Int, seed: UInt64) throws -> [Double] {
        try CPUExecutor(network, seed: seed).time(warmup: warmup, repeats: repeats)
    }
}
