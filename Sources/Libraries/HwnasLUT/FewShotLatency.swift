// A new device from a few measurements (HELP, Lee et al., NeurIPS 2021, in
// spirit): the devices hwnas already has tables for are the prior, the
// user's N timings adapt it. Each source device's latency is an additive
// table fitted on its own data; the new device's latency is a combination of
// the sources' standardised predictions (non-negative least squares, or
// ridge), fitted to the N points with relative weights and regularisation
// chosen by leave-one-out, optionally corrected by per-choice counts. Being
// linear in the source tables, the result is again one table of the same
// features: a profile that prices every network of the space.
// tools/few-shot-latency/ is the prototype these figures were tuned on.
import Foundation
import HwnasSplitMix

/// The source devices: one table per device and their spread over the space.
public struct FewShotSources: Sendable {
    public let features: GenotypeFeatures
    public let names: [String]
    public let tables: [FeatureTable]
    /// Mean and standard deviation of each source's prediction, and of its
    /// log, over the reference genotypes (the space, or a sample of it).
    let mean, std, logMean, logStd: [Double]

    public init(features: GenotypeFeatures, names: [String], tables: [FeatureTable], reference: [[Int32]]) throws {
        guard !tables.isEmpty, tables.count == names.count else { throw LeastSquaresError(description: "few-shot: no source devices") }
        guard reference.count >= 2 else { throw LeastSquaresError(description: "few-shot: need reference networks to standardise the sources") }
        self.features = features; self.names = names; self.tables = tables
        var m: [Double] = [], s: [Double] = [], lm: [Double] = [], ls: [Double] = []
        for t in tables {
            let p = reference.map(t.predict)
            let l = p.map { log(max($0, 1e-3)) }
            m.append(Self.mean(p)); s.append(max(Self.std(p), 1e-12)); lm.append(Self.mean(l)); ls.append(max(Self.std(l), 1e-12))
        }
        mean = m; std = s; logMean = lm; logStd = ls
    }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    static func std(_ x: [Double]) -> Double {
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()
    }

    /// Standardised source predictions of a genotype.
    public func z(_ g: [Int32]) -> [Double] {
        tables.indices.map { (tables[$0].predict(g) - mean[$0]) / std[$0] }
    }

    /// Standardised log source predictions (the selection's design space).
    func zLog(_ g: [Int32]) -> [Double] {
        tables.indices.map { (log(max(tables[$0].predict(g), 1e-3)) - logMean[$0]) / logStd[$0] }
    }

    /// The `count` networks of `pool` most worth measuring: greedy
    /// D-optimal design on [1, standardised log source predictions] (each
    /// pick maximises a^T M^-1 a, the variance a linear fit would have
    /// there), so the N points spread over the directions in which devices
    /// differ, not uniformly over the space.
    public func select(count: Int, pool: [[Int32]]) -> [[Int32]] {
        let rows = pool.map { [1.0] + zLog($0) }
        let k = rows.first?.count ?? 1
        // M^-1 of M = 1e-3 I, updated by Sherman-Morrison after each pick.
        var inv = [Double](repeating: 0, count: k * k)
        for i in 0..<k { inv[i * k + i] = 1e3 }
        var picked = Set<Int>(), out: [[Int32]] = []
        while out.count < min(count, pool.count) {
            var best = -1, bestScore = -Double.infinity
            for (r, a) in rows.enumerated() where !picked.contains(r) {
                var score = 0.0
                for i in 0..<k { var t = 0.0; for j in 0..<k { t += inv[i * k + j] * a[j] }; score += a[i] * t }
                if score > bestScore { (best, bestScore) = (r, score) }
            }
            guard best >= 0 else { break }
            picked.insert(best); out.append(pool[best])
            let a = rows[best]
            let v = (0..<k).map { i in (0..<k).reduce(0) { $0 + inv[i * k + $1] * a[$1] } }
            let d = 1 + zip(a, v).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<k { for j in 0..<k { inv[i * k + j] -= v[i] * v[j] / d } }
        }
        return out
    }
}

/// How the sources are combined.
public enum FewShotMix: String, Sendable, CaseIterable {
    /// Non-negative weights on the sources (a free intercept), plus a ridge
    /// correction on per-choice counts (NB201: devices differ most in what
    /// each operation costs).
    case nnlsCounts = "nnls-counts"
    /// Ridge weights of either sign on the sources (FBNet: GPUs mix with
    /// negative weights).
    case ridge

