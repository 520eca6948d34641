// A training-free score that is a default rather than a measurement must be
// said, never ranked silently: on a keyword-spotting-style 1-D space (10 MFCC
// channels x 49 frames, a stride-2 stem to 64 channels, depthwise-separable
// stages) no activation of any network has more positions than channels, so
// meco's one-sample correlation is singular everywhere and every network
// scores 0. The search says so and names the fix; with `pool=2` (several
// samples' positions per correlation) the same networks get distinct scores.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.serialized, .tags(.cli)) struct TrainingFreeTiesCLITests {
    static let space = """
        name: kws-1d
        description: "keyword-spotting-style 1-D DS-CNN: 10 MFCC x 49 frames, 12 classes"
        plugin: blocks
        input: {channels: 10, length: 49}
        classes: 12
        stem: {kind: conv, channels: 64, kernel: 9, stride: 2, activation: relu}
        stages:
          - {kind: dwsep, channels: [32, 64, 96], depth: [1, 2], kernel: [3, 5, 7], activation: relu}
          - {kind: dwsep, channels: [64, 96, 128], stride: 2, depth: [1, 2, 3], kernel: [3, 5, 7], activation: relu}

        """

    func search(_ dir: String, _ extra: [String]) async throws -> (scores: [Double], err: String) {
        let path = "\(dir)/kws-1d.yaml", out = "\(dir)/r-\(extra.count).json"
        try Self.space.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["search", "--space", path, "--strategy", "random", "--budget", "20",
                                                "--seed", "3", "--quiet", "--output", out] + extra)
        #expect(r.status == 0, "\(r.err)")
        let history = try #require(try TestSupport.readJSON(out)["history"] as? [[String: Any]])
        let scores = history.compactMap { ($0["metrics"] as? [String: Double])?["meco"] }
        #expect(scores.count == 20)
        return (scores, r.err)
    }

    @Test func mecoSaysWhenEveryScoreIsZeroByConstruction() async throws {
        let dir = TestSupport.tempDir("ties")
        let (scores, err) = try await search(dir, [])
        #expect(scores.allSatisfy { $0 == 0 }, "\(scores)")
        let lines = err.split(separator: "\n").filter { $0.contains("says nothing") }
        // The 1st, 2nd, 4th, 8th and 16th of 20: a few lines, not one each.
        #expect(lines.count == 5, "\(err)")
        #expect(lines.first?.contains("1 of 1 networks so far") == true, "\(err)")
        #expect(lines.first?.contains("has more positions than channels") == true, "\(err)")
        #expect(lines.first?.contains("pool=2") == true, "\(err)")
    }

    @Test func pooledPositionsRankTheSameNetworks() async throws {
        let dir = TestSupport.tempDir("ties")
        let (scores, err) = try await search(dir, ["--evaluator-option", "pool=2", "--evaluator-option", "batch=32"])
        #expect(!err.contains("says nothing"), "\(err)")
        #expect(scores.allSatisfy { $0 > 0 }, "\(scores)")
        #expect(Set(scores).count == scores.count, "ties: \(scores)")
    }

    /// A search of another space than NB201 that left the evaluator to the
    /// default is told, when it starts, what meco's evidence is and what to
    /// use for accuracy on its task; one that chose meco, or searches NB201,
    /// is not.
    @Test func theDefaultEvaluatorSaysWhereItsEvidenceIs() async throws {
        let dir = TestSupport.tempDir("default-note")
        func err(_ args: [String]) async throws -> String {
            let r = try await TestSupport.hwnasRun(["search", "--budget", "2", "--output", "\(dir)/r.json"] + args)
            #expect(r.status == 0, "\(r.err)")
            return r.err
        }
        let note = "note: evaluator meco (the default) is measured on nb201"
        let other = try await err(["--space", "micronas-1d"])
        #expect(other.split(separator: "\n").filter { $0.hasPrefix(note) && $0.contains("python3 -m hwnas.supernet") }.count == 1, "\(other)")
        #expect(!(try await err(["--space", "micronas-1d", "--evaluator", "meco"])).contains(note))
        #expect(!(try await err([])).contains(note))
    }
}
