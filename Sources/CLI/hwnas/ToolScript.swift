// The Python helpers under tools/ that the CLI runs (timers, the TFLite
// writer): found in the current folder, HWNAS_HOME or above the binary.
import Foundation
import HwnasCore

enum ToolScript {
    /// tools/`relative`, or `override` (an environment variable's path) when set.
    static func path(_ relative: String, override variable: String, for flag: String) throws -> String {
        if let p = ProcessInfo.processInfo.environment[variable] { return p }
        for dir in Locations.dataDirectories(named: "tools") {
            let p = dir + "/" + relative
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        throw HwnasError("\(flag): tools/\(relative) not found (run from the hwnas folder or set HWNAS_HOME)")
    }

    /// Runs `python3 script args`; its last stderr line is the error.
    static func run(_ script: String, _ args: [String], for flag: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { throw HwnasError("\(flag): cannot start python3 \(script): \(error)") }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw failure(stderr: data, prefix: "\(flag): ") }
    }

    /// A helper's failure in one line: the last line it wrote to stderr,
    /// and how to install what it imports when that is what is missing.
    static func failure(stderr: Data, prefix: String) -> HwnasError {
        let last = String(decoding: stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no message"
        let hint = last.contains("No module named") ? " (python3 -m pip install -r tools/requirements-ci.txt)" : ""
        return HwnasError(prefix + last + hint)
    }
}
