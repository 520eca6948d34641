// The environment for running this checkout's Python tools (hwnas.supernet,
// tools/tflm/int8_export.py): the package that matches this binary.
import Foundation
import HwnasCore

/// This checkout's Python package first (it matches this binary), else the installed one.
enum PythonPackage {
    static func environment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        if let python = Locations.dataDirectories(named: "python").first(where: {
            FileManager.default.fileExists(atPath: $0 + "/hwnas/torch.py") }) {
            env["PYTHONPATH"] = python + (env["PYTHONPATH"].map { ":" + $0 } ?? "")
        }
        return env
    }
}
