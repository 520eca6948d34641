// `hwnas cost`: the hardware metrics of one architecture, or of an ONNX
// model, as JSON.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools

struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost", abstract: "Print the hardware metrics of one architecture (or an ONNX model) as JSON.",
        discussion: """
        --model reads an ONNX model into the network IR (docs/export.md lists the ops) and prices it with the profile's cost models, like a candidate of a space: e.g. hwnas cost --model net.onnx --profile stm32f746.
        --archs prices many architectures in one process: one per line (blank lines and lines starting with # are skipped), one CSV row each (arch, then the metrics; the same numbers as one at a time), to --csv or stdout: e.g. hwnas cost --space nb201 --profile raspi4 --archs archs.txt --csv costs.csv.
        """)

    @OptionGroup var space: SpaceOptions
    @Option(help: "Hardware profile name or path.") var profile = SearchDefaults.profile
    @Option(help: "Canonical architecture string (of --space).") var arch: String?
    @Option(help: "An ONNX model to price instead of an architecture.") var model: String?
    @Option(help: "A file of architectures of --space, one per line: price them all, one CSV row each.") var archs: String?
    @Option(help: "With --archs: write the CSV here instead of stdout.") var csv: String?
    @OptionGroup var paths: PluginPathOptions

    struct Output: Encodable {
        var arch: String?
        var genotype: [Int32]?
        var model: String?
        let profile: String
        let metrics: [String: Double]
        let notes: [String: String]
    }

    func validate() throws {
        if [arch, model, archs].compactMap({ $0 }).count != 1 {
            throw ValidationError("give one of --arch (an architecture of --space), --archs (a file of them) or --model (an ONNX file)")
        }
        if csv != nil && archs == nil { throw ValidationError("--csv goes with --archs") }
    }

    func run() throws {
        try reportingErrors {
            let registry = paths.registry()
            let p = try HardwareProfile.load(profile)
            if let model {
                let imported = try ImportedNetwork.load(model)
                let costs = try HardwareCosts(profile: p, space: nil, cspace: imported.cspace, registry: registry, networks: nil)
                let row = try costs.costs(networks: [imported.network], labels: [imported.label])[0]
                var notes = costs.explain(network: imported.network, label: imported.label)
                if !imported.notes.isEmpty { notes["import"] = imported.notes.joined(separator: "; ") }
                for w in costs.warnings { notes["warning", default: ""] += w }
                if costs.named(row).isEmpty {
                    notes["hwnas"] = "profile \(p.name)'s cost models price nothing for this model (their notes say why: a table keyed by architectures knows only its own, a lookup table only the layers it measured)"
                }
                try printJSON(Output(model: model, profile: p.name, metrics: costs.named(row), notes: notes))
                return
            }
            if let csv { try OutputFile.check(csv, flag: "--csv") }
            let s = try space.load(registry)
            let networks = s.buildsNetworks ? try NetworkFactory(space: s, registry: registry) : nil
            let costs = try HardwareCosts(profile: p, space: s, cspace: CSearchSpace(s), registry: registry, networks: networks)
            if let archs {
                let text = try BatchCosts.table(archsFile: archs, space: s, costs: costs)
                if let csv { try OutputFile.write(text, to: csv, flag: "--csv") } else { print(text, terminator: "") }
                for w in costs.warnings { FileHandle.standardError.write(Data("hwnas: warning: \(w)\n".utf8)) }
                return
            }
            let g = try s.parse(arch!)
            let row = try costs.costs([g])[0]
            try printJSON(Output(arch: s.canonical(g), genotype: g, profile: p.name, metrics: costs.named(row),
                                 notes: try costs.explain(g)))
        }
    }
}
