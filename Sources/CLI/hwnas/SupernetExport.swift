// `hwnas export --weights-from ckpt.pt`: a subnet of a supernet trained by
// `python3 -m hwnas.supernet train`, with its inherited weights. The weights
// live in PyTorch, so the Python package writes the file: it recalibrates
// and folds batch norm and fills this binary's own ONNX export of the
// architecture with them (python/hwnas/supernet.py, export).
import Foundation
import HwnasCore

enum SupernetExport {
    static func run(checkpoint: String, space: SpaceOptions, arch: String, output: String) throws {
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw HwnasError("--weights-from \(checkpoint): no such file")
        }
        var args = ["export", "--checkpoint", checkpoint, "--arch", arch, "--output", output,
                    "--hwnas", Locations.executableDirectory + "/hwnas"]
        // The checkpoint knows its space; one given on the command line must
        // be that one (the default nb201 is not a choice the user made).
        if commandLineGives("--space") || !space.spaceOptions.isEmpty {
            args += ["--space", space.space]
            for o in space.spaceOptions { args += ["--space-option", o] }
        }
        let out = try ToolScript.run("-m hwnas.supernet", args, for: "--weights-from \(checkpoint)", environment: PythonPackage.environment())
        let reply = (try? JSONSerialization.jsonObject(with: out)) as? [String: Any]
        let acc = (reply?["accuracy"] as? Double).map { String(format: "%.4f", $0) } ?? "?"
        print("wrote \(output) (onnx, \(arch), inherited weights from \(checkpoint); test accuracy \(acc) after batch-norm recalibration)")
    }
}
