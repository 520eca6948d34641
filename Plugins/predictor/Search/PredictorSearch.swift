// Predictor-guided search: a Bayesian linear surrogate over one-hot and
// pairwise genotype features, Thompson sampling over every feasible unseen
// candidate (the whole space when it can be enumerated), after a short
// space-filling warm-up. Each proposal draws one posterior sample of the
// weights and takes the best-scoring candidate under it: exploration comes
// from the posterior's spread, which shrinks where data is dense. On an
// enumerated space a Gaussian process takes over from `gpFrom` evaluations
// (PoolGaussianProcess; its proposals in GaussianProcessProposal.swift).
//
// Cost metrics as features: when the space is enumerated, the host's cost
// model has already priced every feasible candidate (latency, params, MACs,
// memory: whatever the profile reports), so their logarithms, standardised
// over the feasible set, join the features for free. Capacity tends to buy
// accuracy, and one weight on such a feature is learnt from a handful of
// evaluations where the one-hot weights need many; the fit decides how much
// to trust it (it may come out zero or negative).
import HwnasStrategies
import Foundation
import HwnasPluginSupport
import HwnasRanks

public final class PredictorSearch: SearchAlgorithm {
    public struct Settings: Sendable {
        /// Space-filling random proposals before the model takes over (5
        /// before the greedy schedule; 2 is better with it).
        public var warmup = 2
        public var pairwise = true
        /// Add choice-count features when all dimensions share their choices.
        public var choiceCounts = true
        public var countPriorVariance = 0.1
        /// Noise and prior variances on standardised targets.
        public var noiseVariance = 0.05
        public var mainPriorVariance = 1.0
        public var pairPriorVariance = 0.05
        /// Share of proposals that take the posterior mean instead of a
        /// sample, before `lateAfter` evaluations have been told (0.5
        /// throughout was the former default). The schedule is for spaces
        /// small enough to enumerate; larger ones use `greedyPoolShare`.
        public var greedyShare = 0.8
        /// The share once `lateAfter` evaluations have been told (greedy
        /// early for a good candidate soon, more samples later for the exact
        /// optimum among many that the mean scores alike). `lateAfter = 0`
        /// turns the schedule off: `greedyShare` throughout.
        public var greedyLateShare = 0.5
        public var lateAfter = 60
        /// The share on a space too large to enumerate, throughout: there
        /// the mean's argmax is taken over a pool that is half mutants of
        /// the 10 best so far, already close to the incumbents, and more
        /// samples keep the search from circling them (measured on fbnet
        /// and mcunet-mbv2: docs/strategies.md).
        public var greedyPoolShare = 0.5
        /// Candidates scored per round when the space is too big to enumerate.
        public var poolSize = 2000
        /// Log cost metrics of the enumerated feasible set as dense features.
        public var metricFeatures = true
        public var metricPriorVariance = 1.0
        /// How a metric becomes a feature: `.log` takes the logarithm of a
        /// metric that is positive on every feasible candidate and normal
        /// scores of the ranks otherwise (e.g. a score that is 0 somewhere);
        /// `.rank` (the default; `.log` was) takes normal scores of the ranks
        /// of every metric.
        public enum MetricTransform: String, Sendable { case log, rank }
        public var metricTransform = MetricTransform.rank
        /// Values below this quantile of the observed ones are raised to it
        /// before fitting, so broken architectures (a few % accuracy) do not
        /// dominate a linear fit whose job is to rank the good ones.
        public var floorQuantile = 0.25
        /// Fit normal scores of the observed values' ranks instead (then
        /// floorQuantile is not used).
        public var rankTargets = true
        /// The surrogate on an enumerated pool: `.gp` (a Gaussian process,
        /// PoolGaussianProcess) or `.linear` (BayesianLinearModel; always
        /// used on spaces too large to enumerate, on pools over
        /// `gpPoolLimit` and after `gpMaxObservations`).
        public enum Surrogate: String, Sendable { case gp, linear }
        public var surrogate = Surrogate.gp
        /// The GP's RBF length on one-hot choices and standardised metrics
        /// (longer finds the optimum by 200 more often and stalls more often
        /// after: 90 / 94 / 96 % by 200 at 2 / 2.5 / 3, docs/strategies.md).
        public var gpLengthScale = 2.5
        /// A Thompson sample is joint over the `gpJoint` best by mean + 2 sd
        /// among the `gpShortlist` best by mean (300 finds the optimum a
        /// little more often and costs twice the time: docs/strategies.md).
        public var gpJoint = 150
        public var gpShortlist = 1500
        /// Observations the GP takes (its cost grows with them); the linear
        /// model, rebuilt from every observation, goes on from there.
        public var gpMaxObservations = 500
        /// Observations told before the GP takes over from the linear model
        /// (0: the GP from the first model proposal). The linear model's
        /// early proposals find a good candidate sooner (regret @50 0.188
        /// against the GP's 0.225); the GP's later ones find the optimum
        /// more often (docs/strategies.md).
        public var gpFrom = 60
        /// Largest enumerated feasible pool for the GP (memory: pool x
        /// gpMaxObservations floats).
        public static let gpPoolLimit = 60_000
        public init() {}
    }

