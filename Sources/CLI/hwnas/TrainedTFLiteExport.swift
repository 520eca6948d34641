// `hwnas export --format tflite --weights-from W --calibration-data D`: the
// trained network as the int8 file a board runs (tools/tflm/int8_export.py:
// batch norm folded, post-training quantisation calibrated on D), the same
// graph as the synthetic export, so its arena is what `hwnas cost` prices.
import Foundation
import HwnasCore
import HwnasOps

enum TrainedTFLiteExport {
    static func run(weights: String, calibration: String, samples: Int, net: Network, arch: String, output: String) throws {
        guard FileManager.default.fileExists(atPath: weights) else { throw HwnasError("--weights-from \(weights): no such file") }
        if calibration.hasSuffix(".npz"), !FileManager.default.fileExists(atPath: calibration) {
            throw HwnasError("--calibration-data \(calibration): no such file")
        }
        let script = try ToolScript.path("tflm/int8_export.py", override: "HWNAS_INT8_EXPORT", for: "--weights-from with --format tflite")
        let (out, data) = try NetworkExport.tflite(net, graph: net.tfliteConverterRewritten(), script: script,
                                                   arguments: ["--weights", weights, "--calibration", calibration, "--samples", "\(samples)",
                                                               "--arch", arch, "--hwnas", Locations.executableDirectory + "/hwnas"],
                                                   for: "--weights-from \(weights)", environment: PythonPackage.environment())
        try OutputFile.write(data, to: output, flag: "--output")
        let reply = (try? JSONSerialization.jsonObject(with: out)) as? [String: Any]
        func pct(_ key: String) -> String { (reply?[key] as? Double).map { String(format: "%.2f %%", 100 * $0) } ?? "?" }
        print("wrote \(output) (tflite int8, \(arch), trained weights from \(weights), quantisation calibrated on \(calibration)); "
              + "test accuracy: float \(pct("float_accuracy")), int8 in TFLite Micro \(pct("int8_accuracy")) "
              + "(\(reply?["test_samples"] ?? "?") samples)")
    }
}
