// Spearman and Kendall tau-b against values worked out independently
// (brute force over all pairs in Python), ties included.
import HwnasTestSupport
import HwnasCore
import HwnasTools
import Testing

@Suite(.tags(.unit)) struct RankCorrelationTests {
    let x: [Double] = [1, 2, 2, 3, 4, 5]
    let y: [Double] = [2, 1, 3, 3, 5, 4]

    @Test func tiesShareTheirAverageRank() {
        #expect(RankCorrelation.ranks(x) == [1, 2.5, 2.5, 4, 5, 6])
        #expect(RankCorrelation.ranks(y) == [2, 1, 3.5, 3.5, 6, 5])
    }

    @Test func spearmanAndKendallWithTies() {
        #expect(abs(RankCorrelation.spearman(x, y) - 0.8088235294117647) < 1e-12)
        #expect(abs(RankCorrelation.kendallTauB(x, y) - 0.6428571428571429) < 1e-12)
    }

    @Test func monotoneAndReversedOrders() {
        let a: [Double] = [3, 1, 4, 1.5, 9, 2.6]
        let up = a.map { $0 * $0 * $0 }, down = a.map { -$0 }
        #expect(abs(RankCorrelation.spearman(a, up) - 1) < 1e-12 && abs(RankCorrelation.kendallTauB(a, up) - 1) < 1e-12)
        #expect(abs(RankCorrelation.spearman(a, down) + 1) < 1e-12 && abs(RankCorrelation.kendallTauB(a, down) + 1) < 1e-12)
        #expect(RankCorrelation.kendallTauB([1, 1, 1], [1, 2, 3]).isNaN)   // a constant proxy ranks nothing
    }
}