    let setup: SearchSetup
    let settings: Settings
    let gate: CandidateGate
    let pool: CandidatePool
    let features: GenotypeFeatures
    /// Built at the first proposal, when the dense features are known.
    var model: BayesianLinearModel?
    var rng: SplitMix64
    /// Evaluated candidates and their primary objective.
    var observed: [(genotype: [Int32], value: Double)] = []
    var proposals = 0
    /// Enumerated pool: flat active features and a taken mask.
    var poolFeatures: [Int32] = []
    var taken: [Bool] = []
    /// Dense (metric) features: per enumerated candidate, flat, and by genotype.
    public private(set) var denseCount = 0
    var poolDense: [Double] = []
    var denseByGenotype: [[Int32]: Int] = [:]
    /// The GP surrogate while it is in use, and its means for the targets
    /// of `gpMeanAt` observations.
    var gp: PoolGaussianProcess?
    var gpMean: [Double] = []
    var gpMeanAt = -1
    /// Joint samples the GP could not draw (meanInstead).
    var gpSampleFallbacks = 0
    /// Seconds spent inside ask/tell (for overhead figures).
    public private(set) var algorithmSeconds = 0.0

    public init(_ setup: SearchSetup, settings: Settings = Settings()) {
        self.setup = setup
        self.settings = settings
        gate = CandidateGate(oracle: setup.oracle)
        pool = CandidatePool(space: setup.space, gate: gate, sampleSize: settings.poolSize)
        let shared = setup.space.choiceNames.allSatisfy { $0 == setup.space.choiceNames.first }
        features = GenotypeFeatures(choiceCounts: setup.space.choiceCounts, pairwise: settings.pairwise,
                                    sharedChoices: settings.choiceCounts && shared)
        rng = SplitMix64(seed: setup.seed)
    }

    /// The surrogate, once the pool (and so the dense features) is known;
    /// observations told before are added then.
    func buildModel() {
        let f = features
        let prior = (0..<f.count).map {
            f.isCountFeature($0) ? settings.countPriorVariance
                : f.isPairFeature($0) ? settings.pairPriorVariance : settings.mainPriorVariance
        } + [Double](repeating: settings.metricPriorVariance, count: denseCount)
        let m = BayesianLinearModel(priorVariance: prior, noiseVariance: settings.noiseVariance, denseCount: denseCount)
        for o in observed { m.add(features.active(o.genotype), dense: dense(o.genotype)) }
        model = m
    }

    /// Standardised log metrics of the enumerated pool: one dense feature
    /// per metric that is finite and not constant over it (normal scores of
    /// its ranks when it is not positive everywhere, or with
    /// `metricTransform = .rank`).
    func prepareDenseFeatures() {
        guard settings.metricFeatures, let all = pool.enumerated, let mets = pool.enumeratedMetrics, all.count > 1 else { return }
        var columns: [[Double]] = []
        for j in 0..<(mets.first?.count ?? 0) {
            let v = mets.map { $0[j] }
            guard v.allSatisfy({ $0.isFinite }) else { continue }
            let x: [Double] = settings.metricTransform == .log && v.allSatisfy({ $0 > 0 })
                ? v.map { Foundation.log($0) } : Self.normalScores(v)
            let (mean, sd) = Self.meanAndDeviation(x)
            guard sd > 1e-9 else { continue }
            columns.append(x.map { ($0 - mean) / sd })
        }
        denseCount = columns.count
        guard denseCount > 0 else { return }
        poolDense = [Double](repeating: 0, count: all.count * denseCount)
        for i in 0..<all.count {
            for k in 0..<denseCount { poolDense[i * denseCount + k] = columns[k][i] }
            denseByGenotype[all[i]] = i
        }
    }

