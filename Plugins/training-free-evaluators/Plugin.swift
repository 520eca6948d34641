// The training-free evaluators as one plugin library: `meco` (the default
// evaluator of `hwnas search`) and `naswot`. docs/evaluators.md has what each
// measures and its rank correlation with trained accuracy.
import HwnasPluginSupport

private func sharedOptions(metric: String, batch: Int) -> [OptionSpec] {
    [.int("batch", batch, 2...1024, "synthetic inputs per network (batch-norm statistics are the batch's)"),
     .int("seed", 1, 0...Int(Int32.max), "weights and inputs"),
     .string("metric", metric, "the score's name"),
     .int("parallel", 1, 1...1024, "candidates scored at once, one thread each").execution()]
}

private let plugin = PluginExport(evaluators: [
    EvaluatorKind(PluginDescriptor(id: "meco", name: "MeCo training-free proxy",
                                   description: "training-free accuracy proxy, a score and not an accuracy: sum over ReLUs of C x the smallest eigenvalue of the channels' Pearson correlation (MeCo, over its value for random channels) in the untrained network on a synthetic batch (OpenBLAS CPU); higher tends to train better, see docs/evaluators.md (options batch, samples, normalize, pool, seed, metric, parallel)",
                                   options: sharedOptions(metric: "meco", batch: 8)
                                       + [.int("samples", 1, 1...1024, "samples of the batch whose feature maps are scored (averaged)"),
                                          .bool("normalize", true, "divide each lambda_min by its value for random channels of the same shape (Marchenko-Pastur edge); 0: the paper's raw sum"),
                                          .double("pool", 0, 0...1024, "a map with no more positions than channels pools samples' positions up to pool x (C+1) of them (0: off; such a map adds nothing)")])) { _, o, log in
        let samples = try o.int("samples", default: 1)
        let normalized = try o.bool("normalize", default: true)
        let pool = try o.double("pool", default: 0)
        let advice = pool > 0 ? "a larger batch gives pool more positions (option batch)"
            : "give --evaluator-option pool=2 (positions of several samples per correlation) or use --evaluator naswot"
        return try TrainingFreeEvaluator(name: "meco", options: o, defaultBatch: 8, logger: log, uninformativeAdvice: advice) { batch in
            MecoScore(batch: batch, samples: samples, normalized: normalized, poolRatio: pool)
        }
    },
    EvaluatorKind(PluginDescriptor(id: "naswot", name: "NASWOT training-free proxy",
                                   description: "training-free accuracy proxy, a score and not an accuracy: log|K| of the ReLU codes of the untrained network on a synthetic batch (OpenBLAS CPU); higher tends to train better, see docs/evaluators.md (options batch, seed, metric, parallel)",
                                   options: sharedOptions(metric: "naswot", batch: 32))) { _, o, log in
        try TrainingFreeEvaluator(name: "naswot", options: o, defaultBatch: 32, logger: log) { CodeKernel(batch: $0) }
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
