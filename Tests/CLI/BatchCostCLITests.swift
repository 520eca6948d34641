// `hwnas cost --archs FILE`: many architectures in one process give the
// same numbers, to the last digit, as one at a time; a bad line is named.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTabular
import Testing

@Suite(.serialized, .tags(.cli)) struct BatchCostCLITests {
    /// nb201 on an MCU profile (several metrics) and mcunet-mbv2 (arch
    /// strings with commas, quoted in the CSV).
    @Test(arguments: [("nb201", "stm32f746"), ("mcunet-mbv2", "stm32f746"), ("nb201", "raspi4")])
    func batchEqualsOneByOne(space name: String, profile: String) async throws {
        let dir = TestSupport.tempDir("batch-\(name)-\(profile)")
        let space = try TestSupport.space(name)
        var rng = SplitMix64(state: 21)
        let archs = (0..<30).map { _ in space.canonical(space.choiceCounts.map { Int32(rng.below($0)) }) }
        try ("# sampled\n\n" + archs.joined(separator: "\n") + "\n").write(toFile: "\(dir)/archs.txt", atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["cost", "--space", name, "--profile", profile, "--archs", "\(dir)/archs.txt", "--csv", "\(dir)/costs.csv"])
        #expect(r.status == 0, "\(r.err)")
        let table = try CSVTable.read("\(dir)/costs.csv")
        #expect(table.rows.count == archs.count)
        #expect(table.rows.map { $0[0] } == archs)
        for i in [0, 7, 29] {
            let one = try await TestSupport.hwnasRun(["cost", "--space", name, "--profile", profile, "--arch", archs[i]])
            #expect(one.status == 0, "\(one.err)")
            // The JSON's numbers as printed, read with Double(String) (exact):
            // Foundation's JSON parser can be off in the last bit on Linux.
            let block = try #require(one.out.components(separatedBy: "\"metrics\" : {").last?.components(separatedBy: "}").first)
            var metrics: [String: Double] = [:]
            for line in block.split(separator: "\n") {
                let kv = line.split(separator: ":").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \",")) }
                if kv.count == 2, let v = Double(kv[1]) { metrics[kv[0]] = v }
            }
            #expect(metrics.count == table.header.count - 1)
            for (k, column) in table.header.enumerated().dropFirst() {
                #expect(Double(table.rows[i][k]) == metrics[column], "\(archs[i]) \(column): batch \(table.rows[i][k]), alone \(String(describing: metrics[column]))")
            }
        }
    }

    @Test func badInputIsOneLineNamingTheLine() async throws {
        let dir = TestSupport.tempDir("batch-bad")
        try "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|\n|bogus|\n"
            .write(toFile: "\(dir)/archs.txt", atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["cost", "--space", "nb201", "--profile", "raspi4", "--archs", "\(dir)/archs.txt", "--csv", "\(dir)/out.csv"])
        #expect(r.status == 1 && r.err.contains("--archs \(dir)/archs.txt:2:"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.csv"))
        let both = try await TestSupport.hwnasRun(["cost", "--space", "nb201", "--csv", "\(dir)/x.csv", "--arch", "x"])
        #expect(both.status != 0 && both.err.contains("--csv goes with --archs"), "\(both.err)")
    }
}
