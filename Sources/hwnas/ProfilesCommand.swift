// `hwnas profiles list`.
import ArgumentParser
import Foundation
import HwnasCore

struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles", abstract: "List hardware profiles.",
        subcommands: [List.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the profiles in hardware-profiles/ folders.")
        func run() throws {
            let (profiles, problems) = HardwareProfile.discover()
            for p in problems { FileHandle.standardError.write(Data("hwnas: warning: skipped profile \(p)\n".utf8)) }
            let w = max(4, profiles.map(\.name.count).max() ?? 0)
            print("NAME".padding(toLength: w, withPad: " ", startingAt: 0) + "  MODELS  DESCRIPTION")
            for p in profiles {
                let models = p.sections.map(\.model).joined(separator: ",")
                print(p.name.padding(toLength: w, withPad: " ", startingAt: 0) + "  \(models)  \(p.description)")
            }
        }
    }
}
