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

    /// Runs `python3 script args` (`script` may be `-m module`); its last
    /// stderr line is the error. Returns what it wrote to stdout.
    @discardableResult
    static func run(_ script: String, _ args: [String], for flag: String, environment: [String: String]? = nil) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + script.split(separator: " ").map(String.init) + args
        if let environment { p.environment = environment }
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = out
        do { try p.run() } catch { throw HwnasError("\(flag): cannot start python3 \(script): \(error)") }
        // stdout on another thread: a helper that fills one pipe while we
        // read the other would otherwise block both.
        let output = Received()
        let reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) { output.data = out.fileHandleForReading.readDataToEndOfFile() }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        reading.wait()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw failure(stderr: data, prefix: "\(flag): ") }
        return output.data
    }

    /// Written by the reading thread, read after it is done.
    private final class Received: @unchecked Sendable { var data = Data() }

    /// A helper's failure in one line: the last line it wrote to stderr,
    /// and how to install what it imports when that is what is missing.
    static func failure(stderr: Data, prefix: String) -> HwnasError {
        let last = String(decoding: stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no message"
        let hint = last.contains("No module named") ? " (python3 -m pip install -r tools/requirements-ci.txt)" : ""
        return HwnasError(prefix + last + hint)
    }
}
