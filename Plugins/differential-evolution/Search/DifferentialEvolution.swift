// Differential evolution for NAS (Awad, Mallik & Hutter, "Differential
// Evolution for Neural Architecture Search", 2020; the search half of DEHB):
// DE/rand/1/bin on continuous vectors in [0,1]^D, one component per dim,
// decoded to a choice by equal-width bins. Mutant v = x_r1 + F (x_r2 - x_r3)
// with components that leave [0,1] redrawn uniformly (the paper's boundary
// handling), binomial crossover with rate CR and one forced component; the
// trial replaces its target when it is at least as good.
//
// Ask/tell: each asked trial belongs to one target (round robin over the
// population), and the selection happens when that trial is told, in any
// order, so batches and out-of-order results work. A trial that decodes to a
// genotype already proposed or evaluated, or to an infeasible one, is redrawn
// (new r1..r3 and crossover); only when that keeps failing does a random
// unseen feasible candidate stand in, with its own vector.
import HwnasPluginSupport
import HwnasStrategies

public final class DifferentialEvolution: SearchAlgorithm {
    /// Defaults measured with `hwnas bench` on the 8 NB201 tasks (seeds
    /// 1-20, checked on 21-40; docs/strategies.md): a population of 10 and
    /// CR 0.9 beat the paper's 20 / 0.5 at 100 and at 300 evaluations.
    public struct Settings: Sendable {
        public var populationSize = 10
        public var mutationFactor = 0.5
        public var crossoverRate = 0.9
        public init() {}
    }

    struct Member { var vector: [Double]; var genotype: [Int32]; var fitness: Double }

    let setup: SearchSetup
    let settings: Settings
    let gate: CandidateGate
    var rng: SplitMix64
    /// The current population (filled by the first `populationSize` tells).
    var population: [Member] = []
    /// Asked, not yet told: the trial's vector and the target it challenges
    /// (nil while the population is still being initialised).
    var pending: [[Int32]: (vector: [Double], target: Int?)] = [:]
    var nextTarget = 0
    let redraws = 64

    public init(_ setup: SearchSetup, settings: Settings = Settings()) throws {
        guard settings.populationSize >= 4 else {
            throw PluginError("differential-evolution: population must be >= 4 (DE/rand/1 draws three members besides the target), got \(settings.populationSize)")
        }
        guard settings.mutationFactor > 0, settings.mutationFactor <= 2 else {
            throw PluginError("differential-evolution: mutation_factor must be in (0, 2], got \(settings.mutationFactor)")
        }
        guard (0...1).contains(settings.crossoverRate) else {
            throw PluginError("differential-evolution: crossover_rate must be in [0, 1], got \(settings.crossoverRate)")
        }
        self.setup = setup; self.settings = settings
        gate = CandidateGate(oracle: setup.oracle)
        rng = SplitMix64(seed: setup.seed)
    }

    /// Choice index of component x in a dim with n choices: equal-width bins.
    static func decode(_ x: Double, choices n: Int) -> Int32 { Int32(min(n - 1, max(0, Int(x * Double(n))))) }

    func decode(_ v: [Double]) -> [Int32] {
        zip(v, setup.space.choiceCounts).map { Self.decode($0, choices: $1) }
    }

    /// A vector that decodes to `g`: uniform within each choice's bin.
    func encode(_ g: [Int32]) -> [Double] {
        zip(g, setup.space.choiceCounts).map { c, n in (Double(c) + Double.random(in: 0..<1, using: &rng)) / Double(n) }
    }

    /// DE/rand/1/bin against population member `target`.
    func trial(for target: Int) -> [Double] {
        let np = population.count
        var picks: [Int] = []
        while picks.count < 3 {
            let r = Int.random(in: 0..<np, using: &rng)
            if r != target && !picks.contains(r) { picks.append(r) }
        }
        let (a, b, c) = (population[picks[0]].vector, population[picks[1]].vector, population[picks[2]].vector)
        let x = population[target].vector
        let forced = Int.random(in: 0..<x.count, using: &rng)
        return (0..<x.count).map { j in
            guard j == forced || Double.random(in: 0..<1, using: &rng) < settings.crossoverRate else { return x[j] }
            let v = a[j] + settings.mutationFactor * (b[j] - c[j])
            return (0...1).contains(v) && v < 1 ? v : Double.random(in: 0..<1, using: &rng)
        }
    }

    /// An unseen feasible random candidate with a vector in its bins.
    func randomNewcomer() throws -> (vector: [Double], genotype: [Int32])? {
        guard let g = try gate.anyAdmissible(space: setup.space, rng: &rng) else { return nil }
        return (encode(g), g)
    }

    public func ask(maxCount: Int) throws -> [[Int32]] {
        var out: [[Int32]] = []
        while out.count < maxCount {
            // Until the population is full (counting those in flight), new
            // members are random; afterwards trials challenge targets.
            let initialising = population.count + pending.values.filter { $0.target == nil }.count < settings.populationSize
                || population.count < 4
            var proposal: (vector: [Double], genotype: [Int32], target: Int?)?
            if initialising {
                if let r = try randomNewcomer() { proposal = (r.vector, r.genotype, nil) }
            } else {
                let target = nextTarget % population.count
                nextTarget += 1
                for _ in 0..<redraws {
                    let v = trial(for: target), g = decode(v)
                    if gate.isUnseen(g), try gate.feasible([g])[0] { proposal = (v, g, target); break }
                }
                if proposal == nil, let r = try randomNewcomer() { proposal = (r.vector, r.genotype, target) }
            }
            guard let p = proposal else { break }
            gate.markProposed(p.genotype)
            pending[p.genotype] = (p.vector, p.target)
            out.append(p.genotype)
        }
        return out
    }

    public func tell(_ observations: [Observation]) throws {
        for o in observations {
            gate.markProposed(o.genotype)
            let fitness = o.primary ?? -.infinity
            // A told candidate this algorithm never asked for (e.g. replayed
            // from a journal) still informs the population while it fills.
            let p = pending.removeValue(forKey: o.genotype) ?? (encode(o.genotype), nil)
            if let t = p.target, t < population.count {
                if fitness >= population[t].fitness { population[t] = Member(vector: p.vector, genotype: o.genotype, fitness: fitness) }
            } else if population.count < settings.populationSize {
                population.append(Member(vector: p.vector, genotype: o.genotype, fitness: fitness))
            } else if let worst = population.indices.min(by: { population[$0].fitness < population[$1].fitness }),
                      fitness > population[worst].fitness {
                population[worst] = Member(vector: p.vector, genotype: o.genotype, fitness: fitness)
            }
        }
    }
}
