// Bad plugins, YAML, CSV, ids and constraints: one clear line naming the file
// and the reason, no crash, and the host carries on with what is good.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTabular
import Testing

@Suite(.serialized, .tags(.cli)) struct BadInputTests {
    static let fixtures = TestSupport.repoRoot + "/Tests/plugin-fixtures"

    /// Builds every broken fixture into one folder.
    static func buildFixtures() async throws -> String {
        let dir = TestSupport.tempDir("bad-plugins")
        for name in ["abi_major_2", "null_get_factory", "no_entry", "duplicate_random", "truncated_entry", "old_minor_small_struct"] {
            try await TestSupport.compileSharedLibrary(["\(fixtures)/\(name).c"], output: "\(dir)/lib\(name).so",
                                                 include: TestSupport.abiInclude)
        }
        try "this is not an ELF file\n".write(toFile: "\(dir)/libnot_elf.so", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func brokenLibrariesAreReportedAndSkipped() async throws {
        let dir = try await Self.buildFixtures()
        let r = try await TestSupport.hwnasRun(["plugins", "list", "--plugin-path", dir])
        #expect(r.status == 0, "the host must survive bad plugins: \(r.err)")
        let expectations: [(String, String)] = [
            ("libabi_major_2.so", "ABI major version mismatch"),
            ("libnull_get_factory.so", "NULL"),
            ("libno_entry.so", "no entry function"),
            ("libnot_elf.so", "cannot load shared object"),
            ("libduplicate_random.so", "duplicate strategy id 'random'"),
            ("libtruncated_entry.so", "struct_size"),
        ]
        let lines = r.err.split(separator: "\n").map(String.init)
        for (file, reason) in expectations {
            let hit = lines.filter { $0.contains(file) }
            #expect(hit.count == 1, "expected one line for \(file) in:\n\(r.err)")
            #expect(hit.first?.contains(reason) == true, "\(file): expected '\(reason)' in \(hit)")
        }
        // Good plugins still load, and the old-but-compatible one too.
        #expect(r.out.contains("regularized-evolution"))
        #expect(r.out.contains("old-plugin"))
    }

    @Test func validateReportsProblemsAndSurvivesCrashes() async throws {
        let dir = try await Self.buildFixtures()
        let bad = try await TestSupport.hwnasRun(["plugins", "validate", "\(dir)/libabi_major_2.so"])
        #expect(bad.status != 0)
        #expect(bad.out.contains("ABI major version mismatch"))
        let ok = try await TestSupport.hwnasRun(["plugins", "validate", TestSupport.productsDir + "/libHwnasRandom.so"])
        #expect(ok.status == 0, "\(ok.out)")
        // A strategy that segfaults while being exercised: the validator reports it.
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/crashing_strategy.c"], output: "\(dir)/libcrash.so",
                                             include: TestSupport.abiInclude, defines: ["-DFIXTURE_CRASH_AFTER=3"])
        let crash = try await TestSupport.hwnasRun(["plugins", "validate", "\(dir)/libcrash.so"])
        #expect(crash.status != 0)
        #expect(crash.out.contains("crashed"), "\(crash.out)")
    }

    @Test func crashingStrategyLosesNoEvaluation() async throws {
        let dir = TestSupport.tempDir("crash")
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/crashing_strategy.c"], output: "\(dir)/libcrasher.so",
                                             include: TestSupport.abiInclude)
        let journal = "\(dir)/j.jsonl"
        let base = ["search", "--space", "nb201", "--profile", "raspi4", "--evaluator", "table",
                    "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                    "--budget", "40", "--journal", journal, "--quiet", "--plugin-path", dir]
        let r = try await TestSupport.hwnasRun(base + ["--strategy", "crasher"])
        #expect(r.signaled, "the fixture should have crashed the process")
        // The header, then one line per finished evaluation.
        let kept = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(kept.count == 12, "all 12 finished evaluations must be in the journal")
        // Resume with a working strategy on the same journal: nothing is lost.
        let out = "\(dir)/r.json"
        let again = try await TestSupport.hwnasRun(base + ["--strategy", "random", "--output", out])
        #expect(again.status == 0, "\(again.err)")
        let archs = Set(kept.compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["arch"] as? String
        })
        #expect(archs.count == 12)
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 41 && lines.dropFirst().prefix(12).elementsEqual(kept))
    }

    @Test func unknownIdsListWhatExists() async throws {
        let r = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--strategy", "no-such-strategy", "--budget", "5", "--quiet"])
        #expect(r.status == 1)
        #expect(r.err.contains("unknown strategy 'no-such-strategy'") && r.err.contains("regularized-evolution"))
        let e = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "nope", "--budget", "5", "--quiet"])
        #expect(e.status == 1 && e.err.contains("unknown evaluator 'nope'"))
        let p = try await TestSupport.hwnasRun(["search", "--profile", "no-such-board", "--budget", "5", "--quiet"])
        #expect(p.status == 1 && p.err.contains("unknown hardware profile 'no-such-board'"))
        let m = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--constraint", "energy_mj<=1", "--budget", "5", "--quiet"])
        #expect(m.status == 1 && m.err.contains("no metric 'energy_mj'"))
        let c = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--constraint", "latency_ms=<5", "--budget", "5", "--quiet"])
        #expect(c.status == 1 && c.err.contains("bad constraint"))
    }

    @Test func impossibleConstraintIsExplained() async throws {
        let r = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "table", "--constraint", "latency_ms<=0.01",
                                          "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                                          "--budget", "5", "--quiet"])
        #expect(r.status == 1)
        let line = r.err.split(separator: "\n").first { $0.contains("infeasible") }
        #expect(line != nil, "\(r.err)")
        #expect(line?.contains("latency_ms ranges") == true)
    }

    @Test func malformedYAMLNamesTheFile() async throws {
        let dir = TestSupport.tempDir("yaml")
        let cases = [
            ("broken.yaml", "name: x\nlatency: [unclosed\n", "invalid YAML"),
            ("nomodel.yaml", "name: x\nlatency:\n  file: a.csv\n", "has no 'model'"),
            ("noname.yaml", "latency:\n  model: table\n", "missing 'name'"),
            ("scalar.yaml", "- just\n- a list\n", "expected a mapping"),
        ]
        for (file, text, reason) in cases {
            let path = "\(dir)/\(file)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try await TestSupport.hwnasRun(["search", "--profile", path, "--budget", "3", "--quiet"])
            #expect(r.status == 1)
            let line = r.err.split(separator: "\n").first.map(String.init) ?? ""
            #expect(line.contains(path) && line.contains(reason), "\(file): \(r.err)")
        }
    }

    /// Whatever an input holds, its error is one line that keeps its reason:
    /// a trailing newline and terminal escape codes shown escaped, a 120 KB
    /// arch string shortened in the middle (it used to be cut at the plugin's
    /// 1 KB error buffer, reason and all), and a file given as a space that
    /// is not one named without quoting its lines.
    @Test func errorsAreOneLineThatKeepsTheReason() async throws {
        let dir = TestSupport.tempDir("oneline")
        let long = String(repeating: "c8:k3/", count: 20000)
        let cases: [([String], String)] = [
            (["cost", "--space", "nb201", "--arch", "|nor_conv_3x3~0|+|x~0|\n"], "\\u{a}' is not an nb201 arch string"),
            (["cost", "--space", "nb201", "--arch", "|nor\u{1b}[31m~0|"], "\\u{1b}[31m"),
            (["cost", "--space", "micronas-1d", "--arch", long], "expected 4 parts separated by '/'"),
        ]
        for (args, reason) in cases {
            let r = try await TestSupport.hwnasRun(args)
            #expect(r.status == 1)
            let lines = r.err.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.count == 1 && lines[0].contains(reason) && lines[0].count < 2000, "\(r.err.prefix(3000))")
            #expect(!r.err.contains("\u{1b}"), "a raw escape code: \(r.err.prefix(300))")
        }
        let secret = "\(dir)/shadow"
        try "root:$6$abc:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["search", "--space", "micronas-1d", "--space-option", "file=\(secret)", "--budget", "1"])
        #expect(r.status == 1)
        #expect(r.err.contains("\(secret): not a space file") && !r.err.contains("daemon") && !r.err.contains("root:"), "\(r.err)")
    }

    @Test func malformedCSVNamesFileAndLine() async throws {
        let dir = TestSupport.tempDir("csv")
        let csv = "\(dir)/bad.csv"
        try "arch,acc\n|a|,90\n|b|,not-a-number\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", "file=\(csv)",
                                          "--evaluator-option", "column=acc", "--budget", "3", "--quiet"])
        #expect(r.status == 1)
        #expect(r.err.contains("\(csv):3") && r.err.contains("not a finite decimal number"), "\(r.err)")
        try "arch,acc\n|a|,90,extra\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let r2 = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", "file=\(csv)",
                                           "--evaluator-option", "column=acc", "--budget", "3", "--quiet"])
        #expect(r2.status == 1 && r2.err.contains("\(csv):2") && r2.err.contains("expected 2 fields"))
        let r3 = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", "file=\(dir)/missing.csv",
                                           "--evaluator-option", "column=acc", "--budget", "3", "--quiet"])
        #expect(r3.status == 1 && r3.err.contains("missing.csv") && r3.err.contains("cannot read"))
    }
}
