// Predictor-guided search as a plugin; the algorithm lives in
// Plugins/predictor/Search/PredictorSearch.swift.
import HwnasPredictorSearch
import HwnasPluginSupport
import HwnasStrategies

func predictorSettings(_ o: PluginOptions) throws -> PredictorSearch.Settings {
    var s = PredictorSearch.Settings()
    s.warmup = try o.int("warmup", default: s.warmup)
    s.pairwise = try o.bool("pairwise", default: s.pairwise)
    s.choiceCounts = try o.bool("choice-counts", default: s.choiceCounts)
    s.noiseVariance = try o.double("noise", default: s.noiseVariance)
    s.mainPriorVariance = try o.double("prior-main", default: s.mainPriorVariance)
    s.pairPriorVariance = try o.double("prior-pair", default: s.pairPriorVariance)
    s.countPriorVariance = try o.double("prior-count", default: s.countPriorVariance)
    s.greedyShare = try o.double("greedy", default: s.greedyShare)
    s.greedyLateShare = try o.double("greedy-late", default: s.greedyLateShare)
    s.lateAfter = try o.int("late-after", default: s.lateAfter)
    s.greedyPoolShare = try o.double("greedy-pool", default: s.greedyPoolShare)
    s.floorQuantile = try o.double("floor-quantile", default: s.floorQuantile)
    s.poolSize = try o.int("pool", default: s.poolSize)
    s.metricFeatures = try o.bool("metric-features", default: s.metricFeatures)
    s.rankTargets = try o.bool("rank-targets", default: s.rankTargets)
    s.metricPriorVariance = try o.double("prior-metric", default: s.metricPriorVariance)
    s.gpLengthScale = try o.double("gp-length", default: s.gpLengthScale)
    s.gpJoint = try o.int("gp-joint", default: s.gpJoint)
    s.gpShortlist = try o.int("gp-shortlist", default: s.gpShortlist)
    s.gpMaxObservations = try o.int("gp-max-observations", default: s.gpMaxObservations)
    s.gpFrom = try o.int("gp-from", default: s.gpFrom)
    if let t = o.string("surrogate") {
        guard let m = PredictorSearch.Settings.Surrogate(rawValue: t) else { throw PluginError("predictor: surrogate is gp or linear") }
        s.surrogate = m
    }
    if let t = o.string("metric-transform") {
        guard let m = PredictorSearch.Settings.MetricTransform(rawValue: t) else { throw PluginError("predictor: metric-transform is log or rank") }
        s.metricTransform = m
    }
    guard s.warmup >= 1, s.noiseVariance > 0, s.mainPriorVariance > 0, s.pairPriorVariance > 0, s.countPriorVariance > 0,
          s.metricPriorVariance > 0,
          (0...1).contains(s.greedyShare), (0...1).contains(s.greedyLateShare), (0...1).contains(s.greedyPoolShare), s.lateAfter >= 0, (0..<1).contains(s.floorQuantile), s.poolSize >= 1 else {
        throw PluginError("predictor: need warmup >= 1, positive variances, greedy, greedy-late and greedy-pool in [0,1], late-after >= 0, floor-quantile in [0,1), pool >= 1")
    }
    return s
}

/// Declared with the algorithm's own defaults (PredictorSearch.Settings).
let predictorOptions: [OptionSpec] = {
    let d = PredictorSearch.Settings()
    return [
        .int("warmup", d.warmup, 1...1_000_000, "space-filling random proposals before the model"),
        .bool("pairwise", d.pairwise, "pairwise (dim, dim) interaction features when the space is small enough"),
        .bool("choice-counts", d.choiceCounts, "features counting each choice, when all dims share their choices"),
        .double("noise", d.noiseVariance, 1e-12...1e12, "noise variance on standardised objectives"),
        .double("prior-main", d.mainPriorVariance, 1e-12...1e12, "prior variance of one-hot weights"),
        .double("prior-pair", d.pairPriorVariance, 1e-12...1e12, "prior variance of pairwise weights"),
        .double("prior-count", d.countPriorVariance, 1e-12...1e12, "prior variance of choice-count weights"),
        .double("greedy", d.greedyShare, 0...1, "share of proposals from the posterior mean (the rest: Thompson samples)"),
        .double("greedy-late", d.greedyLateShare, 0...1, "share of proposals from the posterior mean once late-after evaluations are told"),
        .int("late-after", d.lateAfter, 0...1_000_000, "evaluations after which greedy-late replaces greedy (0: greedy throughout)"),
        .double("greedy-pool", d.greedyPoolShare, 0...1,
                "share of proposals from the posterior mean on a space too large to enumerate (greedy, greedy-late and late-after are for enumerable ones)"),
        .bool("rank-targets", d.rankTargets, "fit normal scores of the objectives' ranks (else floor-quantile, then standardise)"),
        .double("floor-quantile", d.floorQuantile, 0...0.999, "with rank-targets=0: objectives below this quantile are raised to it before fitting"),
        .int("pool", d.poolSize, 1...10_000_000, "candidates ranked per proposal when the space is too large to enumerate"),
        .bool("metric-features", d.metricFeatures, "cost metrics of the enumerated feasible candidates as features (enumerable spaces)"),
        .double("prior-metric", d.metricPriorVariance, 1e-12...1e12, "prior variance of the metric features' weights"),
        .string("surrogate", d.surrogate.rawValue, choices: ["gp", "linear"],
                "gp: a Gaussian process over the enumerated feasible pool (up to \(PredictorSearch.Settings.gpPoolLimit) candidates and gp-max-observations observations); linear: the Bayesian linear model (used beyond those too)"),
        .double("gp-length", d.gpLengthScale, 1e-3...1e3, "the GP's RBF length on one-hot choices and standardised metric features"),
        .int("gp-joint", d.gpJoint, 1...5000, "a GP Thompson sample is joint over this many candidates (best by mean + 2 sd among gp-shortlist)"),
        .int("gp-shortlist", d.gpShortlist, 1...1_000_000, "candidates best by GP mean from which gp-joint are picked"),
        .int("gp-from", d.gpFrom, 0...100_000, "observations told before the GP takes over from the linear model"),
        .int("gp-max-observations", d.gpMaxObservations, 0...100_000, "observations the GP takes; the linear model goes on from there"),
        .string("metric-transform", d.metricTransform.rawValue, choices: ["log", "rank"],
                "metric features: log (normal scores of ranks for a metric not positive everywhere) or rank (normal scores of ranks)"),
    ]
}()

private let plugin = PluginExport(strategies: [
    StrategyKind(PluginDescriptor(id: "predictor", name: "Predictor-guided search",
                                  description: "Bayesian linear surrogate (one-hot+pairwise features, cost metrics as rank scores), then on an enumerable space a Gaussian process (RBF on choices and metrics), Thompson sampling over screened feasible candidates; options: warmup=2, greedy=0.8, greedy-late=0.5, late-after=60, surrogate=gp, gp-from=60, gp-joint=150, gp-length=2.5, greedy-pool=0.5, noise=0.05, pool=2000",
                                  options: predictorOptions)) {
        AlgorithmStrategy(PredictorSearch(SearchSetup($0), settings: try predictorSettings($1)))
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
