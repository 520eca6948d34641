// `hwnas cost`: the hardware metrics of one architecture as JSON.
import ArgumentParser
import Foundation
import HwnasCore

struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost", abstract: "Print the hardware metrics of one architecture as JSON.")

    @OptionGroup var space: SpaceOptions
    @Option(help: "Hardware profile name or path.") var profile = SearchDefaults.profile
    @Option(help: "Canonical architecture string.") var arch: String
    @OptionGroup var paths: PluginPathOptions

    struct Output: Encodable {
        let arch: String
        let genotype: [Int32]
        let profile: String
        let metrics: [String: Double]
        let notes: [String: String]
    }

    func run() throws {
        try reportingErrors {
            let registry = paths.registry()
            let s = try space.load(registry)
            let p = try HardwareProfile.load(profile)
            let g = try s.parse(arch)
            let networks = s.buildsNetworks ? try NetworkFactory(space: s, registry: registry) : nil
            let costs = try HardwareCosts(profile: p, space: s, cspace: CSearchSpace(s), registry: registry, networks: networks)
            let row = try costs.costs([g])[0]
            try printJSON(Output(arch: s.canonical(g), genotype: g, profile: p.name, metrics: costs.named(row),
                                 notes: try costs.explain(g)))
        }
    }
}
