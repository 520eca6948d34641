// Paths, process running and C compiling shared by the tests.
import Foundation
import HwnasCore
import HwnasOps

enum TestSupport {
    /// The package root (Tests/HwnasTests/TestSupport.swift is three levels down).
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Where `swift build`/`swift test` put the hwnas binary and plugin libraries.
    static var productsDir: String { Locations.executableDirectory }
    static var hwnas: String { productsDir + "/hwnas" }
    static var abiInclude: String { repoRoot + "/Sources/ABI/CHwnasABI/include" }

    /// ../shared/benchmarks/REL, read in place (never copied into the repo).
    static func shared(_ rel: String) -> String {
        ((repoRoot as NSString).appendingPathComponent("../shared/benchmarks/\(rel)") as NSString).standardizingPath
    }
    static var nb201CSV: String { shared("nb201/nb201_hw.csv") }

    /// The built plugins, loaded once for the unit tests.
    static let registry = PluginRegistry(paths: [productsDir])

    /// A shipped space (search-spaces/NAME.yaml) with `options` over its file's.
    static func space(_ name: String, options: [String: String] = [:]) throws -> SearchSpace {
        try SpaceCatalog.load(repoRoot + "/search-spaces/\(name).yaml", registry: registry, overrides: options)
    }

    /// The network of a genotype given by choice names, built by the space plugin.
    static func network(_ space: String, choices: [String], options: [String: String] = [:]) throws -> Network {
        let s = try self.space(space, options: options)
        let g = try choices.enumerated().map { d, name -> Int32 in
            guard let c = s.choices[d].firstIndex(of: name) else { throw HwnasError("'\(name)' is not a choice of \(s.dimNames[d])") }
            return Int32(c)
        }
        return try NetworkFactory(space: s, registry: registry).build(g).network
    }

    static func network(_ space: String, genotype: [Int32], options: [String: String] = [:]) throws -> Network {
        let s = try self.space(space, options: options)
        try s.validate(genotype)
        return try NetworkFactory(space: s, registry: registry).build(genotype).network
    }

    struct Run { let status: Int32; let out: String; let err: String; let signaled: Bool }

    @discardableResult
    static func run(_ exe: String, _ args: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> Run {
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
                   err: String(decoding: errData, as: UTF8.self), signaled: p.terminationReason == .uncaughtSignal)
    }

    static func hwnasRun(_ args: [String], env: [String: String] = [:]) throws -> Run {
        try run(hwnas, args, env: env)
    }

    static func tempDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "hwnas-test-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Compiles C sources into a shared library with plain cc.
    static func compileSharedLibrary(_ sources: [String], output: String, include: String, defines: [String] = []) throws {
        let r = try run("/usr/bin/env", ["cc", "-std=c99", "-shared", "-fPIC", "-I", include] + defines + sources + ["-o", output, "-lm"])
        if r.status != 0 { throw HwnasError("cc failed: \(r.err)") }
    }

    static func readJSON(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}
