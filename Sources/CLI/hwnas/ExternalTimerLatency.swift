// Latencies measured in a runtime people deploy: networks and single layers
// are exported to ONNX (deployed form, the executor's weights) and timed by
// tools/timers/onnx_timer.py, one long-lived Python process (why Python: see
// that file), in ONNX Runtime or PyTorch, on the CPU or a CUDA GPU. A layer
// timed alone pays the runtime's per-call cost that a network pays once: it
// is measured on an Identity model and taken out of every layer sample.
import Foundation
import HwnasCore
import HwnasTools
import HwnasLUT
import HwnasOps

final class ExternalTimerLatency: LatencyRuntime {
    let threads: Int
    let backend: String
    let version: String
    let device: String
    let helperProvenance: [(key: String, value: String)]
    let callOverheadMs: Double
    private let process = Process()
    private let input: FileHandle
    private let output: FileHandle
    private var buffer = Data()
    private let folder: String
    private var counter = 0

    /// `backend`: onnxruntime or torch; `device`: cpu or cuda.
    init(backend: String, device: String, threads: Int) throws {
        self.threads = threads
        self.backend = backend
        let helper = try ToolScript.path("timers/onnx_timer.py", override: "HWNAS_TIMER", for: "--runtime \(backend)")
        folder = NSTemporaryDirectory() + "hwnas-ort-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", helper, "--backend", backend, "--device", device]
        process.standardInput = inPipe; process.standardOutput = outPipe; process.standardError = errPipe
        do { try process.run() } catch { throw HwnasError("--runtime \(backend): cannot start python3 \(helper): \(error)") }
        input = inPipe.fileHandleForWriting
        output = outPipe.fileHandleForReading
        let hello: [String: Any]
        do { hello = try Self.readLine(output, &buffer) } catch {
            throw ToolScript.failure(stderr: errPipe.fileHandleForReading.readDataToEndOfFile(),
                                     prefix: "--runtime \(backend): \(helper) did not start: ")
        }
        version = hello["version"] as? String ?? "unknown"
        self.device = hello["device"] as? String ?? device
        helperProvenance = ((hello["provenance"] as? [String: Any]) ?? [:]).sorted { $0.key < $1.key }
            .map { ($0.key, "\"\($0.value)\"") }
        let samples = try Self.samples(try Self.ask(["type": "overhead", "threads": threads, "warmup": 50, "repeats": 200], input, output, &buffer))
        callOverheadMs = OperatorLUT.Entry(samples: samples).medianMs
    }

    deinit {
        try? input.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    var name: String { backend }
    var deviceDescription: String {
        device.hasPrefix("cuda") ? "GPU \(helperProvenance.first { $0.key == "gpu" }?.value.replacingOccurrences(of: "\"", with: "") ?? device)"
            : "CPU \(CPULatencyProfiler.cpuModel)"
    }
    var provenance: [(key: String, value: String)] {
        [("runtime", backend), ("runtime_version", "\"\(version)\""), ("device", "\"\(device)\""), ("threads", "\(threads)")]
            + helperProvenance + [("call_overhead_ms", String(format: "%.4f", callOverheadMs))]
    }

    static func readLine(_ h: FileHandle, _ buffer: inout Data) throws -> [String: Any] {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<nl]
                buffer.removeSubrange(buffer.startIndex...nl)
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw HwnasError("timer helper: unreadable line \(String(decoding: line, as: UTF8.self).prefix(200))")
                }
                return obj
            }
            let more = h.availableData
            if more.isEmpty { throw HwnasError("timer helper: ended") }
            buffer.append(more)
        }
    }

    static func ask(_ req: [String: Any], _ input: FileHandle, _ output: FileHandle, _ buffer: inout Data) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: req)
        line.append(0x0A)
        do { try input.write(contentsOf: line) } catch { throw HwnasError("timer helper: ended (\(error))") }
        return try readLine(output, &buffer)
    }

    static func samples(_ answer: [String: Any]) throws -> [Double] {
        if let m = answer["message"] as? String { throw HwnasError("timer: \(m)") }
        guard let s = answer["samples_ms"] as? [Double], !s.isEmpty else { throw HwnasError("timer helper: no samples in \(answer)") }
        return s
    }

    /// Samples (ms) of `network`, exported to ONNX with the executor's weights.
    func time(_ network: Network, warmup: Int, repeats: Int, seed: UInt64) throws -> [Double] {
        counter += 1
        let path = "\(folder)/m\(counter).onnx"
        let model = try NetworkExport(seed: seed).onnx(network, name: "timed", doc: "").model
        try model.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Self.samples(try Self.ask(["type": "time", "model": path, "threads": threads, "warmup": warmup,
                                              "repeats": repeats, "seed": Int(seed % (1 << 31))], input, output, &buffer))
    }

    func timeNetwork(_ network: Network, warmup: Int, repeats: Int, seed: UInt64) throws -> [Double] {
        try time(network, warmup: warmup, repeats: repeats, seed: seed)
    }

    /// Each layer exported as a network of its own (its inputs are graph
    /// inputs) and timed alone, less the per-call cost a network pays once.
    /// In a whole network ORT fuses some layers together (an activation or
    /// an add into a convolution) and converts convolutions to its blocked
    /// NCHWc layout with reorders between: what a sum of layers misses is
    /// fitted by the profile's calibration (scale and network overhead).
    /// (Attributing the kernel times of ORT's own profiler to layers was
    /// tried: a fused kernel carries one layer's name, leaving the other at
    /// zero in the table.)
    func timeLayers(_ network: Network, layers: [Int], warmup: Int, repeats: Int, seed: UInt64) throws -> [[Double]] {
        try layers.map { i in
            try time(Self.alone(network.layers[i], in: network), warmup: warmup, repeats: repeats, seed: seed)
                .map { max($0 - callOverheadMs, 0.0001) }
        }
    }

    /// Layer `l` cut out of `net`: input 0, its second input (if any) 1.
    static func alone(_ l: Layer, in net: Network) -> Network {
        var c = l
        var tensors = [l.inShape]
        c.input = 0
        if l.input2 >= 0 {
            if l.input2 == l.input { c.input2 = 0 } else { tensors.append(net.tensors[l.input2]); c.input2 = 1 }
        }
        c.output = tensors.count
        tensors.append(l.outShape)
        return Network(tensors: tensors, layers: [c], spatialDims: net.spatialDims)
    }
}
