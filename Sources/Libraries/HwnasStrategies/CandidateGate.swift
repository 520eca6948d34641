// The single gate every proposal passes: never a candidate proposed or
// evaluated before, never one that breaks a hard constraint. Screening
// results are cached, so a candidate's feasibility is asked of the host once.
import HwnasPluginSupport

public final class CandidateGate {
    /// Spaces up to this size are enumerated rather than sampled.
    public static let enumerationLimit = 250_000.0
    public let oracle: CandidateOracle
    /// Proposed (or told) by this algorithm: never propose again.
    public private(set) var proposed = Set<[Int32]>()
    private var feasibility: [[Int32]: Bool] = [:]

    public init(oracle: CandidateOracle) { self.oracle = oracle }

    public func markProposed(_ g: [Int32]) { proposed.insert(g) }

    /// Neither proposed before nor already evaluated by the host.
    public func isUnseen(_ g: [Int32]) -> Bool { !proposed.contains(g) && !oracle.isEvaluated(g) }

    /// Feasibility of many candidates, asking the host only about new ones.
    public func feasible(_ gs: [[Int32]]) throws -> [Bool] {
        var unknown: [[Int32]] = [], seen = Set<[Int32]>()
        for g in gs where feasibility[g] == nil && seen.insert(g).inserted { unknown.append(g) }
        if !unknown.isEmpty {
            let f = try oracle.screen(unknown, wantMetrics: false).feasible
            for (g, ok) in zip(unknown, f) { feasibility[g] = ok }
        }
        return gs.map { feasibility[$0]! }
    }

    /// Feasibility and cost metrics of many candidates (asks the host; the
    /// feasibility is cached like `feasible`'s).
    public func screenWithMetrics(_ gs: [[Int32]]) throws -> (feasible: [Bool], metrics: [[Double]]) {
        let r = try oracle.screen(gs, wantMetrics: true)
        for (g, ok) in zip(gs, r.feasible) { feasibility[g] = ok }
        return r
    }

    /// Unseen and feasible, in input order, duplicates dropped.
    public func admissible(_ gs: [[Int32]]) throws -> [[Int32]] {
        var seen = Set<[Int32]>()
        let fresh = gs.filter { isUnseen($0) && seen.insert($0).inserted }
        let ok = try feasible(fresh)
        return zip(fresh, ok).filter { $0.1 }.map { $0.0 }
    }

    /// The first feasible candidate of `ordered` (unseen ones only), screened
    /// in chunks that start small and double up to `chunk`: a caller that
    /// ranks a large sample by a model pays the host's screening for the few
    /// it looks at, not for the sample (the answer does not depend on the
    /// chunks).
    public func firstFeasible(_ ordered: [[Int32]], chunk: Int = 32) throws -> [Int32]? {
        var start = 0, size = min(4, chunk)
        while start < ordered.count {
            let part = ordered[start..<min(ordered.count, start + size)].filter { isUnseen($0) }
            if let hit = zip(part, try feasible(part)).first(where: { $0.1 })?.0 { return hit }
            start += size
            size = min(chunk, size * 2)
        }
        return nil
    }

    /// The first unseen feasible candidate `make` yields within `tries`.
    public func firstAdmissible(tries: Int, _ make: () -> [Int32]) throws -> [Int32]? {
        var batch: [[Int32]] = []
        var left = tries
        while left > 0 {
            batch.removeAll(keepingCapacity: true)
            for _ in 0..<min(left, 64) { batch.append(make()) }
            left -= batch.count
            if let g = try admissible(batch).first { return g }
        }
        return nil
    }

    /// A random unseen feasible candidate: random draws first; when they all
    /// fail and the space is small enough, a full scan from a random offset,
    /// so nil means the space is truly exhausted (for enumerable spaces).
    public func anyAdmissible(space: SearchSpaceView, rng: inout SplitMix64, tries: Int = 2048) throws -> [Int32]? {
        if let g = try firstAdmissible(tries: tries, { space.randomGenotype(&rng) }) { return g }
        guard space.size <= Self.enumerationLimit else { return nil }
        let total = Int(space.size)
        let start = Int.random(in: 0..<total, using: &rng)
        var batch: [[Int32]] = []
        for k in 0..<total {
            var r = (start + k) % total
            var g = [Int32](repeating: 0, count: space.nDims)
            for d in stride(from: space.nDims - 1, through: 0, by: -1) {
                g[d] = Int32(r % space.choiceCounts[d]); r /= space.choiceCounts[d]
            }
            batch.append(g)
            if batch.count == 1024 || k == total - 1 {
                if let hit = try admissible(batch).first { return hit }
                batch.removeAll(keepingCapacity: true)
            }
        }
        return nil
    }
}
