// `hwnas plugins list|validate`.
import ArgumentParser
import Foundation
import HwnasCore

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List or validate plugins.",
        subcommands: [List.self, Show.self, Validate.self], defaultSubcommand: List.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a plugin: what it is, its file, and every option it takes.")
        @Argument(help: "Plugin id (e.g. mcu, naswot, predictor).") var id: String
        @OptionGroup var paths: PluginPathOptions

        func run() throws {
            try reportingErrors {
                let r = paths.registry()
                let hits = r.descriptors.filter { $0.id == id }
                guard !hits.isEmpty else {
                    throw HwnasError("no plugin '\(id)' (have: \(Set(r.descriptors.map(\.id)).sorted().joined(separator: ", ")))")
                }
                for (n, d) in hits.enumerated() {
                    if n > 0 { print("") }
                    print("\(d.kind.rawValue) \(d.id): \(d.name)")
                    print("  \(d.description)")
                    print("  version \(d.version), vendor \(d.vendor), ABI \(d.abiVersion), \(d.file)")
                    guard let options = d.options else {
                        print("  options: not declared (a plugin built against ABI 1.0): any option passes unchecked")
                        continue
                    }
                    if options.isEmpty { print("  options: none"); continue }
                    print("  options:")
                    printTable(["KEY", "TYPE", "DEFAULT", "VALUES", "HELP"], options.map { o in
                        var values = o.choices?.joined(separator: "|") ?? ""
                        if let lo = o.min, let hi = o.max { values = hi >= 1e9 ? ">= \(fmtOption(lo))" : "\(fmtOption(lo))...\(fmtOption(hi))" }
                        else if let lo = o.min { values = ">= \(fmtOption(lo))" } else if let hi = o.max { values = "<= \(fmtOption(hi))" }
                        return [o.key, o.kind.description, o.required ? "(required)" : o.defaultValue ?? "-", values, o.help]
                    }, indent: "    ")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every plugin on the search path.")
        @OptionGroup var paths: PluginPathOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let r = paths.registry()
            let rows = r.descriptors
            if json {
                try printJSON(rows.map { ["id": $0.id, "kind": $0.kind.rawValue, "version": $0.version, "abi": $0.abiVersion,
                                          "vendor": $0.vendor, "file": $0.file, "description": $0.description] })
                return
            }
            printTable(["ID", "KIND", "VERSION", "ABI", "FILE"], rows.map { [$0.id, $0.kind.rawValue, $0.version, $0.abiVersion, $0.file] })
            if rows.isEmpty { print("(no plugins found; build them with `swift build` or pass --plugin-path)") }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a plugin in a child process, exercise it and report problems.")
        @Argument(help: "The plugin library (.so).") var file: String
        @Flag(help: .hidden) var inProcess = false

        func run() throws {
            if inProcess {
                let problems = PluginValidator.validate(path: file)
                for p in problems { print("problem: \(p)") }
                if problems.isEmpty { print("ok: \(file)") }
                throw ExitCode(problems.isEmpty ? 0 : 1)
            }
            // Run the checks in a child so a crashing plugin cannot take us down.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            child.arguments = ["plugins", "validate", "--in-process", file]
            let pipe = Pipe()
            child.standardOutput = pipe
            child.standardError = pipe
            try child.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            print(out, terminator: "")
            if child.terminationReason == .uncaughtSignal {
                print("problem: \(file): plugin crashed the validator (signal \(child.terminationStatus))")
                throw ExitCode(1)
            }
            throw ExitCode(child.terminationStatus)
        }
    }
}

/// A bound as written: 20, not 20.0.
func fmtOption(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }
