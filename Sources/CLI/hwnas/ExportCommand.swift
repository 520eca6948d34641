// `hwnas export`: one architecture as an ONNX model or the IR as JSON.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasOps

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one architecture as an ONNX model (batch norm folded), its network IR as JSON, or an int8 TFLite flatbuffer.",
        discussion: "The ONNX model (opset 17, input 'input', output 'output', static shapes) carries the executor's deterministic weights (--weights init, seeded by --seed) or zeros; its float initializers are exactly the `params` hwnas cost reports. --test-data DIR also writes DIR/input_0.pb and DIR/output_0.pb (ONNX TensorProto): hwnas's own output for its input, which any runtime should reproduce.")

    @OptionGroup var space: SpaceOptions
    @Option(help: "Canonical architecture string.") var arch: String?
    @Option(help: "An ONNX model to read instead: --format json writes the IR hwnas reads from it, --format onnx that IR again with hwnas's weights.") var model: String?
    @Option(help: "onnx, json (the IR) or tflite (int8, for TFLite Micro; python3 with tflite-micro). Default: from the --output extension.") var format: ExportFormat?
    @Option(help: "File to write (.onnx, .json or .tflite).") var output: String
    @Option(help: "Weights: init (the executor's deterministic initialisation) or zeros.") var weights: ExportWeights = .`init`
    @Option(help: "Seed of the initial weights and of the test input.") var seed: UInt64 = 0
    @Option(name: .customLong("test-data"), help: "Folder for input_0.pb and output_0.pb (ONNX only).") var testData: String?
    @Option(name: .customLong("weights-from"), help: "Trained weights: a supernet checkpoint (python3 -m hwnas.supernet train: the subnet's inherited weights, batch norm recalibrated and folded); with --format tflite also a state dict of hwnas.torch.build's module or hwnas's ONNX export with weights (python3 with the hwnas package and torch).") var weightsFrom: String?
    @Option(name: .customLong("calibration-data"), help: "With --weights-from and --format tflite: the data (a bundled set name or a .npz with x_train, y_train, x_test, y_test) whose training inputs calibrate the int8 quantisation; its test split is scored in float and in TFLite Micro.") var calibrationData: String?
    @Option(name: .customLong("calibration-samples"), help: "Training inputs that calibrate the activations' ranges.") var calibrationSamples = 500
    @OptionGroup var paths: PluginPathOptions

    func validate() throws {
        if (arch == nil) == (model == nil) { throw ValidationError("give --arch (an architecture of --space) or --model (an ONNX file), not both") }
        if format == nil && ExportFormat(path: output) == nil {
            throw ValidationError("--output \(output): cannot tell the format from the extension; give --format onnx or json")
        }
        if testData != nil && resolvedFormat != .onnx { throw ValidationError("--test-data goes with --format onnx") }
        if weightsFrom != nil {
            if arch == nil { throw ValidationError("--weights-from needs --arch (the trained network's architecture)") }
            if resolvedFormat == .json { throw ValidationError("--weights-from writes ONNX or TFLite; the IR (--format json) carries no weights") }
            if resolvedFormat == .tflite && calibrationData == nil {
                throw ValidationError("--weights-from with --format tflite needs --calibration-data (a data set name or a .npz): int8 quantisation is calibrated on real inputs")
            }
            if testData != nil { throw ValidationError("--weights-from and --test-data: give one") }
        }
        if calibrationData != nil && (weightsFrom == nil || resolvedFormat != .tflite) {
            throw ValidationError("--calibration-data goes with --weights-from and --format tflite")
        }
        if calibrationSamples < 1 { throw ValidationError("--calibration-samples must be at least 1") }
        if weights == .zeros && resolvedFormat != .onnx {
            throw ValidationError("--weights zeros goes with --format onnx (json carries no weights; tflite's int8 weights are synthetic, seeded by --seed)")
        }
    }

    var resolvedFormat: ExportFormat { format ?? ExportFormat(path: output) ?? .onnx }

    func run() throws {
        try reportingErrors {
            try OutputFile.check(output, flag: "--output")
            if let weightsFrom, resolvedFormat == .onnx {
                try SupernetExport.run(checkpoint: weightsFrom, space: space, arch: arch!, output: output)
                return
            }
            if let testData { try checkFolder(testData) }
            let export = NetworkExport(weights: weights, seed: seed)
            let net: Network, name: String, about: [String: String]
            if let model {
                // A model read back: the IR hwnas understood, or that IR
                // written again with hwnas's weights (checkable in any runtime).
                let imported = try ImportedNetwork.load(model)
                net = imported.network.network; name = imported.label; about = ["model": model]
                if !imported.notes.isEmpty { FileHandle.standardError.write(Data("note: \(imported.notes.joined(separator: "; "))\n".utf8)) }
            } else {
                let registry = paths.registry()
                let s = try space.load(registry)
                let g = s.canonicalize(try s.parse(arch!))
                net = try NetworkExport.network(g, space: s, registry: registry)
                name = s.name; about = ["space": s.name, "arch": s.canonical(g)]
                if let weightsFrom, let calibrationData {
                    try TrainedTFLiteExport.run(weights: weightsFrom, calibration: calibrationData, samples: calibrationSamples,
                                                net: net, arch: s.canonical(g), output: output)
                    return
                }
            }
            var lines = ["wrote \(output) (\(resolvedFormat.rawValue), \(about.sorted { $0.key < $1.key }.map(\.value).joined(separator: ", ")))"]
            if let testData {
                let (model, test) = try export.onnx(net, name: name, doc: NetworkExport.doc(about), testData: true)
                try OutputFile.write(model, to: output, flag: "--output")
                try OutputFile.write(test!.input, to: testData + "/input_0.pb", flag: "--test-data")
                try OutputFile.write(test!.output, to: testData + "/output_0.pb", flag: "--test-data")
                lines.append("wrote \(testData)/input_0.pb and \(testData)/output_0.pb")
            } else {
                try OutputFile.write(try export.data(net, format: resolvedFormat, name: name, about: about), to: output, flag: "--output")
            }
            print(lines.joined(separator: "\n"))
        }
    }

    /// The folder, made (with its parents) when it does not exist yet.
    func checkFolder(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw HwnasError("--test-data \(path): a file, not a folder") }
            return
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw HwnasError("--test-data \(path): cannot create the folder (\(error.localizedDescription))")
        }
    }
}
