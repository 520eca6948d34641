// The training-free evaluator plugins (meco, naswot) through the C ABI, on
// networks the host expanded: deterministic, rank trainable networks above
// degenerate ones, parallel scoring changes nothing, no expanded network is a
// clear error; meco's score equals a naive recomputation from the executor.
import HwnasTestSupport
import CHwnasABI
import Foundation
import HwnasCore
import HwnasExecutor
import Testing

@Suite(.tags(.slow)) struct TrainingFreeEvaluatorTests {
    static let archs = [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    ]

    func scores(_ id: String, _ options: [String: String], expand: Bool = true) throws -> [Double] {
        let registry = TestSupport.registry
        let space = try TestSupport.space("nb201")
        let (d, lib) = try registry.lookup(.evaluator, id)
        let ev = try LoadedEvaluator(d, library: lib, space: CSearchSpace(space), options: options)
        let g = try Self.archs.map(space.parse)
        let factory = try NetworkFactory(space: space, registry: registry)
        let nets = expand ? try g.map { try factory.build($0) } : nil
        let out = try CandidateBatch(space: space, genotypes: g, networks: nets).with(minor: d.abiMinor) { try ev.evaluate($0, onResult: nil) }
        let allOK = out.allSatisfy { $0.ok }
        #expect(allOK)
        return out.map { $0.metrics[0] }
    }

    @Test(arguments: ["meco", "naswot"])
    func deterministicAndRanksConvolutionsAboveDegenerateCells(_ id: String) throws {
        let a = try scores(id, ["batch": "16"])
        let b = try scores(id, ["batch": "16"])
        // Equal up to OpenBLAS summation order: the thread count is process
        // global and other suites running alongside change it.
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-6 * abs(x), "\(a) vs \(b)") }
        let finite = a.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect(a[0] > a[1] && a[0] > a[2], "all-conv3x3 must beat all-skip and all-none: \(a)")
        #expect(a[3] > a[2] && a[4] > a[2], "any conv cell must beat all-none: \(a)")
        let other = try scores(id, ["batch": "16", "seed": "7"])
        #expect(other != a, "the seed must change the synthetic batch")
    }

    @Test(arguments: ["meco", "naswot"])
    func parallelScoringGivesTheSameScores(_ id: String) throws {
        let serial = try scores(id, ["batch": "16"])
        let parallel = try scores(id, ["batch": "16", "parallel": "3"])
        // One BLAS thread per candidate may sum in another order; a flipped
        // ReLU sign moves log det K (or an eigenvalue) by far less than this.
        for (s, p) in zip(serial, parallel) { #expect(abs(s - p) <= 1e-3 * max(1, abs(s)), "\(serial) vs \(parallel)") }
    }

    @Test(arguments: ["meco", "naswot"])
    func badOptionsAndMissingNetworksAreClearErrors(_ id: String) throws {
        #expect(throws: HwnasError.self) { try scores(id, ["batch": "1"]) }
        do {
            _ = try scores(id, ["batch": "8"], expand: false)
            Issue.record("scoring without expanded networks must fail")
        } catch {
            #expect("\(error)".contains("\(id) needs the expanded network"), "\(error)")
        }
    }

    /// meco = sum over ReLU-like activations of C * lambda_min of the Pearson
    /// correlation of sample 0's channels over the Marchenko-Pastur edge,
    /// recomputed here from the executor's callback with plain loops and
    /// Jacobi eigenvalues (no LAPACK).
    @Test func mecoEqualsANaiveRecomputation() throws {
        let space = try TestSupport.space("nb201")
        let factory = try NetworkFactory(space: space, registry: TestSupport.registry)
        let got = try scores("meco", ["batch": "8", "seed": "3"])
        let raw = try scores("meco", ["batch": "8", "seed": "3", "normalize": "false"])
        for (i, arch) in Self.archs.enumerated() {
            let net = try factory.build(space.parse(arch))
            var opts = hwnas_executor_options(batch: 8, bn_mode: HWNAS_EXEC_BN_BATCH, seed: 3)
            var err = [CChar](repeating: 0, count: 256)
            let ex = try #require(hwnas_executor_create(net.pointer, &opts, &err, err.count))
            defer { hwnas_executor_destroy(ex) }
            final class Maps { var maps: [(channels: Int, values: [Double])] = [] }
            let seen = Maps()
            hwnas_executor_set_relu_callback(ex, { ctx, _, _, channels, features, post in
                let m = Unmanaged<Maps>.fromOpaque(ctx!).takeUnretainedValue()
                m.maps.append((Int(channels), (0..<Int(features)).map { Double(post![$0]) }))
            }, Unmanaged.passUnretained(seen).toOpaque())
            #expect(hwnas_executor_run(ex) == 0)
            var want = 0.0, wantRaw = 0.0
            for (c, v) in seen.maps {
                let spatial = v.count / c
                guard spatial > c else { continue }
                var rows: [[Double]] = []
                for ch in 0..<c {
                    let x = Array(v[(ch * spatial)..<((ch + 1) * spatial)])
                    let mean = x.reduce(0, +) / Double(spatial)
                    let d = x.map { $0 - mean }
                    let norm = d.map { $0 * $0 }.reduce(0, +).squareRoot()
                    let peak = x.map(abs).max() ?? 0
                    if norm > 1e-7 * peak * Double(spatial).squareRoot() && norm > 0 { rows.append(d.map { $0 / norm }) }
                }
                guard rows.count >= 2, rows.count < spatial else { continue }
                let p = rows.map { a in rows.map { b in zip(a, b).map(*).reduce(0, +) } }
                let edge = pow(1 - (Double(rows.count) / Double(spatial - 1)).squareRoot(), 2)
                let lambda = max(0, Self.jacobiEigenvalues(p).min()!)
                want += Double(c) * lambda / max(edge, 1e-3)
                wantRaw += Double(c) * lambda
            }
            #expect(abs(got[i] - want) <= 1e-4 * max(1, want), "\(arch): evaluator \(got[i]) vs naive \(want)")
            #expect(abs(raw[i] - wantRaw) <= 1e-4 * max(1, wantRaw), "\(arch): normalize=false \(raw[i]) vs naive \(wantRaw)")
        }
        #expect(got[2] == 0 || got[2] < got[0], "\(got)")
    }

    /// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations.
    static func jacobiEigenvalues(_ m: [[Double]]) -> [Double] {
        var a = m
        let n = a.count
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
                    }
                }
            }
        }
        return (0..<n).map { a[$0][$0] }
    }
}
