// Lays out candidates as an hwnas_candidate_batch (genotypes, canonical
// strings, optional expanded networks) for the duration of one call.
import CHwnasABI

/// Expands genotypes into whole networks for network-aware plugins. The
/// returned pointer stays valid while the expander lives.
public protocol NetworkExpanding: AnyObject {
    func network(for genotype: [Int32]) throws -> UnsafePointer<hwnas_network>
}

public enum CandidateBatchBuilder {
    public static func with<R>(space: SearchSpace, genotypes: [[Int32]], expander: NetworkExpanding?,
                               _ body: (UnsafePointer<hwnas_candidate_batch>) throws -> R) throws -> R {
        let flat = genotypes.flatMap { $0 }
        let arch = CStringArray(genotypes.map(space.canonical))
        let nets: [UnsafePointer<hwnas_network>?]? = try expander.map { e in try genotypes.map { try e.network(for: $0) } }
        return try flat.withUnsafeBufferPointer { gp in
            func run(_ np: UnsafePointer<UnsafePointer<hwnas_network>?>?) throws -> R {
                var batch = hwnas_candidate_batch(
                    struct_size: UInt32(MemoryLayout<hwnas_candidate_batch>.size), count: UInt32(genotypes.count),
                    n_dims: UInt32(space.nDims), reserved: 0, genotypes: gp.baseAddress, arch_strings: arch.base,
                    networks: np)
                return try withUnsafePointer(to: &batch) { try body($0) }
            }
            if let nets { return try nets.withUnsafeBufferPointer { try run($0.baseAddress) } }
            return try run(nil)
        }
    }
}