    /// The dense features of a genotype (zeros, the pool's mean, for one
    /// outside the feasible pool, e.g. replayed from another run).
    func dense(_ g: [Int32]) -> [Double] {
        guard denseCount > 0 else { return [] }
        guard let i = denseByGenotype[g] else { return [Double](repeating: 0, count: denseCount) }
        return Array(poolDense[(i * denseCount)..<((i + 1) * denseCount)])
    }

    public func ask(maxCount: Int) throws -> [[Int32]] {
        let t0 = MonotonicClock.now()
        defer { algorithmSeconds += MonotonicClock.now() - t0 }
        if pool.isEnumerable && pool.enumerated == nil {
            try pool.enumerateIfSmall(wantMetrics: settings.metricFeatures)
            prepareDenseFeatures()
            let all = pool.enumerated!
            poolFeatures.reserveCapacity(all.count * features.activePerGenotype)
            var a: [Int32] = []
            for g in all { features.active(g, into: &a); poolFeatures.append(contentsOf: a) }
            taken = [Bool](repeating: false, count: all.count)
            buildGaussianProcess()
        }
        // The linear model is built when the GP is not (or no longer) in use.
        if gpInUse { model = nil } else if model == nil { buildModel() }
        var out: [[Int32]] = []
        while out.count < maxCount {
            let next = observed.count + out.count < settings.warmup || observed.count < 2
                ? try warmupCandidate(avoiding: out) : try modelCandidate(avoiding: out)
            guard let g = next else { break }
            gate.markProposed(g)
            out.append(g)
        }
        proposals += out.count
        return out
    }

    public func tell(_ observations: [Observation]) throws {
        let t0 = MonotonicClock.now()
        defer { algorithmSeconds += MonotonicClock.now() - t0 }
        for o in observations {
            gate.markProposed(o.genotype)
            guard let v = o.primary else { continue }
            observed.append((o.genotype, v))
            let d = dense(o.genotype)
            model?.add(features.active(o.genotype), dense: d)
            if observed.count > settings.gpMaxObservations { gp = nil } else { gp?.add(o.genotype, dense: d) }
        }
    }

    /// True once the GP proposes (from gpFrom observations until gpMaxObservations).
    var gpInUse: Bool { gp != nil && observed.count >= settings.gpFrom }

    /// The GP over the enumerated feasible pool, when asked for and the pool
    /// is small enough; observations told before are added.
    func buildGaussianProcess() {
        guard settings.surrogate == .gp, let all = pool.enumerated, !all.isEmpty, all.count <= Settings.gpPoolLimit,
              observed.count <= settings.gpMaxObservations else { return }
        // (poolDense is empty when there are no dense features)
        let g = PoolGaussianProcess(codes: all.flatMap { $0 }, nDims: setup.space.nDims, dense: poolDense, denseCount: denseCount,
                                    lengthScale: settings.gpLengthScale, noiseVariance: settings.noiseVariance)
        for o in observed { g.add(o.genotype, dense: dense(o.genotype)) }
        gp = g
    }

    /// Space-filling: the random admissible candidate farthest (Hamming) from
    /// everything proposed so far, among a few draws.
    func warmupCandidate(avoiding batch: [[Int32]]) throws -> [Int32]? {
        var best: [Int32]?, bestDistance = -1
        let others = observed.map(\.genotype) + batch
        for g in try warmupDraws() {
            let d = others.map { hamming($0, g) }.min() ?? setup.space.nDims
            if d > bestDistance { best = g; bestDistance = d }
        }
        return best
    }

    /// Up to 16 random admissible candidates. A space too large to enumerate
    /// screens 16 uniform draws in one call (not 16 searches for one each,
    /// which screened 16 x 64 networks per warm-up proposal), and searches
    /// for one only when none of them is admissible.
    func warmupDraws() throws -> [[Int32]] {
        if pool.enumerated != nil {
            var out: [[Int32]] = []
            for _ in 0..<16 { guard let g = try randomAdmissible() else { break }; out.append(g) }
            return out
        }
        let draws = (0..<16).map { _ in setup.space.randomGenotype(&rng) }
        let ok = try gate.admissible(draws)
        if !ok.isEmpty { return ok }
        return try randomAdmissible().map { [$0] } ?? []
    }

    func randomAdmissible() throws -> [Int32]? {
        if let all = pool.enumerated {
            for _ in 0..<64 {
                guard !all.isEmpty else { return nil }
                let i = Int.random(in: 0..<all.count, using: &rng)
                if !taken[i] && gate.isUnseen(all[i]) { return all[i] }
            }
            // Dense use of the space: scan for any survivor.
            if let i = (0..<all.count).first(where: { !taken[$0] && gate.isUnseen(all[$0]) }) { return all[i] }
            return nil
        }
        return try gate.anyAdmissible(space: setup.space, rng: &rng)
    }

