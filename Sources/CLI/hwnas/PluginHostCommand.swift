// `hwnas plugin-host` (hidden): the child process of `hwnas search
// --isolate`. It serves one strategy or evaluator over stdin/stdout; see
// Sources/Isolation/HwnasIsolation.
import ArgumentParser
import HwnasCore
import HwnasIsolation

struct PluginHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-host", abstract: "Serve plugin calls for an isolated search (started by hwnas itself).",
        shouldDisplay: false)
    @OptionGroup var paths: PluginPathOptions

    func run() throws {
        // hwnas (the parent) reports a crash here, naming the call: no second line.
        PluginCall.installCrashReport(fd: -1)
        PluginHostServer(registry: paths.registry(quiet: true)).run()
    }
}
