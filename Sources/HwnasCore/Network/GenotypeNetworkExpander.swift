// NetworkExpanding for the search loop: genotype -> HwnasOps.Network ->
// CNetwork. Keeps the CNetworks it made (up to `capacity`, oldest dropped
// first) so a pointer handed out stays valid until `capacity` newer
// genotypes were expanded: ample for any one candidate batch.
import CHwnasABI
import Foundation
import HwnasOps

public final class GenotypeNetworkExpander: NetworkExpanding, @unchecked Sendable {
    public let space: SearchSpace
    public let expander: NetworkExpander
    public let capacity: Int
    private var cache: [[Int32]: CNetwork] = [:]
    private var order: [[Int32]] = []
    private let lock = NSLock()

    /// nil when HwnasOps has no expansion for this space.
    public init?(space: SearchSpace, ops: any OperatorInference = BuiltinOperators(), options: ExpansionOptions = ExpansionOptions(),
                 capacity: Int = 16_384) {
        guard NetworkExpander.supportedSpaces.contains(space.name) else { return nil }
        self.space = space
        self.capacity = max(1, capacity)
        expander = NetworkExpander(ops: ops, options: options)
    }

    /// For the CLI: operator math from `operatorSet` (the built-in math when
    /// nil), input size from the profile's `input:` (3x32x32 when nil).
    public convenience init?(space: SearchSpace, operatorSet: LoadedOperatorSet?, input: HardwareProfile.InputShape?) {
        let ops: any OperatorInference = operatorSet.map { PluginOperatorInference($0) } ?? BuiltinOperators()
        let shape = input.map { TensorShape(c: $0.channels, h: $0.height, w: $0.width) }
        self.init(space: space, ops: ops, options: ExpansionOptions(input: shape))
    }

    /// The expanded network (Swift value), choices mapped by name.
    public func expand(_ genotype: [Int32]) throws -> Network {
        guard genotype.count == space.nDims else {
            throw HwnasError("genotype has \(genotype.count) values, space \(space.name) has \(space.nDims) dims")
        }
        let names = try genotype.enumerated().map { d, v -> String in
            guard v >= 0, Int(v) < space.choices[d].count else { throw HwnasError("dim \(d): value \(v) out of range") }
            return space.choices[d][Int(v)]
        }
        return try expander.expand(space: space.name, choices: names)
    }

    public func network(for genotype: [Int32]) throws -> UnsafePointer<hwnas_network> {
        try cached(genotype).pointer
    }

    /// The expansion of `genotype`, made once and kept (see `capacity`);
    /// its `network` is the Swift value behind the C view.
    public func cached(_ genotype: [Int32]) throws -> CNetwork {
        lock.lock(); defer { lock.unlock() }
        if let c = cache[genotype] { return c }
        let c = CNetwork(try expand(genotype))
        if order.count >= capacity {
            let drop = order.count / 2   // amortised: drop the older half at once
            for g in order[..<drop] { cache[g] = nil }
            order.removeFirst(drop)
        }
        cache[genotype] = c
        order.append(genotype)
        return c
    }
}
