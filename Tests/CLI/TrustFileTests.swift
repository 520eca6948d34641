// Trust, classes "bad files" and "lost work": strict CSV tables (one line
// each for duplicate or padded keys, CR-only line endings, non-UTF-8 bytes,
// 0x10 as a number, negative costs), a YAML alias bomb, an impossible
// budget, and output paths checked before any evaluation, written
// atomically, through symlinks and to devices.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.cli)) struct TrustFileTests {
    func tableSearch(_ csv: String, _ extra: [String] = []) async throws -> TestSupport.Run {
        try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", "file=\(csv)",
                                  "--evaluator-option", "column=acc", "--budget", "3", "--quiet"] + extra)
    }

    func expectOneLine(_ r: TestSupport.Run, _ texts: [String], _ loc: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0 && !r.signaled, sourceLocation: loc)
        let lines = r.err.split(separator: "\n")
        #expect(lines.count == 1 && texts.allSatisfy { r.err.contains($0) }, "expected one line with \(texts):\n\(r.err)", sourceLocation: loc)
    }

    @Test func csvTablesAreReadStrictly() async throws {
        let dir = TestSupport.tempDir("csv-strict")
        let a = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
        let b = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
        let cases: [(String, Data, [String])] = [
            ("dup.csv", Data("arch,acc\n\(a),90\n\(b),80\n\(a),10\n".utf8), ["dup.csv:4", "key '\(a)' repeats line 2"]),
            ("padded.csv", Data("arch,acc\n \(a),90\n".utf8), ["padded.csv:2", "space"]),
            ("cr.csv", Data("arch,acc\r\(a),90\r".utf8), ["cr.csv", "CR"]),
            ("latin1.csv", Data("arch,acc\n".utf8) + Data([0x7C, 0xE9, 0x7C, 0x2C, 0x39, 0x0A]), ["latin1.csv", "UTF-8"]),
            ("hex.csv", Data("arch,acc\n\(a),0x10\n".utf8), ["hex.csv:2", "'0x10', not a finite decimal number"]),
            ("nan.csv", Data("arch,acc\n\(a),nan\n".utf8), ["nan.csv:2", "not a finite decimal number"]),
        ]
        for (name, bytes, texts) in cases {
            let path = "\(dir)/\(name)"
            try bytes.write(to: URL(fileURLWithPath: path))
            await expectOneLine(try tableSearch(path), texts)
        }
        // A latency table with a negative cost: refused at load with file, line and column.
        try "arch,latency_ms\n\(a),-3\n".write(toFile: "\(dir)/lat.csv", atomically: true, encoding: .utf8)
        try "name: neg\nlatency:\n  model: table\n  file: lat.csv\n  column: latency_ms\n".write(toFile: "\(dir)/neg.yaml", atomically: true, encoding: .utf8)
        let n = try await TestSupport.hwnasRun(["cost", "--profile", "\(dir)/neg.yaml", "--arch", a])
        expectOneLine(n, ["lat.csv:2", "latency_ms", "-3"])
    }

    @Test func aYAMLAliasBombIsRefusedQuickly() async throws {
        let dir = TestSupport.tempDir("yaml-bomb")
        var y = "name: bomb\nlatency:\n  model: table\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { y += "  a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        try y.write(toFile: "\(dir)/bomb.yaml", atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["search", "--profile", "\(dir)/bomb.yaml", "--budget", "3", "--quiet"])
        expectOneLine(r, ["bomb.yaml", "alias"])
        #expect(r.seconds < 20, "10^10 nodes must not be expanded")
    }

    @Test func anImpossibleBudgetIsAnError() async throws {
        let r = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--budget", "4294967296", "--quiet"])
        #expect(r.status != 0 && !r.signaled)
        #expect(r.err.contains("--budget must be in 1...1000000000, got 4294967296"), "\(r.err)")
    }

    @Test func outputsAreCheckedBeforeAnyEvaluation() async throws {
        let dir = TestSupport.tempDir("outputs")
        let base = ["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                    "--evaluator-option", "column=cifar10_acc", "--budget", "5", "--quiet"]
        try "x".write(toFile: "\(dir)/plain", atomically: true, encoding: .utf8)
        for (flag, path, text) in [("--output", "\(dir)/missing/r.json", "the folder \(dir)/missing does not exist"),
                                   ("--output", dir, "is a folder"),
                                   ("--plot", "\(dir)/plain/p.svg", "does not exist"),
                                   ("--journal", "\(dir)/nope/j.jsonl", "does not exist")] {
            let r = try await TestSupport.hwnasRun(base + ["--journal", "\(dir)/j-\(flag).jsonl", flag, path])
            expectOneLine(r, ["\(flag) \(path)", text])
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/j-\(flag).jsonl") || flag == "--journal",
                    "\(flag): nothing may be evaluated before the outputs are known to be writable")
        }
        // A symlink stays a symlink; the file it names gets the result.
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link.json", withDestinationPath: "real.json")
        #expect(try await TestSupport.hwnasRun(base + ["--output", "\(dir)/link.json"]).status == 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/link.json")) == "real.json")
        #expect(try TestSupport.readJSON("\(dir)/real.json")["evaluations"] as? Int == 5)
        // A device is written in place, never replaced by a file.
        #expect(try await TestSupport.hwnasRun(base + ["--output", "/dev/null"]).status == 0)
        var st = stat()
        #expect(lstat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        // No temporary files are left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") || $0.contains("nosync") }
        #expect(left.isEmpty, "\(left)")
        // One a killed run left (its pid no longer runs) goes on the next
        // run's check; one of a live process stays.
        let stale = "\(dir)/.r.json.tmp-999999999-1", live = "\(dir)/.r.json.tmp-\(getpid())-2"
        for p in [stale, live] { try "partial".write(toFile: p, atomically: false, encoding: .utf8) }
        #expect(try await TestSupport.hwnasRun(base + ["--output", "\(dir)/r.json"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: stale) && FileManager.default.fileExists(atPath: live))
    }

    @Test func aJournalWriteErrorStopsTheSearchAndSaysSo() async throws {
        let dir = TestSupport.tempDir("journal-full")
        // A 4 KB file-size limit: the journal fills after a few evaluations.
        let cmd = "ulimit -f 4; exec \(TestSupport.hwnas) search --profile raspi4 --evaluator table --evaluator-option file=\(TestSupport.nb201CSV) "
            + "--evaluator-option column=cifar10_acc --budget 100 --journal \(dir)/j.jsonl --output /dev/stdout --quiet"
        let r = try await TestSupport.run("/bin/bash", ["-c", cmd])
        #expect(!r.signaled, "a write error is not a crash: \(r.err)")
        // The result JSON, then the summary.
        let end = try #require(r.out.range(of: "\n}\n")).upperBound
        let json = try JSONSerialization.jsonObject(with: Data(r.out[..<end].utf8)) as! [String: Any]
        #expect((json["stop_reason"] as? String)?.hasPrefix("journal write failed: --journal \(dir)/j.jsonl: cannot write (File too large)") == true,
                "\(json["stop_reason"] ?? "")")
        #expect((json["evaluations"] as! Int) < 100)
        // /dev/full and other devices are refused as journals (they would be read forever).
        let dev = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--budget", "2", "--journal", "/dev/full", "--quiet"])
        #expect(dev.status == 1 && dev.err.contains("--journal /dev/full: not a regular file"), "\(dev.err)")
    }

    @Test func oversizedYAMLIsRefused() async throws {
        let dir = TestSupport.tempDir("yaml-big")
        let big = "name: big\nlatency:\n  model: table\n" + String(repeating: "# padding padding padding padding padding padding\n", count: 100_000)
        try big.write(toFile: "\(dir)/big.yaml", atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["search", "--profile", "\(dir)/big.yaml", "--budget", "3", "--quiet"])
        expectOneLine(r, ["big.yaml", "MB"])
    }

    @Test func aShadowingProfileIsNamed() async throws {
        // A raspi4.yaml in the current folder shadows the shipped one: said, and recorded.
        let dir = TestSupport.tempDir("shadow")
        try FileManager.default.createDirectory(atPath: "\(dir)/hardware-profiles", withIntermediateDirectories: true)
        let shipped = TestSupport.repoRoot + "/hardware-profiles/raspi4.yaml"
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
            .replacingOccurrences(of: "file: ", with: "file: \(TestSupport.repoRoot)/hardware-profiles/")
        try text.write(toFile: "\(dir)/hardware-profiles/raspi4.yaml", atomically: true, encoding: .utf8)
        let list = try await TestSupport.run(TestSupport.hwnas, ["profiles", "list"], cwd: dir)
        #expect(list.out.contains("note: raspi4: \(dir)/hardware-profiles/raspi4.yaml shadows \(shipped)"), "\(list.out)")
        let r = try await TestSupport.run(TestSupport.hwnas, ["search", "--profile", "raspi4", "--evaluator", "table",
                                                          "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                                                          "--budget", "3", "--output", "\(dir)/r.json"], cwd: dir)
        #expect(r.status == 0 && r.err.contains("profile raspi4 (\(dir)/hardware-profiles/raspi4.yaml)"), "\(r.err)")
        let result = try TestSupport.readJSON("\(dir)/r.json")
        #expect(result["profile_path"] as? String == "\(dir)/hardware-profiles/raspi4.yaml")
        #expect((result["profile_fingerprint"] as? String)?.count == 16)
    }
}
