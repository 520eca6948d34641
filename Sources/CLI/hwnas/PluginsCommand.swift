// `hwnas plugins list|validate`.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools

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
            abstract: "Load a plugin in a child process, exercise every call it offers (with a timeout) and report problems.",
            discussion: """
            Strategies run ask/tell on a made-up space; search spaces are created and their strings round-tripped;
            cost models price and evaluators score a few networks of --space. A crash or a call that does not
            return within --timeout seconds is one "problem:" line naming the plugin and the call.
            """)
        @Argument(help: "The plugin library (.so); a bare file name is looked up in the current folder.") var file: String
        @Option(help: "Space whose networks cost models and evaluators are given.") var space = SearchDefaults.space
        @Option(name: .customLong("option"), help: "KEY=VALUE given to every plugin that declares KEY (repeatable), e.g. file=table.csv.")
        var options: [String] = []
        @Option(help: "Hardware profile whose sections give cost models their options.") var profile: String?
        @Option(help: "Seconds each plugin call may take.") var timeout: Double = 10
        @OptionGroup var paths: PluginPathOptions
        @Flag(help: .hidden) var inProcess = false

        func validate() throws {
            guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a number of seconds > 0") }
        }

        var path: String { PluginLibrary.resolvedPath(file) }

        func run() throws {
            if inProcess { try runChecks() }
            // Run the checks in a child so a crashing or hanging plugin cannot take us down.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            child.arguments = ["plugins", "validate", "--in-process", path, "--space", space, "--timeout", String(timeout)]
                + options.flatMap { ["--option", $0] } + paths.pluginPaths.flatMap { ["--plugin-path", $0] }
                + (profile.map { ["--profile", $0] } ?? [])
            var env = ProcessInfo.processInfo.environment
            env["SWIFT_BACKTRACE"] = "enable=no"
            child.environment = env
            let pipe = Pipe()
            child.standardOutput = pipe
            child.standardError = FileHandle.nullDevice
            try child.run()
            // The child's own watchdog ends a hung call; this one ends a child
            // stuck where it cannot (a library constructor, process exit).
            let limit = max(60, timeout * 30)
            let deadline = DispatchWorkItem { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: deadline)
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            deadline.cancel()
            let lines = out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("problem: ") || $0.hasPrefix("note: ") }
            for l in lines { print(l) }
            var problems = lines.filter { $0.hasPrefix("problem: ") }.count
            if child.terminationReason == .uncaughtSignal && problems == 0 {
                print("problem: \(path): the validator was killed by signal \(child.terminationStatus) (no call was running, or it did not finish within \(Int(limit)) s)")
                problems += 1
            } else if child.terminationStatus != 0 && problems == 0 {
                print("problem: \(path): the validator failed (exit status \(child.terminationStatus))")
                problems += 1
            }
            print(problems == 0 ? "ok: \(path)" : "FAILED: \(path): \(problems) problem(s)")
            throw ExitCode(problems == 0 ? 0 : 1)
        }

        func runChecks() throws -> Never {
            let say: (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
            PluginCall.installCrashReport(prefix: "problem: \(path): ", fd: 1)
            PluginCall.startWatchdog(seconds: timeout)
            var subject = PluginValidator.Subject(space: nil, networks: nil, options: [:])
            do {
                subject.options = try keyValues(options, flag: "--option")
                if let profile {
                    for s in try HardwareProfile.load(profile).sections { subject.modelOptions[s.model] = s.options }
                }
                let registry = paths.registry(quiet: true)
                let s = try SpaceCatalog.load(space, registry: registry)
                subject.space = s
                subject.networks = s.buildsNetworks ? try NetworkFactory(space: s, registry: registry) : nil
            } catch {
                say("note: space \(space) not loaded (\(error)): cost models and evaluators are not exercised")
            }
            let n = PluginValidator.validate(path: path, subject: subject, report: say)
            Foundation.exit(n == 0 ? 0 : 1)
        }
    }
}

/// A bound as written: 20, not 20.0.
func fmtOption(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }
