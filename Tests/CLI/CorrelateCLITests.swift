// `hwnas correlate` end to end: sampled rows, the evaluator and the trivial
// proxies scored, a table with every column, a CSV that agrees with it.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTools
import HwnasTabular
import Testing

@Suite(.tags(.cli)) struct CorrelateCLITests {
    @Test func correlateReportsEveryProxyAndColumn() async throws {
        let dir = TestSupport.tempDir("correlate")
        let csv = "\(dir)/points.csv"
        let r = try await TestSupport.hwnasRun(["correlate", "--table", TestSupport.nb201CSV, "--sample", "24", "--seed", "3",
                                          "--evaluator-option", "batch=8", "--parallel", "2", "--csv", csv, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        for c in ["cifar10_acc Spearman", "cifar100_acc Kendall", "imagenet16_acc Spearman", "| meco |", "| params |", "| macs |"] {
            #expect(r.out.contains(c), "missing \(c): \(r.out)")
        }
        #expect(r.out.contains("24 of 24 sampled architectures scored"))
        let t = try CSVTable.read(csv)
        #expect(t.header == ["arch", "meco", "params", "macs", "cifar10_acc", "cifar100_acc", "imagenet16_acc"])
        #expect(t.rows.count == 24 && Set(t.rows.map { $0[0] }).count == 24)
        // The printed Spearman for params must be what the CSV's points give.
        let rho = RankCorrelation.spearman(try t.numericColumn("params"), try t.numericColumn("cifar10_acc"))
        #expect(r.out.contains("| params | " + String(format: "%.3f", rho)), "\(r.out)")
    }

    @Test func badTableIsAClearError() async throws {
        let dir = TestSupport.tempDir("correlate-bad")
        let path = "\(dir)/t.csv"
        try "arch,cifar10_acc\n|nope~0|,90\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["correlate", "--table", path, "--columns", "cifar10_acc", "--sample", "3", "--quiet"])
        #expect(r.status == 1 && r.err.contains(path) && r.err.contains("not an architecture"), "\(r.err)")
        let c = try await TestSupport.hwnasRun(["correlate", "--table", TestSupport.nb201CSV, "--columns", "no_such_acc", "--sample", "3", "--quiet"])
        #expect(c.status == 1 && c.err.hasPrefix("hwnas: error: ") && c.err.contains("no column 'no_such_acc'"), "\(c.err)")
    }
}