    /// The surrogate's targets. Rank targets (the default): each observed
    /// value's rank as a standard normal score, so a few broken
    /// architectures or an outlier cannot dominate the fit, whatever the
    /// objective's scale. Ties keep the order they were observed in: mean
    /// ranks for ties measured worse on NB201, whose isomorphic cells share
    /// one accuracy (regret 0.429 / 0.127 @50 / @100 vs 0.399 / 0.111, 8
    /// tasks x 30 seeds). Otherwise values below the floor quantile are
    /// raised to it and the rest standardised.
    func targets() -> [Double] {
        var values = observed.map(\.value)
        if settings.rankTargets {
            let order = values.indices.sorted { values[$0] < values[$1] }
            var y = [Double](repeating: 0, count: values.count)
            for (k, i) in order.enumerated() { y[i] = Gaussian.quantile((Double(k) + 0.5) / Double(values.count)) }
            return y
        }
        if settings.floorQuantile > 0 {
            let sorted = values.sorted()
            let floor = sorted[Int(settings.floorQuantile * Double(sorted.count - 1))]
            values = values.map { max($0, floor) }
        }
        let (mean, deviation) = Self.meanAndDeviation(values)
        let sd = max(deviation, 1e-9)
        return values.map { ($0 - mean) / sd }
    }

    /// The standard normal quantile of each value's mid-rank: (r - 0.5) / n
    /// for the r-th smallest of n, equal values sharing their mean rank.
    static func normalScores(_ v: [Double]) -> [Double] {
        Ranks.average(v).map { Gaussian.quantile(($0 - 0.5) / Double(v.count)) }
    }

    /// Mean and population standard deviation.
    static func meanAndDeviation(_ v: [Double]) -> (mean: Double, sd: Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        return (mean, (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot())
    }

    /// The best candidate under one posterior sample (or the mean).
    func modelCandidate(avoiding batch: [[Int32]]) throws -> [Int32]? {
        let y = targets()
        let late = settings.lateAfter > 0 && observed.count + batch.count >= settings.lateAfter
        let share = pool.enumerated == nil ? settings.greedyPoolShare : late ? settings.greedyLateShare : settings.greedyShare
        if gpInUse, let gp, let all = pool.enumerated { return gaussianProcessCandidate(gp, all, y, greedy: rng.unit() < share) }
        guard let model else { return nil }
        let w = rng.unit() < share ? model.meanWeights(y) : model.sampleWeights(y, rng: &rng)
        let k = features.activePerGenotype, dc = denseCount, d0 = features.count
        if let all = pool.enumerated {
            while true {
                var bestI = -1, bestS = -Double.infinity
                poolFeatures.withUnsafeBufferPointer { f in
                    w.withUnsafeBufferPointer { wp in
                        poolDense.withUnsafeBufferPointer { dp in
                            for i in 0..<all.count where !taken[i] {
                                var s = 0.0
                                let base = i * k
                                for j in 0..<k { s += wp[Int(f[base + j])] }
                                for j in 0..<dc { s += wp[d0 + j] * dp[i * dc + j] }
                                if s > bestS { bestS = s; bestI = i }
                            }
                        }
                    }
                }
                guard bestI >= 0 else { return nil }
                taken[bestI] = true
                if gate.isUnseen(all[bestI]) { return all[bestI] }
            }
        }
        // Too large to enumerate: rank a fresh sample by the model, then screen
        // in that order until one is feasible (screening all of it would cost
        // more than the model).
        let incumbents = observed.sorted { $0.value > $1.value }.prefix(10).map(\.genotype)
        var seen = Set<[Int32]>()
        let cands = pool.sample(incumbents: incumbents, rng: &rng).filter { !batch.contains($0) && seen.insert($0).inserted }
        var a: [Int32] = []
        let scored = cands.map { c -> (g: [Int32], s: Double) in
            features.active(c, into: &a)
            var s = 0.0
            for j in a { s += w[Int(j)] }
            return (c, s)
        }
        let ordered = scored.sorted { $0.s > $1.s }.map(\.g)
        return try gate.firstFeasible(ordered) ?? randomAdmissible()
    }
}

func hamming(_ a: [Int32], _ b: [Int32]) -> Int {
    var d = 0
    for i in 0..<a.count where a[i] != b[i] { d += 1 }
    return d
}
