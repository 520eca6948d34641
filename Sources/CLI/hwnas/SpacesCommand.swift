// `hwnas spaces list|show`: the search spaces this installation can search.
import ArgumentParser
import Foundation
import HwnasCore

struct SpacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spaces", abstract: "List search spaces or show one.",
        subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    /// The genotype count, as 10^x when it is a million or more (from the
    /// sum of the dims' log10s: a product of thousands of dims is no Double).
    static func genotypeCount(_ s: SearchSpace) -> String {
        s.log10Size < 6 ? String(Int(s.size.rounded())) : String(format: "10^%.1f", s.log10Size)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the space files in search-spaces/ folders and the space plugins.")
        @OptionGroup var paths: PluginPathOptions

        func run() throws {
            let registry = paths.registry()
            let (files, problems) = SpaceCatalog.discover()
            for p in problems { FileHandle.standardError.write(Data("hwnas: warning: skipped space file \(p)\n".utf8)) }
            var rows: [[String]] = []
            for f in files {
                do {
                    let s = try SpaceCatalog.load(file: f, registry: registry)
                    rows.append([s.name, s.plugin.id, SpacesCommand.genotypeCount(s), String(s.nDims), f.path])
                } catch {
                    FileHandle.standardError.write(Data("hwnas: warning: space \(f.name): \(error)\n".utf8))
                }
            }
            // Plugins usable directly by id, when no file of that name exists.
            for id in registry.ids(of: .searchSpace) where !files.contains(where: { $0.name == id }) {
                if let s = try? SpaceCatalog.load(id, registry: registry) {
                    rows.append([s.name, s.plugin.id, SpacesCommand.genotypeCount(s), String(s.nDims), "(plugin, no file)"])
                }
            }
            printTable(["NAME", "PLUGIN", "SIZE", "DIMS", "FILE"], rows)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a space's dims and choices and one sample network with params and MACs.")
        @Argument(help: "Space name, .yaml path or space plugin id.") var space: String
        @Option(name: .customLong("space-option"), help: "Option KEY=VALUE for the space's plugin (repeatable).")
        var spaceOptions: [String] = []
        @Option(help: "Architecture to show (default: a random one from --seed).") var arch: String?
        @Option(help: "Seed of the sample architecture.") var seed: UInt64 = 1
        @Flag(help: "Print every layer of the sample network.") var layers = false
        @OptionGroup var paths: PluginPathOptions

        func run() throws {
            try reportingErrors {
                let registry = paths.registry()
                let s = try SpaceCatalog.load(space, registry: registry, overrides: try keyValues(spaceOptions, flag: "--space-option"))
                print("\(s.name): \(s.description)")
                print("plugin \(s.plugin.id) (\(s.plugin.file)); file \(s.source)")
                print("\(s.nDims) dims, \(SpacesCommand.genotypeCount(s)) genotypes; operator set: \(s.operatorSetID ?? "none (no networks)")")
                for (d, name) in s.dimNames.enumerated() { print("  \(name): \(s.choices[d].joined(separator: " "))") }
                var g: [Int32]
                if let arch { g = try s.parse(arch) } else {
                    var r = SplitMix64(state: seed)
                    g = s.canonicalize(s.choiceCounts.map { Int32(r.below($0)) })
                }
                let active = s.activeDims(g)
                print("sample: \(s.canonical(g))")
                if active.contains(false) { print("  inactive dims: \(zip(s.dimNames, active).filter { !$0.1 }.map(\.0).joined(separator: ", "))") }
                guard s.buildsNetworks else { return }
                let net = try NetworkFactory(space: s, registry: registry).build(g).network
                let input = net.tensors[0]
                print("  network: input \(net.spatialDims == 1 ? "\(input.c)x\(input.w)" : "\(input)"), \(net.layers.count) layers, params \(net.params) (training \(net.trainingParams)), MACs \(net.macs)")
                if layers {
                    for (i, l) in net.layers.enumerated() {
                        print(String(format: "  %3d %-16@ %-14@ %@ -> %@ k%dx%d s%d g%d params %lld macs %lld", i, l.op, l.cell, "\(l.inShape)", "\(l.outShape)",
                                     l.attrs.kernelH, l.attrs.kernelW, l.attrs.strideW, l.groups, l.params, l.macs))
                    }
                }
            }
        }
    }
}

