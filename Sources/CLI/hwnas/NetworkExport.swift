// Writes a network as a file another tool reads: an ONNX model (deployed
// form, BN folded) or the IR as JSON. Shared by `hwnas export` (an
// architecture of a space, or a model read back) and `hwnas search
// --export-best`.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools
import HwnasONNX
import HwnasOps

enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    /// ONNX (float32, BN folded), the IR as JSON, or an int8 TFLite flatbuffer.
    case onnx, json, tflite

    /// The format a file name asks for, or nil.
    init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "onnx": self = .onnx
        case "json": self = .json
        case "tflite": self = .tflite
        default: return nil
        }
    }
}

enum ExportWeights: String, ExpressibleByArgument, CaseIterable {
    /// The executor's deterministic initialisation (Kaiming-uniform, seeded).
    case `init`
    case zeros
}

struct NetworkExport {
    var weights: ExportWeights = .`init`
    var seed: UInt64 = 0

    /// The network of canonical genotype `g` of `space`.
    static func network(_ g: [Int32], space: SearchSpace, registry: PluginRegistry) throws -> Network {
        guard space.buildsNetworks else {
            throw HwnasError("space \(space.name) builds no networks (its plugin '\(space.plugin.id)' names no operator set): nothing to export")
        }
        return try NetworkFactory(space: space, registry: registry).build(g).network
    }

    /// The file for `net`; `about` goes into the JSON's keys (space, arch
    /// or model) and the ONNX model's doc string.
    func data(_ net: Network, format: ExportFormat, name: String, about: [String: String]) throws -> Data {
        switch format {
        case .json:
            return try NetworkIRJSON.document(net, about: about)
        case .onnx:
            return try onnx(net, name: name, doc: Self.doc(about)).model
        case .tflite:
            return try tflite(net)
        }
    }

    /// What was exported (space and arch, or model), for the ONNX doc string.
    static func doc(_ about: [String: String]) -> String {
        about.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// The ONNX model of `net` with the executor's weights (or zeros of the
    /// same sizes); with `testData`, also the executor's input and output for
    /// those weights (batch 1) as ONNX TensorProto files: what a runtime must
    /// reproduce. One executor gives both.
    func onnx(_ net: Network, name: String, doc: String, testData: Bool = false) throws
        -> (model: Data, test: (input: Data, output: Data)?) {
        if testData && weights != .`init` { throw HwnasError("--test-data: needs --weights init (the executor runs its own weights)") }
        let ex = try CPUExecutor(net, batch: 1, seed: seed)
        var parameters = (0..<net.layers.count).map { ex.deployedParameters($0) }
        if weights == .zeros { parameters = parameters.map { $0.map { [Float](repeating: 0, count: $0.count) } } }
        let model = try ONNXExporter.model(net, parameters: parameters, name: name, producerVersion: HwnasVersion.string,
                                           docString: "hwnas export: \(doc)\(doc.isEmpty ? "" : ", ")weights \(weights.rawValue) (seed \(seed)), batch norm folded")
        guard testData else { return (try model.serializedData(), nil) }
        try ex.run()
        return (try model.serializedData(), (try ONNXExporter.tensorFile(ex.tensor(0), like: model.graph.input[0]),
                                              try ONNXExporter.tensorFile(ex.tensor(net.outputTensor), like: model.graph.output[0])))
    }

    /// The int8 TFLite flatbuffer of `net`, written by tools/tflm/ir_to_tflite.py
    /// from the IR (the ops TFLite's converter emits; synthetic quantisation).
    func tflite(_ net: Network) throws -> Data {
        let script = try ToolScript.path("tflm/ir_to_tflite.py", override: "HWNAS_TFLITE_WRITER", for: "--format tflite")
        // The converter's graph (shared and fused activations): what `runtime: tflm` prices.
        return try Self.tflite(net.tfliteConverterRewritten().network, script: script, arguments: ["--seed", "\(seed)"],
                               for: "--format tflite").file
    }

    /// Runs a TFLite writer `script NET.json OUT.tflite ARGUMENTS` on `net`'s
    /// IR in a scratch folder (removed after): its standard output and the file.
    /// With `graph`, also `--graph GRAPH.json`: the converter's graph of `net`
    /// (TFLiteConverterRewrites.swift), each layer's `net` layer in "origin".
    static func tflite(_ net: Network, graph: (network: Network, origin: [Int])? = nil, script: String, arguments: [String],
                       for flag: String, environment: [String: String]? = nil) throws -> (stdout: Data, file: Data) {
        let dir = NSTemporaryDirectory() + "hwnas-tflite-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try JSONSerialization.data(withJSONObject: NetworkIRJSON.object(net)).write(to: URL(fileURLWithPath: dir + "/net.json"))
        var extra: [String] = []
        if let graph {
            var object = NetworkIRJSON.object(graph.network)
            object["origin"] = graph.origin
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: dir + "/graph.json"))
            extra = ["--graph", dir + "/graph.json"]
        }
        let out = try ToolScript.run(script, [dir + "/net.json", dir + "/net.tflite"] + arguments + extra, for: flag,
                                     environment: environment)
        guard let data = FileManager.default.contents(atPath: dir + "/net.tflite") else {
            throw HwnasError("\(flag): \(script) wrote no file")
        }
        return (out, data)
    }
}
