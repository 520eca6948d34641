// Differential evolution as a plugin; the algorithm lives in
// Plugins/differential-evolution/Search/DifferentialEvolution.swift.
import HwnasDifferentialEvolutionSearch
import HwnasPluginSupport
import HwnasStrategies

private let defaults = DifferentialEvolution.Settings()

private let plugin = PluginExport(strategies: [
    StrategyKind(PluginDescriptor(id: "differential-evolution", name: "Differential evolution",
                                  description: "DE/rand/1/bin over [0,1] vectors decoded to choices (Awad et al. 2020); options: population=10, mutation_factor=0.5, crossover_rate=0.9",
                                  options: [.int("population", defaults.populationSize, 4...1_000_000, "population size (DE/rand/1 needs 4)"),
                                            .double("mutation_factor", defaults.mutationFactor, 0.01...2, "F in x_r1 + F (x_r2 - x_r3)"),
                                            .double("crossover_rate", defaults.crossoverRate, 0...1, "binomial crossover rate CR")])) { ctx, o in
        var s = DifferentialEvolution.Settings()
        s.populationSize = try o.int("population", default: s.populationSize)
        s.mutationFactor = try o.double("mutation_factor", default: s.mutationFactor)
        s.crossoverRate = try o.double("crossover_rate", default: s.crossoverRate)
        return AlgorithmStrategy(try DifferentialEvolution(SearchSetup(ctx), settings: s))
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
