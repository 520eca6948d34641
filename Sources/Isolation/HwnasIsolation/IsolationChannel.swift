// The pipe pair between hwnas and its isolated plugin host (`hwnas search
// --isolate`): one JSON object per line each way. The parent spawns the
// child, writes requests and reads replies; when the child dies (a plugin
// crashed it) reads end and `death` says how.
import Foundation
import HwnasCore
#if canImport(Glibc)
import Glibc
#endif

/// JSON-lines I/O over two file descriptors.
final class JSONLines: @unchecked Sendable {
    let input: Int32, output: Int32
    private var buffer: [UInt8] = []

    init(input: Int32, output: Int32) { self.input = input; self.output = output }

    /// The next object, nil at end of file.
    func read() -> [String: Any]? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = Data(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if let o = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] { return o }
                continue   // a stray line (a plugin printing to stdout) is not protocol
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// False when the other side is gone.
    @discardableResult
    func write(_ object: [String: Any]) -> Bool {
        guard var data = try? JSONSerialization.data(withJSONObject: object) else { return false }
        data.append(10)
        return writeAll(output, data)
    }
}

/// JSON numbers for doubles: NaN and infinities (no JSON form) become null.
enum JSONDoubles {
    static func encode(_ v: [Double]) -> [Any] { v.map { $0.isFinite ? $0 as Any : NSNull() } }
    static func decode(_ a: Any?) -> [Double] { (a as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    static func genotypes(_ a: Any?) -> [[Int32]]? {
        (a as? [[Any]])?.map { $0.map { Int32(truncatingIfNeeded: ($0 as? NSNumber)?.intValue ?? -1) } }
    }
}

/// The isolated plugin host child process, seen from hwnas.
final class IsolatedProcess: @unchecked Sendable {
    let process = Process()
    let lines: JSONLines
    /// What the plugin is, for messages ("evaluator 'naswot' (libX.so)").
    let name: String

    init(executable: String, pluginPaths: [String], name: String) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugin-host"] + pluginPaths.flatMap { ["--plugin-path", $0] }
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = env
        let toChild = Pipe(), fromChild = Pipe()
        process.standardInput = toChild
        process.standardOutput = fromChild
        do { try process.run() } catch { throw HwnasError("--isolate: cannot start \(executable): \(error.localizedDescription)") }
        lines = JSONLines(input: fromChild.fileHandleForReading.fileDescriptor, output: toChild.fileHandleForWriting.fileDescriptor)
        // Our copies of the child's ends were closed by Process; keep the handles alive with self.
        handles = [toChild, fromChild]
    }
    private var handles: [Pipe] = []

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// What to do with a message the child sends while a call is running.
    enum Interjection { case answer([String: Any]), consumed, finalReply }

    /// Sends `request` and reads messages until the call's reply;
    /// `interject` answers the child's questions (a strategy's query_costs)
    /// and takes its progress reports (an evaluator's results).
    func call(_ request: [String: Any], what: String,
              interject: ([String: Any]) -> Interjection = { _ in .finalReply }) throws -> [String: Any] {
        guard lines.write(request) else { throw death(what) }
        while true {
            guard let message = lines.read() else { throw death(what) }
            switch interject(message) {
            case .answer(let a): guard lines.write(a) else { throw death(what) }
            case .consumed: continue
            case .finalReply:
                if let text = message["error"] as? String { throw HwnasError(text) }
                return message
            }
        }
    }

    /// How the child ended, as the error of the call it was in.
    func death(_ what: String) -> HwnasError {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let how: String
        if process.terminationReason == .uncaughtSignal {
            let sig = process.terminationStatus
            how = "crashed (\(sig == SIGSEGV ? "SIGSEGV" : sig == SIGABRT ? "SIGABRT" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE" : sig == SIGILL ? "SIGILL" : "signal \(sig)"))"
        } else {
            how = "ended (exit status \(process.terminationStatus))"
        }
        return HwnasError("\(name): \(what) \(how) in the isolated plugin host")
    }
}
