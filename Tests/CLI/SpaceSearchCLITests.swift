// Every shipped block space, and the worked example of docs/search-spaces.md
// written out from the doc alone, searches end to end from the CLI: under an
// MCU profile and under a CPU profile measured by `hwnas profile cpu`, with
// the training-free meco (MCU) and naswot (CPU) evaluators and with a trainer (the command
// evaluator) that checks the network IR it receives.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.serialized, .tags(.cli)) struct SpaceSearchCLITests {
    /// (space, options that keep the test quick, MCU flash bound in KB: an
    /// OFA network is a phone-sized model, > 2 MB of int8 weights; with the
    /// PAD its stride-2 depthwise convolutions need in TFLite, none fits
    /// TFLM's arena in 320 KB at 96 px (323-708 KB over 2000 samples), at
    /// 80 px some do).
    static let spaces: [(String, [String], Int)] = [
        ("mcunet-mbv2", ["--space-option", "resolution=48,64"], 1024),
        ("ofa-mbv3", ["--space-option", "resolution=80", "--space-option", "classes=10"], 8192),
        ("micronas-1d", [], 1024),
    ]

    /// The first ```yaml block after "## A worked example" in docs/search-spaces.md.
    static func workedExample(into dir: String) throws -> String {
        let doc = try String(contentsOfFile: TestSupport.repoRoot + "/docs/search-spaces.md", encoding: .utf8)
        let tail = try #require(doc.range(of: "## A worked example")).upperBound
        let rest = doc[tail...]
        let start = try #require(rest.range(of: "```yaml\n")).upperBound
        let end = try #require(rest[start...].range(of: "```")).lowerBound
        let path = "\(dir)/kws-dscnn.yaml"
        try String(rest[start..<end]).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func search(_ args: [String], out: String) async throws -> [[String: Any]] {
        let r = try await TestSupport.hwnasRun(["search"] + args + ["--output", out, "--quiet"])
        #expect(r.status == 0, "\(args): \(r.err)")
        let j = try TestSupport.readJSON(out)
        #expect(j["feasible"] as? Bool == true, "\(args)")
        return try #require(j["history"] as? [[String: Any]])
    }

    func checkMCU(_ space: [String], dir: String, evaluator: [String], budget: Int, flashKB: Int = 1024) async throws {
        let history = try await search(space + ["--profile", "stm32f746", "--constraint", "peak_sram_kb<=320", "--constraint", "flash_kb<=\(flashKB)",
                                          "--budget", "\(budget)", "--seed", "5"] + evaluator, out: "\(dir)/mcu.json")
        #expect(history.count == budget)
        for h in history {
            #expect(h["status"] as? String == "ok", "\(h)")
            let c = try #require(h["costs"] as? [String: Double])
            #expect(c["peak_sram_kb"]! <= 320 && c["flash_kb"]! <= Double(flashKB) && c["params"]! > 0)
        }
    }

    func checkCPU(_ space: [String], dir: String, evaluators: [[String]], budget: Int) async throws {
        let prof = try await TestSupport.hwnasRun(["profile", "cpu"] + space + ["--out", "\(dir)/cpu.yaml", "--repeats", "1", "--warmup", "0",
                                                                           "--sample-networks", "400", "--calibrate", "5"])
        #expect(prof.status == 0, "\(prof.err)")
        // Networks with a layer the table lacks get no latency (infeasible under
        // the constraint, never a guess); most must be covered.
        let coverage = prof.out.split(separator: "\n").first { $0.hasPrefix("covers every layer of ") }
            .flatMap { Double($0.dropFirst("covers every layer of ".count).prefix { $0 != "%" }) }
        #expect((coverage ?? 0) >= 90, "\(prof.out)")
        for (k, evaluator) in evaluators.enumerated() {
            let history = try await search(space + ["--profile", "\(dir)/cpu.yaml", "--constraint", "latency_ms<=1000",
                                              "--budget", "\(budget)", "--seed", "6"] + evaluator, out: "\(dir)/cpu\(k).json")
            #expect(history.count == budget)
            for h in history {
                let ms = try #require((h["costs"] as? [String: Double])?["latency_ms"], "no latency in \(h)")
                #expect(ms > 0 && ms <= 1000)
                #expect(h["status"] as? String == "ok", "\(h)")
            }
        }
    }

    static let naswot = ["--evaluator", "naswot", "--evaluator-option", "batch=4"]
    static let meco = ["--evaluator", "meco", "--evaluator-option", "batch=4"]
    static let trainer = ["--evaluator", "command", "--evaluator-option",
                          "command=python3 \(TestSupport.repoRoot)/Tests/fixtures/ir_trainer.py"]

    @Test(arguments: SpaceSearchCLITests.spaces.map(\.0))
    func shippedSpaceSearchesOnAnMCUAndOnThisCPU(_ name: String) async throws {
        let (_, opts, flash) = Self.spaces.first { $0.0 == name }!
        let dir = TestSupport.tempDir("space-\(name)")
        let space = ["--space", name] + opts
        try await checkMCU(space, dir: dir, evaluator: Self.meco, budget: 3, flashKB: flash)
        try await checkCPU(space, dir: dir, evaluators: [Self.naswot], budget: 3)
    }

    @Test func aSpaceWrittenFromTheDocsAloneSearchesEndToEnd() async throws {
        let dir = TestSupport.tempDir("space-doc")
        let file = try Self.workedExample(into: dir)
        let show = try await TestSupport.hwnasRun(["spaces", "show", file])
        #expect(show.status == 0 && show.out.contains("input 1x49x10"), "\(show.out)\(show.err)")
        let space = ["--space", file]
        try await checkMCU(space, dir: dir, evaluator: Self.naswot, budget: 4)
        try await checkMCU(space, dir: dir, evaluator: Self.trainer, budget: 4)
        try await checkCPU(space, dir: dir, evaluators: [Self.naswot, Self.trainer], budget: 4)
        // The trainer saw the networks: its objective is -params / 1e6.
        for h in try #require(TestSupport.readJSON("\(dir)/cpu1.json")["history"] as? [[String: Any]]) {
            let params = try #require((h["costs"] as? [String: Double])?["params"])
            #expect(abs((h["objective"] as? Double ?? 0) + params / 1e6) < 1e-9)
        }
    }
}
