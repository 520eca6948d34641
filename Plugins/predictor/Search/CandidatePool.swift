// The feasible candidates a model-based strategy chooses from. Small spaces
// (NAS-Bench-201: 15,625) are enumerated and screened once; large ones
// (FBNet: 9^22) are sampled afresh per proposal round, half uniformly and half
// as one- or two-edit mutants of the best candidates found so far.
import HwnasStrategies
import HwnasPluginSupport

final class CandidatePool {
    let space: SearchSpaceView
    let gate: CandidateGate
    /// Every feasible genotype, when the space was enumerated.
    private(set) var enumerated: [[Int32]]?
    /// Their cost metrics (the oracle's metricNames), when asked for.
    private(set) var enumeratedMetrics: [[Double]]?
    let sampleSize: Int


    init(space: SearchSpaceView, gate: CandidateGate, sampleSize: Int) {
        self.space = space; self.gate = gate; self.sampleSize = sampleSize
    }

    var isEnumerable: Bool { space.size <= CandidateGate.enumerationLimit }

    /// Enumerate and screen the whole space (once), keeping the feasible
    /// candidates' cost metrics too when `wantMetrics`.
    func enumerateIfSmall(wantMetrics: Bool = false) throws {
        guard enumerated == nil, isEnumerable else { return }
        var all: [[Int32]] = [], feasible: [[Int32]] = [], metrics: [[Double]] = []
        all.reserveCapacity(Int(space.size))
        var g = [Int32](repeating: 0, count: space.nDims)
        let total = Int(space.size)
        for _ in 0..<total {
            all.append(g)
            var d = space.nDims - 1     // odometer increment
            while d >= 0 {
                g[d] += 1
                if Int(g[d]) < space.choiceCounts[d] { break }
                g[d] = 0; d -= 1
            }
        }
        var start = 0
        while start < all.count {
            let chunk = Array(all[start..<min(start + 4096, all.count)])
            if wantMetrics {
                let r = try gate.screenWithMetrics(chunk)
                for (i, ok) in r.feasible.enumerated() where ok { feasible.append(chunk[i]); metrics.append(r.metrics[i]) }
            } else {
                for (c, ok) in zip(chunk, try gate.feasible(chunk)) where ok { feasible.append(c) }
            }
            start += chunk.count
        }
        enumerated = feasible
        if wantMetrics { enumeratedMetrics = metrics }
    }

    /// Feasible candidates to score this round: for an enumerated space the
    /// whole feasible list (callers skip what the gate has seen, checking
    /// only the few they pick); otherwise a fresh, screened, unseen sample.
    func candidates<G: RandomNumberGenerator>(incumbents: [[Int32]], rng: inout G) throws -> [[Int32]] {
        if let all = enumerated { return all }
        return try gate.admissible(sample(incumbents: incumbents, rng: &rng))
    }

    /// A fresh sample of a space too large to enumerate, not yet screened:
    /// half one- or two-edit mutants of the incumbents, half uniform.
    func sample<G: RandomNumberGenerator>(incumbents: [[Int32]], rng: inout G) -> [[Int32]] {
        var raw: [[Int32]] = []
        raw.reserveCapacity(sampleSize)
        let mutants = incumbents.isEmpty ? 0 : sampleSize / 2
        for k in 0..<mutants {
            var g = incumbents[k % incumbents.count]
            g = space.mutate(g, &rng)
            if Bool.random(using: &rng) { g = space.mutate(g, &rng) }
            raw.append(g)
        }
        while raw.count < sampleSize { raw.append(space.randomGenotype(&rng)) }
        return raw
    }
}
