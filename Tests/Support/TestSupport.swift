// Paths, process running and C compiling shared by the tests.
import Foundation
import HwnasCore
import HwnasOps
import Testing

public enum TestSupport {
    /// The package root (Tests/Support/TestSupport.swift is three levels down).
    public static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Where `swift build`/`swift test` put the hwnas binary and plugin libraries.
    public static var productsDir: String { Locations.executableDirectory }
    public static var hwnas: String { productsDir + "/hwnas" }
    public static var abiInclude: String { repoRoot + "/Sources/ABI/CHwnasABI/include" }

    /// ../shared/benchmarks/REL, read in place (never copied into the repo).
    /// A missing file is recorded as the test's issue, naming the path, before
    /// anything tries to read it.
    public static func shared(_ rel: String) -> String {
        let p = ((repoRoot as NSString).appendingPathComponent("../shared/benchmarks/\(rel)") as NSString).standardizingPath
        if !FileManager.default.fileExists(atPath: p) {
            Issue.record("\(p) not found: the tests read the published benchmark tables in place from ../shared/benchmarks beside the checkout (README.md says where)")
        }
        return p
    }
    public static var nb201CSV: String { shared("nb201/nb201_hw.csv") }

    /// The built plugins, loaded once for the unit tests.
    public static let registry = PluginRegistry(paths: [productsDir])

    /// A shipped space (search-spaces/NAME.yaml) with `options` over its file's.
    public static func space(_ name: String, options: [String: String] = [:]) throws -> SearchSpace {
        try SpaceCatalog.load(repoRoot + "/search-spaces/\(name).yaml", registry: registry, overrides: options)
    }

    /// The network of a genotype given by choice names, built by the space plugin.
    public static func network(_ space: String, choices: [String], options: [String: String] = [:]) throws -> Network {
        let s = try self.space(space, options: options)
        let g = try choices.enumerated().map { d, name -> Int32 in
            guard let c = s.choices[d].firstIndex(of: name) else { throw HwnasError("'\(name)' is not a choice of \(s.dimNames[d])") }
            return Int32(c)
        }
        return try NetworkFactory(space: s, registry: registry).build(g).network
    }

    public static func network(_ space: String, genotype: [Int32], options: [String: String] = [:]) throws -> Network {
        let s = try self.space(space, options: options)
        try s.validate(genotype)
        return try NetworkFactory(space: s, registry: registry).build(genotype).network
    }

    /// A finished child: exit status, output, and its own wall time (launch
    /// to exit, not counting the wait for a free slot).
    public struct Run: Sendable {
        public let status: Int32; public let out: String; public let err: String; public let signaled: Bool
        public let seconds: Double
    }

    /// Runs a child process to its end. The waiting happens on a thread of
    /// its own, never on Swift Testing's shared pool: a test awaits it, and
    /// the pool's threads run other tests meanwhile. At most as many children
    /// as cores run at once (ChildProcessSlots).
    @discardableResult
    public static func run(_ exe: String, _ args: [String], cwd: String? = nil, env: [String: String] = [:]) async throws -> Run {
        await ChildProcessSlots.shared.acquire()
        let result: Result<Run, Error>
        do { result = .success(try await offPool { try runBlocking(exe, args, cwd: cwd, env: env) }) } catch { result = .failure(error) }
        await ChildProcessSlots.shared.release()
        return try result.get()
    }

    /// Waits for a started process on a thread of its own.
    public static func exit(of p: Process) async {
        _ = try? await offPool { p.waitUntilExit() }
    }

    /// Runs blocking work on a thread of its own and awaits its result.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedContinuation { (c: CheckedContinuation<Result<T, Error>, Never>) in
            Thread.detachNewThread { c.resume(returning: Result { try work() }) }
        }.get()
    }

    static func runBlocking(_ exe: String, _ args: [String], cwd: String?, env: [String: String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd ?? repoRoot)
        var e = ProcessInfo.processInfo.environment
        e.removeValue(forKey: "HWNAS_PLUGIN_PATH")
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        let started = Date()
        try p.run()
        // Drain both pipes concurrently so a chatty child cannot block.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Run(status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                   err: String(decoding: errData, as: UTF8.self), signaled: p.terminationReason == .uncaughtSignal,
                   seconds: Date().timeIntervalSince(started))
    }

    public static func hwnasRun(_ args: [String], env: [String: String] = [:]) async throws -> Run {
        try await run(hwnas, args, env: env)
    }

    public static func tempDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "hwnas-test-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Compiles C sources into a shared library with plain cc.
    public static func compileSharedLibrary(_ sources: [String], output: String, include: String, defines: [String] = []) async throws {
        let r = try await run("/usr/bin/env", ["cc", "-std=c99", "-shared", "-fPIC", "-I", include] + defines + sources + ["-o", output, "-lm"])
        if r.status != 0 { throw HwnasError("cc failed: \(r.err)") }
    }

    public static func readJSON(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The JSON objects of a command's output, one per line (other lines skipped).
    public static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// `hwnas cost ARGS`'s metrics.
    public static func costMetrics(_ args: [String]) async throws -> [String: Double] {
        let r = try await hwnasRun(["cost"] + args)
        guard r.status == 0, let obj = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any],
              let m = obj["metrics"] as? [String: Double] else { throw TestFailure("hwnas cost \(args): \(r.out) \(r.err)") }
        return m
    }
}

/// A test's own failure with its reason.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Bounds the child processes the tests run at once to the cores, so
/// awaiting tests do not start dozens of CPU-bound children together.
actor ChildProcessSlots {
    static let shared = ChildProcessSlots(limit: max(2, ProcessInfo.processInfo.activeProcessorCount))
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    init(limit: Int) { free = limit }
    func acquire() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }
    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
