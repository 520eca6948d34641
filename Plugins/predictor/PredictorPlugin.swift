// Predictor-guided search as a plugin; the algorithm lives in
// Sources/HwnasStrategies/PredictorSearch.swift.
import HwnasPluginSupport
import HwnasStrategies

func predictorSettings(_ o: PluginOptions) throws -> PredictorSearch.Settings {
    var s = PredictorSearch.Settings()
    s.warmup = try o.int("warmup", default: s.warmup)
    s.pairwise = try o.int("pairwise", default: s.pairwise ? 1 : 0) != 0
    s.choiceCounts = try o.int("choice-counts", default: s.choiceCounts ? 1 : 0) != 0
    s.noiseVariance = try o.double("noise", default: s.noiseVariance)
    s.mainPriorVariance = try o.double("prior-main", default: s.mainPriorVariance)
    s.pairPriorVariance = try o.double("prior-pair", default: s.pairPriorVariance)
    s.countPriorVariance = try o.double("prior-count", default: s.countPriorVariance)
    s.greedyShare = try o.double("greedy", default: s.greedyShare)
    s.floorQuantile = try o.double("floor-quantile", default: s.floorQuantile)
    s.poolSize = try o.int("pool", default: s.poolSize)
    guard s.warmup >= 1, s.noiseVariance > 0, s.mainPriorVariance > 0, s.pairPriorVariance > 0, s.countPriorVariance > 0,
          (0...1).contains(s.greedyShare), (0..<1).contains(s.floorQuantile), s.poolSize >= 1 else {
        throw PluginError("predictor: need warmup >= 1, positive variances, greedy in [0,1], floor-quantile in [0,1), pool >= 1")
    }
    return s
}

private let plugin = PluginExport(strategies: [
    StrategyKind(PluginDescriptor(id: "predictor", name: "Predictor-guided search",
                                  description: "Bayesian linear surrogate (one-hot+pairwise features), Thompson sampling over screened feasible candidates; options: warmup=5, greedy=0.5, noise=0.05, pool=2000")) {
        AlgorithmStrategy(PredictorSearch(SearchSetup($0), settings: try predictorSettings($1)))
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
