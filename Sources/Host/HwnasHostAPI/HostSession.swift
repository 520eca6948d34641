// One host API session (hwnas_host_session): the plugin registry, the spaces
// it has loaded (by name and options) and the profile cost models opened
// from it. The host API's functions (HostAPI.swift) are thin C wrappers over
// this and over HwnasCore — the code `hwnas` itself runs.
import Foundation
import HwnasCore
import HwnasOps

final class HostSession {
    let registry: PluginRegistry
    let problems: UnsafeMutablePointer<CChar>
    private var spaces: [String: SearchSpace] = [:]
    /// One network factory per space: opening its operator set costs far
    /// more than building a network (a supernet asks for thousands).
    private var factories: [ObjectIdentifier: NetworkFactory] = [:]
    /// Callers may come from several threads (cffi releases the GIL).
    private let lock = NSLock()
    /// Where this session finds hardware-profiles/ and search-spaces/ by
    /// name: its own, never the process's (two sessions may differ).
    let home: String?

    init(pluginPaths: [String], libraryDirectory: String?, home: String?) {
        self.home = home
        registry = PluginRegistry(paths: PluginRegistry.searchPath(extra: pluginPaths, builtIn: libraryDirectory))
        problems = strdup(registry.problems.map(\.description).joined(separator: "\n"))!
    }

    deinit { free(problems) }

    /// A space by name, .yaml path or plugin id, with string options; one
    /// instance per (space, options).
    func space(_ name: String, options: [String: String]) throws -> SearchSpace {
        let key = name + "\u{1}" + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}")
        return try lock.withLock {
            if let s = spaces[key] { return s }
            let s = try SpaceCatalog.load(name, registry: registry, overrides: options, home: home)
            spaces[key] = s
            return s
        }
    }

    /// A new factory (a cost model's own: HardwareCosts may use it on its threads).
    func networks(_ s: SearchSpace) throws -> NetworkFactory {
        guard s.buildsNetworks else { throw HwnasError("space \(s.name) builds no networks (it names no operator set)") }
        return try NetworkFactory(space: s, registry: registry)
    }

    /// The network of a canonical genotype, from the space's shared factory
    /// (one build at a time: a factory keeps per-build state).
    func network(_ s: SearchSpace, _ g: [Int32]) throws -> Network {
        try lock.withLock {
            let key = ObjectIdentifier(s)
            let f = try factories[key] ?? networks(s)
            factories[key] = f
            return try f.build(g).network
        }
    }

    func costs(profile: String, space s: SearchSpace) throws -> HardwareCosts {
        let p = try HardwareProfile.load(profile, home: home)
        return try HardwareCosts(profile: p, space: s, cspace: CSearchSpace(s), registry: registry,
                                 networks: s.buildsNetworks ? try networks(s) : nil)
    }
}

/// A profile's cost models over a space (hwnas_host_costs).
final class HostCosts {
    let space: SearchSpace
    let costs: HardwareCosts
    let names: [UnsafeMutablePointer<CChar>]

    init(space: SearchSpace, costs: HardwareCosts) {
        self.space = space; self.costs = costs
        names = costs.metricNames.map { strdup($0)! }
    }

    deinit { names.forEach { free($0) } }

    /// Rows in metricNames order, NaN where a model knows no value.
    func estimate(_ genotypes: [[Int32]]) throws -> [[Double]] {
        for g in genotypes { try space.validate(g) }
        return try costs.costs(genotypes)
    }
}
