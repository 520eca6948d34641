// First-improvement local search over one-edit neighbours, with random
// restarts. From the current point, unseen feasible neighbours are proposed
// in random order; the first one that beats the current point becomes the new
// current point. When every neighbour is used up without improvement the
// point is a local optimum and the search restarts from a random feasible
// unseen candidate (the best point ever found is kept by the host anyway).
import HwnasStrategies
import HwnasPluginSupport

public final class LocalSearch: SearchAlgorithm {
    let setup: SearchSetup
    let gate: CandidateGate
    var rng: SplitMix64
    var current: (genotype: [Int32], value: Double)?
    /// Neighbours of `current` not yet proposed, in visiting order.
    var queue: [[Int32]] = []
    public private(set) var restarts = 0

    public init(_ setup: SearchSetup) {
        self.setup = setup
        gate = CandidateGate(oracle: setup.oracle)
        rng = SplitMix64(seed: setup.seed)
    }

    public func ask(maxCount: Int) throws -> [[Int32]] {
        var out: [[Int32]] = []
        if current == nil {
            // (Re)start: random feasible unseen points; the best told one
            // becomes the current point.
            while out.count < maxCount, let g = try gate.anyAdmissible(space: setup.space, rng: &rng) {
                gate.markProposed(g); out.append(g)
            }
            return out
        }
        while out.count < maxCount {
            if queue.isEmpty { break }
            let g = queue.removeLast()
            guard gate.isUnseen(g), try gate.feasible([g])[0] else { continue }
            gate.markProposed(g); out.append(g)
        }
        if out.isEmpty {
            // Local optimum: every neighbour tried. Restart.
            current = nil; restarts += 1
            return try ask(maxCount: maxCount)
        }
        return out
    }

    public func tell(_ observations: [Observation]) throws {
        var best: (genotype: [Int32], value: Double)?
        for o in observations {
            gate.markProposed(o.genotype)
            guard let v = o.primary else { continue }
            if best == nil || v > best!.value { best = (o.genotype, v) }
        }
        guard let b = best else { return }
        if current == nil || b.value > current!.value {
            current = b
            queue = setup.space.neighbours(of: b.genotype).shuffled(using: &rng)
        }
    }
}
