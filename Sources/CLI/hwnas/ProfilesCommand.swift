// `hwnas profiles list`.
import ArgumentParser
import Foundation
import HwnasCore

struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles", abstract: "List hardware profiles.",
        subcommands: [List.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the profiles in hardware-profiles/ folders (current folder, HWNAS_HOME, the package) and the file each name loads.")
        func run() throws {
            let (profiles, shadowed, problems) = HardwareProfile.discover()
            for p in problems { FileHandle.standardError.write(Data("hwnas: warning: skipped profile \(p)\n".utf8)) }
            printTable(["NAME", "MODELS", "FILE", "DESCRIPTION"], profiles.map { p in
                [p.name, p.sections.map(\.model).joined(separator: ","), p.path, p.description]
            })
            // A same-named file earlier on the path wins: say which one is hidden.
            for h in shadowed {
                let winner = profiles.first { $0.name == h.name }.map(\.path) ?? "?"
                print("note: \(h.name): \(winner) shadows \(h.path)")
            }
        }
    }
}
