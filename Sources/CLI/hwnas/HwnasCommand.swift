// The `hwnas` command: a hardware-constrained neural architecture search
// whose strategies, cost models, operator sets and evaluators are plugins.
import ArgumentParser
import Foundation
import HwnasCore

@main
struct HwnasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hwnas",
        abstract: "Hardware-aware neural architecture search with plugins.",
        version: HwnasVersion.string,
        subcommands: [
            SearchCommand.self,
            CostCommand.self,
            PluginsCommand.self,
            ProfilesCommand.self,
            LutCommand.self,
            ProfileCommand.self,
            MeasureCommand.self,
            BenchCommand.self,
            CorrelateCommand.self,
            SpacesCommand.self,
            ExportCommand.self,
            PluginHostCommand.self,
            // HELPER-SUBCOMMANDS (add new subcommand types above this marker)
        ]
    )

    /// A plugin that crashes is named in one line, not a backtrace.
    static func main() {
        PluginCall.installCrashReport()
        // A file-size limit (ulimit -f) is a write error to report, not a kill.
        signal(SIGXFSZ, SIG_IGN)
        main(nil)
    }
}
