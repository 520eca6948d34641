// `hwnas export`: one architecture as an ONNX model or the IR as JSON.
import ArgumentParser
import Foundation
import HwnasCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one architecture as an ONNX model (batch norm folded) or its network IR as JSON.",
        discussion: "The ONNX model (opset 17, input 'input', output 'output', static shapes) carries the executor's deterministic weights (--weights init, seeded by --seed) or zeros; its float initializers are exactly the `params` hwnas cost reports. --test-data DIR also writes DIR/input_0.pb and DIR/output_0.pb (ONNX TensorProto): hwnas's own output for its input, which any runtime should reproduce.")

    @OptionGroup var space: SpaceOptions
    @Option(help: "Canonical architecture string.") var arch: String?
    @Option(help: "An ONNX model to read instead (--format json: the IR hwnas reads from it).") var model: String?
    @Option(help: "onnx or json (the IR). Default: from the --output extension.") var format: ExportFormat?
    @Option(help: "File to write (.onnx or .json).") var output: String
    @Option(help: "Weights: init (the executor's deterministic initialisation) or zeros.") var weights: ExportWeights = .`init`
    @Option(help: "Seed of the initial weights and of the test input.") var seed: UInt64 = 0
    @Option(name: .customLong("test-data"), help: "Folder for input_0.pb and output_0.pb (ONNX only).") var testData: String?
    @OptionGroup var paths: PluginPathOptions

    func validate() throws {
        if (arch == nil) == (model == nil) { throw ValidationError("give --arch (an architecture of --space) or --model (an ONNX file), not both") }
        if model != nil && resolvedFormat != .json { throw ValidationError("--model goes with --format json (the network IR read from the model)") }
        if format == nil && ExportFormat(path: output) == nil {
            throw ValidationError("--output \(output): cannot tell the format from the extension; give --format onnx or json")
        }
        if testData != nil && resolvedFormat != .onnx { throw ValidationError("--test-data goes with --format onnx") }
    }

    var resolvedFormat: ExportFormat { format ?? ExportFormat(path: output) ?? .onnx }

    func run() throws {
        try reportingErrors {
            try OutputFile.check(output, flag: "--output")
            if let testData { try checkFolder(testData) }
            if let model {
                let imported = try ImportedNetwork.load(model)
                var object = NetworkIRJSON.object(imported.network.network)
                object["model"] = model
                object["params"] = Int(imported.network.network.params)
                object["macs"] = Int(imported.network.network.macs)
                if !imported.notes.isEmpty { object["notes"] = imported.notes }
                try OutputFile.write(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
                                     to: output, flag: "--output")
                print("wrote \(output) (json, the network IR of \(model))")
                return
            }
            let registry = paths.registry()
            let s = try space.load(registry)
            let g = try s.parse(arch!)
            let export = NetworkExport(space: s, registry: registry, weights: weights, seed: seed)
            try OutputFile.write(try export.data(g, format: resolvedFormat), to: output, flag: "--output")
            var lines = ["wrote \(output) (\(resolvedFormat.rawValue), \(s.name), \(s.canonical(g)))"]
            if let testData {
                let (input, out) = try export.testData(g)
                try OutputFile.write(input, to: testData + "/input_0.pb", flag: "--test-data")
                try OutputFile.write(out, to: testData + "/output_0.pb", flag: "--test-data")
                lines.append("wrote \(testData)/input_0.pb and \(testData)/output_0.pb")
            }
            print(lines.joined(separator: "\n"))
        }
    }

    func checkFolder(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw HwnasError("--test-data \(path): not an existing folder")
        }
    }
}
