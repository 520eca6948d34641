// Candidates laid out as an hwnas_candidate_batch: canonical genotypes,
// their strings and, when the space builds them, their networks. The
// networks are handed in the layout of the reader's ABI minor, so a plugin
// built against 1.0 walks 1.0 layer records.
import CHwnasABI

public final class CandidateBatch: @unchecked Sendable {
    public let genotypes: [[Int32]]
    public let networks: [CNetwork]?
    private let flat: [Int32]
    private let nDims: Int
    private let arch: CStringArray
    /// 1.2: per candidate, what the search asks beyond the genotype (JSON).
    private let requests: CStringArray?

    /// `genotypes` must be canonical; `networks` (when given) one per genotype;
    /// `requests` (when given) one JSON object per genotype, for an evaluator
    /// that takes a fidelity.
    public init(space: SearchSpace, genotypes: [[Int32]], networks: [CNetwork]?, requests: [String]? = nil) {
        precondition(networks == nil || networks!.count == genotypes.count)
        precondition(requests == nil || requests!.count == genotypes.count)
        self.genotypes = genotypes
        self.networks = networks
        nDims = space.nDims
        flat = genotypes.flatMap { $0 }
        arch = CStringArray(genotypes.map(space.format(canonical:)))
        self.requests = requests.map(CStringArray.init)
    }

    /// Networks from no space (imported models): no genotype (n_dims 0),
    /// `labels` as their strings.
    public init(labels: [String], networks: [CNetwork]) {
        precondition(labels.count == networks.count)
        genotypes = labels.map { _ in [] }
        self.networks = networks
        nDims = 0
        flat = []
        arch = CStringArray(labels)
        requests = nil
    }

    public var count: Int { genotypes.count }

    /// The batch as a reader built against ABI minor `minor` expects it.
    public func with<R>(minor: UInt32, _ body: (UnsafePointer<hwnas_candidate_batch>) throws -> R) rethrows -> R {
        try flat.withUnsafeBufferPointer { gp in
            func run(_ np: UnsafePointer<UnsafePointer<hwnas_network>?>?) throws -> R {
                var batch = hwnas_candidate_batch(
                    struct_size: UInt32(MemoryLayout<hwnas_candidate_batch>.size), count: UInt32(genotypes.count),
                    n_dims: UInt32(nDims), reserved: 0, genotypes: gp.baseAddress, arch_strings: arch.base, networks: np,
                    requests: requests?.base)
                return try withUnsafePointer(to: &batch) { try body($0) }
            }
            guard let networks else { return try run(nil) }
            let views: [UnsafePointer<hwnas_network>?] = networks.map { $0.pointer(forMinor: minor) }
            return try views.withUnsafeBufferPointer { try run($0.baseAddress) }
        }
    }
}
