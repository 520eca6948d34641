// Lookup-table fits: exact recovery of a synthetic additive table, the nb201
// structure features, and the fit on the real FBNet measurements.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTools
import HwnasLUT
import Testing

@Suite(.tags(.unit)) struct LutFitTests {
    @Test func leastSquaresSolvesAnOverdeterminedSystem() throws {
        // y = 2 + 3 t sampled exactly at 5 points.
        let ts: [Double] = [0, 1, 2, 3, 4]
        let a: [Double] = ts.flatMap { t -> [Double] in [1, t] }
        let (x, rank) = try LeastSquares.solve(a, rows: 5, cols: 2, ts.map { 2 + 3 * $0 })
        #expect(rank == 2)
        #expect(abs(x[0] - 2) < 1e-10 && abs(x[1] - 3) < 1e-10)
    }

    @Test func fitRecoversASyntheticAdditiveTable() throws {
        let dims = (0..<5).map { "layer\($0)" }, choices = Array(repeating: ["a", "b", "c", "skip"], count: 5)
        let f = try GenotypeFeatures(kind: .additive, dimNames: dims, choiceNames: choices)
        var rng = SystemRandomNumberGenerator()
        let truth = (0..<5).map { _ in (0..<4).map { _ in Double.random(in: 0.1...3, using: &rng) } }
        let base = 1.5
        let gs = (0..<300).map { _ in (0..<5).map { _ in Int32.random(in: 0..<4, using: &rng) } }
        let ys = gs.map { g in g.enumerated().reduce(base) { $0 + truth[$1.offset][Int($1.element)] } }
        let fit = try LutFitter.fit(features: f, genotypes: gs, latencies: ys, holdout: 0.25, seed: 3)
        #expect(fit.holdout!.mape < 1e-8)
        #expect(fit.holdout!.within5 == 100)
        // Per-dim one-hots sum to the intercept: the table is identified up to
        // a constant per dim, so compare differences within each dim.
        let w = fit.table.weights
        for d in 0..<5 { for c in 1..<4 {
            let got = w[1 + d * 4 + c] - w[1 + d * 4], want = truth[d][c] - truth[d][0]
            #expect(abs(got - want) < 1e-8, "dim \(d) choice \(c): \(got) vs \(want)")
        }}
        // Predictions of unseen genotypes are exact too.
        let g: [Int32] = [3, 2, 1, 0, 3]
        #expect(abs(fit.fullTable.predict(g) - g.enumerated().reduce(base) { $0 + truth[$1.offset][Int($1.element)] }) < 1e-8)
    }

    @Test func nb201LiveEdgesFollowTheDag() {
        // none=true. Edges: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.
        // conv on 1<-0 only feeds none edges: dead; 3<-0 live.
        #expect(GenotypeFeatures.nb201LiveEdges([false, true, true, false, true, true]) == [false, false, false, true, false, false])
        // Node 3 fed only by node 2 which is zero: nothing is live.
        #expect(GenotypeFeatures.nb201LiveEdges([false, true, true, true, true, false]) == Array(repeating: false, count: 6))
        // A chain 0 -> 1 -> 2 -> 3.
        #expect(GenotypeFeatures.nb201LiveEdges([false, true, false, true, true, false]) == [true, false, true, false, false, true])
    }

    @Test func tableRoundTripsThroughCSV() throws {
        let s = try TestSupport.space("nb201")
        let f = try GenotypeFeatures(kind: .nb201Live, dimNames: s.dimNames, choiceNames: s.choices)
        let t = FeatureTable(features: f, weights: f.names.indices.map { Double($0) * 0.25 })
        let path = NSTemporaryDirectory() + "lut-roundtrip-\(getpid()).csv"
        try t.csv.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let back = try FeatureTable.read(path, features: f)
        #expect(back.weights == t.weights)
        let g = try s.parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|")
        #expect(back.predict(g) == t.predict(g))
    }

    @Test func fbnetFitOnRealMeasurementsIsAccurate() throws {
        let csv = "../shared/benchmarks/fbnet/fbnet_hw.csv"
        try #require(FileManager.default.fileExists(atPath: csv), "shared benchmarks missing at \(csv)")
        let s = try TestSupport.space("fbnet")
        // gold_6226 (a real CPU, measured): the additive table is a model, not an identity.
        let job = LutFitJob(space: s, measurements: csv, column: "gold_6226_ms", holdout: 0.2, seed: 1)
        let (fit, rows, _) = try job.run()
        #expect(rows == 5000)
        let h = try #require(fit.holdout)
        #expect(h.count == 1000)
        #expect(h.mape > 0.01 && h.mape < 6, "holdout MAPE \(h.mape)")
        #expect(h.within10 > 85, "within 10%: \(h.within10)")
        // Writing: a layer-table profile that the host's profile loader accepts.
        let dir = NSTemporaryDirectory() + "lutfit-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try job.write(fit, rows: rows, to: dir + "/gold.yaml")
        let p = try HardwareProfile.read(path: dir + "/gold.yaml")
        #expect(p.sections.first?.model == "layer-table")
        #expect(p.provenance["column"] == "gold_6226_ms")
        let table = try String(contentsOfFile: dir + "/gold.csv", encoding: .utf8)
        #expect(table.split(separator: "\n").count == 1 + 1 + 22 * 9)
        // The shipped CSV predicts what the fitted table predicts (the
        // minimum-norm solution keeps weights moderate, so 12 digits suffice).
        var value: [String: Double] = [:]
        for line in table.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            value["\(f[0])=\(f[1])"] = Double(f[2])!
        }
        #expect(value.values.allSatisfy { abs($0) < 1e4 }, "weights blew up")
        let (gs, ys, _) = try job.load()
        for (g, y) in zip(gs.prefix(20), ys) {
            let fromCSV = g.enumerated().reduce(value["base="]!) { $0 + value["layer\($1.offset)=\(s.choices[$1.offset][Int($1.element)])"]! }
            #expect(abs(fromCSV - fit.fullTable.predict(g)) < 1e-6 * y)
        }
    }
}

