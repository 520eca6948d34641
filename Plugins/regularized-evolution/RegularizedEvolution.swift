// Regularized (aging) evolution, Real et al. 2019: tournament selection from a
// fixed-size population, one-edit mutation, the oldest member dies. Never
// proposes a candidate it proposed before, and screens children through the
// host's cheap cost query so no evaluation is spent on an infeasible one.
import CHwnasABI
import HwnasPluginSupport

final class RegularizedEvolution: SearchStrategy {
    let context: StrategyContext
    let populationSize: Int
    let sampleSize: Int
    var rng: SplitMix64
    var population: [(genotype: [Int32], fitness: Double)] = []
    var proposed = Set<[Int32]>()
    let maxTries = 2000

    init(context: StrategyContext, options: PluginOptions) throws {
        self.context = context
        populationSize = try options.int("population")
        sampleSize = try options.int("sample")
        guard populationSize >= 2, sampleSize >= 1, sampleSize <= populationSize else {
            throw PluginError("need population >= 2 and 1 <= sample <= population (got \(populationSize), \(sampleSize))")
        }
        rng = SplitMix64(seed: context.seed)
    }

    /// The first unseen, feasible candidate `make` yields, or nil.
    func fresh(_ make: (inout SplitMix64) -> [Int32]) throws -> [Int32]? {
        for _ in 0..<maxTries {
            let g = make(&rng)
            if proposed.contains(g) || context.isEvaluated(g) { continue }
            if try context.screen([g]).feasible[0] { return g }
            proposed.insert(g)   // infeasible: never worth proposing
        }
        return nil
    }

    func ask(maxCount: Int) throws -> [[Int32]] {
        var out: [[Int32]] = []
        while out.count < maxCount {
            let child: [Int32]?
            if population.count < populationSize {
                child = try fresh { context.space.randomGenotype(&$0) }
            } else {
                var best = population[Int.random(in: 0..<population.count, using: &rng)]
                for _ in 1..<sampleSize {
                    let c = population[Int.random(in: 0..<population.count, using: &rng)]
                    if c.fitness > best.fitness { best = c }
                }
                let parent = best.genotype
                // Mutants of the winner first; a random newcomer if its
                // neighbourhood is used up.
                child = try fresh { context.space.mutate(parent, &$0) } ?? fresh { context.space.randomGenotype(&$0) }
            }
            guard let c = child else { break }
            proposed.insert(c)
            out.append(c)
        }
        return out
    }

    func tell(_ records: [TellRecord]) throws {
        for r in records {
            proposed.insert(r.genotype)
            guard r.outcome == .evaluated || r.outcome == .duplicate, let f = r.objectives.first, !f.isNaN else { continue }
            population.append((r.genotype, f))
            if population.count > populationSize { population.removeFirst() }
        }
    }
}

nonisolated(unsafe) private let plugin = PluginExport(strategies: [
    StrategyKind(PluginDescriptor(id: "regularized-evolution", name: "Regularized evolution",
                                  description: "Aging evolution (Real et al. 2019); options: population=20, sample=5",
                                  options: [.int("population", 20, 2...1_000_000, "population size (the oldest dies)"),
                                            .int("sample", 5, 1...1_000_000, "tournament size, at most the population")])) {
        try RegularizedEvolution(context: $0, options: $1)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
