// `hwnas cost`'s notes: what every cost model of a profile says about one
// candidate (its explain function, when it has one).
import HwnasCore

extension HardwareCosts {
    /// Human-readable notes of every model about one candidate.
    public func explain(_ genotype: [Int32]) throws -> [String: String] {
        let space = space!
        let g = space.canonicalize(genotype)
        return explain(CandidateBatch(space: space, genotypes: [g], networks: try networks.map { [try $0.build(g)] }))
    }

    /// Notes of every model about a network from no space.
    public func explain(network: CNetwork, label: String) -> [String: String] {
        explain(CandidateBatch(labels: [label], networks: [network]))
    }

    public func explain(_ batch: CandidateBatch) -> [String: String] {
        var notes: [String: String] = [:]
        for m in models {
            if let e = batch.with(minor: m.descriptor.abiMinor, { m.explain($0) }) { notes[m.descriptor.id] = e }
        }
        return notes
    }
}