@Suite(.tags(.unit)) struct CPUProfileTests {
    @Test func profileCoversEveryLayerAndRoundTrips() throws {
        var st = CPUProfileSettings()
        st.repeats = 2; st.warmup = 0; st.sampleNetworks = 5; st.calibrate = 0
        let p = try CPULatencyProfiler(space: try TestSupport.space("nb201"), registry: TestSupport.registry, settings: st)
        let lut = try p.measure()
        #expect(lut.entries.count >= 10)
        #expect(lut.entries.values.allSatisfy { $0.medianMs > 0 && $0.p10Ms <= $0.medianMs && $0.medianMs <= $0.p90Ms && $0.repeats == 2 })
        // Networks the table was not built from still find every layer.
        for g in p.randomGenotypes(5, seed: 12345) {
            let keys = try p.network(g).layers.map(OperatorKey.init)
            guard case .latency(let ms) = lut.predict(keys) else { Issue.record("missing layer in \(g)"); continue }
            #expect(ms > 0)
        }
        let dir = NSTemporaryDirectory() + "cpuprof-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var withOverheads = lut
        withOverheads.networkOverheadMs = 0.5; withOverheads.scale = 1.1
        try p.write(withOverheads, to: dir + "/cpu.yaml")
        let prof = try HardwareProfile.read(path: dir + "/cpu.yaml")
        #expect(prof.sections.first?.model == "cpu-lut")
        #expect(prof.provenance["threads"] == "1" && prof.provenance["blas"]?.contains("OpenBLAS") == true)
        let back = try OperatorLUT.read(prof.sections[0].options["file"]!)
        #expect(back.entries.count == lut.entries.count && back.scale == 1.1 && back.networkOverheadMs == 0.5)
        let k = lut.entries.keys.first!
        #expect(abs(back.entries[k]!.medianMs - lut.entries[k]!.medianMs) <= 1e-5 * lut.entries[k]!.medianMs)
        // An unknown key is reported, not guessed.
        var odd = k; odd.inC += 1
        if case .missing(let m) = back.predict([odd]) { #expect(m == odd) } else { Issue.record("unknown key predicted") }
    }
}
