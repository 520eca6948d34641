// Builds the networks of one search space: the space plugin's build() over
// HwnasNetworkIR's NetworkBuilder, which asks the operator set the space
// names for each layer's shape and costs.
import CHwnasABI
import Foundation

public final class NetworkFactory: @unchecked Sendable {
    public let space: SearchSpace
    public let operatorSet: LoadedOperatorSet
    public let builder: NetworkBuilder
    /// Replay repeated blocks (on by default; off measures what it saves).
    public var blockMemo: Bool { get { builder.blockMemo } set { builder.blockMemo = newValue } }

    /// The operator set named by the space (or its file's operator_set).
    public init(space: SearchSpace, registry: PluginRegistry) throws {
        guard let id = space.operatorSetID else {
            throw HwnasError("space \(space.name) builds no networks (its plugin '\(space.plugin.id)' names no operator set)")
        }
        let (d, lib): (PluginDescriptorInfo, PluginLibrary)
        do { (d, lib) = try registry.lookup(.operatorSet, id) } catch {
            throw HwnasError("space \(space.name) builds its networks with operator set '\(id)': \(error)")
        }
        self.space = space
        let set = try LoadedOperatorSet(d, library: lib, options: [:])
        operatorSet = set
        builder = NetworkBuilder(operatorSet: OperatorSetView(raw: set.raw, id: d.id, readsExactWindows: set.readsExactWindows,
                                                              opNames: { set.opNames }))
    }

    /// The network of a valid genotype (canonicalized first).
    public func build(_ genotype: [Int32]) throws -> CNetwork { try build(canonical: space.canonicalize(genotype)) }

    /// The network of a genotype already canonical (no second canonicalize call).
    public func build(canonical g: [Int32]) throws -> CNetwork {
        let loaded = space.loaded
        do {
            return try builder.build { b in
                var err = [CChar](repeating: 0, count: 1024)
                let st = PluginCall.run(loaded.buildLabel) {
                    g.withUnsafeBufferPointer { loaded.raw.pointee.build!(loaded.raw, $0.baseAddress, b, &err, 1024) }
                }
                return (st, st == HWNAS_OK ? "" : FactoryCall.errorText(err))
            }
        } catch {
            throw HwnasError("space \(space.name), \(space.canonical(g)): \(error)")
        }
    }
}