    /// The mix called `name` (--mix), or an error naming the known ones.
    public init(named name: String) throws {
        guard let m = FewShotMix(rawValue: name) else {
            throw LeastSquaresError(description: "--mix \(name): expected \(Self.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        self = m
    }

    /// The default for a feature set (by what the prototype measured).
    public static func `default`(for kind: FeatureSetKind) -> FewShotMix { kind == .nb201Live ? .nnlsCounts : .ridge }
}

public struct FewShotFit: Sendable {
    /// The new device's table (same features as the sources).
    public let table: FeatureTable
    /// Predictions are raised to this (half the smallest measurement): a
    /// table cannot clamp, and a device never takes <= 0 ms.
    public let floor: Double
    /// Leave-one-out predictions of the N points (the fit's own error).
    public let leaveOneOut: [Double]
    public let mix: FewShotMix
    public let lambda1: Double, lambda2: Double?
    public let sourceWeights: [Double]

    public func predict(_ g: [Int32]) -> Double { max(table.predict(g), floor) }

    /// Median |LOO / measured - 1| and the share within +-10 %, of the N points.
    public func looSummary(_ measured: [Double]) -> (medianRelativeError: Double, within10: Double) {
        let rel = zip(leaveOneOut, measured).map { abs($0 / $1 - 1) }.sorted()
        let median = rel.count % 2 == 1 ? rel[rel.count / 2] : (rel[rel.count / 2 - 1] + rel[rel.count / 2]) / 2
        return (median, Double(rel.filter { $0 <= 0.1 }.count) / Double(rel.count))
    }
}

public enum FewShotFitter {
    static let lambdas1 = [1e-3, 1e-2, 1e-1, 1]
    static let lambdas2: [Double?] = [nil, 1e-3, 1e-2, 1e-1, 1]

    /// Per-choice-name counts over the dims (the first name dropped: the
    /// counts sum to the number of dims), standardised over `reference`.
    struct Counts {
        let names: [String]
        let mean, std: [Double]
        init(features: GenotypeFeatures, reference: [[Int32]]) {
            var seen: [String] = []
            for choices in features.choiceNames { for c in choices where !seen.contains(c) { seen.append(c) } }
            let kept = Array(seen.dropFirst())
            names = kept
            let raw = reference.map { Self.raw($0, features, kept) }
            let columns = names.indices.map { k in raw.map { $0[k] } }
            mean = columns.map(FewShotSources.mean)
            std = columns.map { max(FewShotSources.std($0), 1e-12) }
        }
        static func raw(_ g: [Int32], _ f: GenotypeFeatures, _ names: [String]) -> [Double] {
            var c = [Double](repeating: 0, count: names.count)
            for (d, v) in g.enumerated() { if let k = names.firstIndex(of: f.choiceNames[d][Int(v)]) { c[k] += 1 } }
            return c
        }
        func z(_ g: [Int32], _ f: GenotypeFeatures) -> [Double] {
            zip(zip(Self.raw(g, f, names), mean), std).map { ($0.0 - $0.1) / $1 }
        }
    }

    /// Weighted ridge with an unpenalised intercept: rows of [1, x], weights
    /// w; the penalty lambda * n * |c|^2 as extra rows.
    static func ridge(_ x: [[Double]], _ y: [Double], _ w: [Double], lambda: Double) throws -> [Double] {
        let n = x.count, p = (x.first?.count ?? 0) + 1
        var a = [Double](), b = [Double]()
        for i in 0..<n { a += ([1] + x[i]).map { $0 * w[i] }; b.append(y[i] * w[i]) }
        let r = (lambda * Double(n)).squareRoot()
        for j in 1..<p { var row = [Double](repeating: 0, count: p); row[j] = r; a += row; b.append(0) }
        return try LeastSquares.solve(a, rows: n + p - 1, cols: p, b).x
    }

    /// Weighted NNLS on [+1, -1, x] (an intercept of either sign, sources >= 0).
    static func nnls(_ x: [[Double]], _ y: [Double], _ w: [Double]) throws -> [Double] {
        let n = x.count, p = (x.first?.count ?? 0) + 2
        var a = [Double](), b = [Double]()
        for i in 0..<n { a += ([1, -1] + x[i]).map { $0 * w[i] }; b.append(y[i] * w[i]) }
        let c = try NonNegativeLeastSquares.solve(a, rows: n, cols: p, b)
        return [c[0] - c[1]] + c[2...]
    }

    /// One configuration fitted on normalised measurements: the source
    /// coefficients [b, c_1..c_S] and the count correction [b2, d_1..d_K].
    static func fitOnce(z: [[Double]], counts: [[Double]], y: [Double], mix: FewShotMix, lambda1: Double, lambda2: Double?)
        throws -> (sources: [Double], counts: [Double]?) {
        let w = y.map { 1 / $0 }
        let c1 = mix == .ridge ? try ridge(z, y, w, lambda: lambda1) : try nnls(z, y, w)
        guard let l2 = lambda2 else { return (c1, nil) }
        let residual = zip(z, y).map { $1 - c1[0] - zip(c1.dropFirst(), $0).reduce(0) { $0 + $1.0 * $1.1 } }
        return (c1, try ridge(counts, residual, w, lambda: l2))
    }

    static func apply(_ c: (sources: [Double], counts: [Double]?), z: [Double], counts: [Double]) -> Double {
        var v = c.sources[0] + zip(c.sources.dropFirst(), z).reduce(0) { $0 + $1.0 * $1.1 }
        if let d = c.counts { v += d[0] + zip(d.dropFirst(), counts).reduce(0) { $0 + $1.0 * $1.1 } }
        return v
    }

    /// Fits the new device's table to `genotypes` measured at `latencies`.
    public static func fit(sources: FewShotSources, genotypes: [[Int32]], latencies: [Double], mix: FewShotMix,
                           reference: [[Int32]]) throws -> FewShotFit {
        guard genotypes.count == latencies.count, genotypes.count >= 3 else {
            throw LeastSquaresError(description: "few-shot fit: need at least 3 measured networks, got \(genotypes.count)")
        }
        if let bad = latencies.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw LeastSquaresError(description: "few-shot fit: measurement \(bad + 1) is \(latencies[bad]); latencies must be positive")
        }
        let f = sources.features
        let counts = Counts(features: f, reference: reference)
        // Normalise by the geometric mean: the constants below are scale-free.
        let scale = exp(latencies.map(log).reduce(0, +) / Double(latencies.count))
        let y = latencies.map { $0 / scale }
        let z = genotypes.map(sources.z), cz = genotypes.map { counts.z($0, f) }
        let floor = 0.5 * (latencies.min() ?? 0)
        let grid: [(Double, Double?)] = mix == .ridge ? lambdas1.map { ($0, nil) } : lambdas2.map { (0, $0) }
        var best: (error: Double, lambda1: Double, lambda2: Double?, loo: [Double])?
        for (l1, l2) in grid {
            var loo: [Double] = []
            for i in y.indices {
                let keep = y.indices.filter { $0 != i }
                let c = try fitOnce(z: keep.map { z[$0] }, counts: keep.map { cz[$0] }, y: keep.map { y[$0] }, mix: mix, lambda1: l1, lambda2: l2)
                loo.append(max(apply(c, z: z[i], counts: cz[i]) * scale, floor))
            }
            let error = zip(loo, latencies).reduce(0) { $0 + ($1.0 / $1.1 - 1) * ($1.0 / $1.1 - 1) } / Double(y.count)
            if best == nil || error < best!.error - 1e-12 { best = (error, l1, l2, loo) }
        }
        let chosen = best!
        let c = try fitOnce(z: z, counts: cz, y: y, mix: mix, lambda1: chosen.lambda1, lambda2: chosen.lambda2)
        // The combination as one table: sum_s c_s (T_s - mean_s) / std_s
        // plus the count correction, scaled back.
        var weights = [Double](repeating: 0, count: f.names.count)
        weights[0] = c.sources[0]
        for (s, t) in sources.tables.enumerated() {
            let k = c.sources[s + 1] / sources.std[s]
            for j in weights.indices { weights[j] += k * t.weights[j] }
            weights[0] -= k * sources.mean[s]
        }
        if let d = c.counts {
            weights[0] += d[0]
            var index = 1
            for choices in f.choiceNames {
                for name in choices {
                    if let k = counts.names.firstIndex(of: name) {
                        weights[index] += d[k + 1] / counts.std[k]
                    }
                    index += 1
                }
            }
            for k in counts.names.indices { weights[0] -= d[k + 1] * counts.mean[k] / counts.std[k] }
        }
        return FewShotFit(table: FeatureTable(features: f, weights: weights.map { $0 * scale }), floor: floor,
                          leaveOneOut: chosen.loo, mix: mix, lambda1: chosen.lambda1, lambda2: chosen.lambda2,
                          sourceWeights: Array(c.sources.dropFirst()))
    }
}
