// NSGA-II as a plugin; the algorithm lives in Plugins/nsga2/Search/NSGA2Search.swift.
import HwnasNSGA2Search
import HwnasPluginSupport
import HwnasStrategies

func nsga2Settings(_ o: PluginOptions) throws -> NSGA2Search.Settings {
    var s = NSGA2Search.Settings()
    s.populationSize = try o.int("population", default: s.populationSize)
    s.crossoverRate = try o.double("crossover", default: s.crossoverRate)
    s.costObjectives = (o["cost-objectives"] ?? "").split(separator: ",").map { String($0.filter { $0 != " " }) }
    return s
}

private let plugin = PluginExport(strategies: [
    StrategyKind(PluginDescriptor(id: "nsga2", name: "NSGA-II",
                                  description: "Multi-objective NSGA-II, constraints as filters; options: population=20, crossover=0.9, cost-objectives=latency_ms,...",
                                  options: [.int("population", NSGA2Search.Settings().populationSize, 2...1_000_000, "population size"),
                                            .double("crossover", NSGA2Search.Settings().crossoverRate, 0...1, "uniform-crossover rate"),
                                            .string("cost-objectives", "", "comma-separated cost metrics to minimise as extra objectives")])) {
        AlgorithmStrategy(try NSGA2Search(SearchSetup($0), settings: try nsga2Settings($1)))
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
