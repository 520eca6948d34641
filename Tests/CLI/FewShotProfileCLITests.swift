// A new device from ten measurements, end to end: `hwnas profile sample`
// chooses 10 networks (learning from the other devices of the NB201 table),
// their Xeon Gold 6226 latencies from the table stand in for the user's
// timings, `hwnas profile fit` writes a profile, and `hwnas cost --archs`
// prices all 15,625 networks with it.
import HwnasTestSupport
import Foundation
import HwnasTabular
import HwnasTools
import Testing

@Suite(.serialized, .tags(.cli)) struct FewShotProfileCLITests {
    @Test func sampleFitAndPriceEveryNetwork() async throws {
        let dir = TestSupport.tempDir("fewshot")
        let table = try CSVTable.read(TestSupport.nb201CSV)
        let truth = try table.numericMap(key: "arch", value: "gold_6226_ms")
        let common = ["--space", "nb201", "--sources", TestSupport.nb201CSV, "--exclude", "gold_6226_ms"]
        let s = try await TestSupport.hwnasRun(["profile", "sample"] + common + ["--count", "10", "--seed", "1", "--out", "\(dir)/archs.txt"])
        #expect(s.status == 0, "\(s.err)")
        let archs = try String(contentsOfFile: "\(dir)/archs.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(archs.count == 10 && Set(archs).count == 10)
        // Spread: the chosen networks reach both tails of another device's latencies.
        let eyeriss = try table.numericMap(key: "arch", value: "eyeriss_ms")
        let sorted = eyeriss.values.sorted()
        let chosen = try archs.map { try #require(eyeriss[$0], "\($0) is not an nb201 arch of the table") }
        #expect(chosen.min()! <= sorted[sorted.count / 10] && chosen.max()! >= sorted[sorted.count * 9 / 10], "\(chosen)")

        try ("arch,latency_ms\n" + archs.map { "\($0),\(truth[$0]!)" }.joined(separator: "\n") + "\n")
            .write(toFile: "\(dir)/m.csv", atomically: true, encoding: .utf8)
        let f = try await TestSupport.hwnasRun(["profile", "fit"] + common + ["--measured", "\(dir)/m.csv", "--out", "\(dir)/gold.yaml"])
        #expect(f.status == 0 && f.out.contains("leave-one-out on the measured networks: median error"), "\(f.err)")
        let yaml = try String(contentsOfFile: "\(dir)/gold.yaml", encoding: .utf8)
        #expect(yaml.contains("model: lut-features") && yaml.contains("floor: ") && yaml.contains("loo_median_error_pct"))

        try (table.rows.map { $0[try table.column("arch")] }.joined(separator: "\n") + "\n").write(toFile: "\(dir)/all.txt", atomically: true, encoding: .utf8)
        let c = try await TestSupport.hwnasRun(["cost", "--space", "nb201", "--profile", "\(dir)/gold.yaml", "--archs", "\(dir)/all.txt", "--csv", "\(dir)/pred.csv"])
        #expect(c.status == 0, "\(c.err)")
        let pred = try CSVTable.read("\(dir)/pred.csv")
        let p = try pred.numericColumn("latency_ms"), a = try pred.column("arch")
        #expect(p.count == 15_625 && p.allSatisfy { $0 > 0 && $0.isFinite }, "a fitted profile priced a network at <= 0 or not at all")
        let t = pred.rows.map { truth[$0[a]]! }
        let rho = RankCorrelation.spearman(p, t)
        print("few-shot gold_6226 from 10 networks: Spearman \(rho) over 15,625")
        #expect(rho >= 0.97)

        // Bad input: a measured arch twice, a non-positive time.
        try "arch,latency_ms\n\(archs[0]),1\n\(archs[0]),2\n\(archs[1]),3\n\(archs[2]),4\n".write(toFile: "\(dir)/dup.csv", atomically: true, encoding: .utf8)
        let dup = try await TestSupport.hwnasRun(["profile", "fit"] + common + ["--measured", "\(dir)/dup.csv", "--out", "\(dir)/x.yaml"])
        #expect(dup.status == 1 && dup.err.contains("listed twice"), "\(dup.err)")
        try "arch,latency_ms\n\(archs[0]),1\n\(archs[1]),0\n\(archs[2]),4\n".write(toFile: "\(dir)/zero.csv", atomically: true, encoding: .utf8)
        let zero = try await TestSupport.hwnasRun(["profile", "fit"] + common + ["--measured", "\(dir)/zero.csv", "--out", "\(dir)/x.yaml"])
        #expect(zero.status == 1 && zero.err.contains("no positive 'latency_ms'"), "\(zero.err)")
        // The chosen networks exported for timing, with a map of files to archs.
        let e = try await TestSupport.hwnasRun(["profile", "sample"] + common + ["--count", "3", "--export-dir", dir, "--format", "onnx"])
        #expect(e.status == 0, "\(e.err)")
        let map = try CSVTable.read("\(dir)/networks.csv")
        #expect(map.rows.map { $0[0] } == ["net-01.onnx", "net-02.onnx", "net-03.onnx"])
        #expect(map.rows.map { $0[1] } == Array(archs.prefix(3)), "the same seed chooses the same networks first")
        for row in map.rows { #expect(FileManager.default.fileExists(atPath: "\(dir)/\(row[0])")) }
        let typo = try await TestSupport.hwnasRun(["profile", "sample", "--space", "nb201", "--sources", TestSupport.nb201CSV, "--exclude", "gold_ms"])
        #expect(typo.status == 1 && typo.err.contains("--exclude gold_ms: "), "\(typo.err)")
    }
}
