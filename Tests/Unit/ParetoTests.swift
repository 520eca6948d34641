// Pareto front extraction, exact hypervolume (hand-made fronts and a brute
// force cell count) and the SVG plot writer.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTools
import Testing

struct ParetoTests {
    @Test func frontDropsDominatedAndNaNPointsKeepsTies() {
        // maximise accuracy, minimise latency
        let pts: [[Double]] = [[90, 10], [95, 20], [89, 12], [95, 20], [80, 5], [94, 25], [.nan, 1]]
        #expect(ParetoFront.indices(pts, [.maximize, .minimize]) == [0, 1, 3, 4])
        #expect(ParetoFront.dominates([90, 10], [89, 12], [.maximize, .minimize]))
        #expect(!ParetoFront.dominates([95, 20], [95, 20], [.maximize, .minimize]))
    }

    @Test func hypervolumeOfHandMadeFronts() {
        let mm: [ObjectiveDirection] = [.minimize, .minimize]
        #expect(Hypervolume.compute([[1, 3], [2, 2], [3, 1]], reference: [4, 4], directions: mm) == 6)
        // A dominated point and one beyond the reference change nothing.
        #expect(Hypervolume.compute([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], reference: [4, 4], directions: mm) == 6)
        // Mixed directions: (acc 90, 10 ms), (acc 95, 20 ms), reference (80 %, 30 ms).
        #expect(Hypervolume.compute([[90, 10], [95, 20]], reference: [80, 30], directions: [.maximize, .minimize]) == 250)
        // 3-D: two overlapping boxes, 6 + 4 - 2.
        #expect(Hypervolume.compute([[1, 2, 1], [2, 1, 2]], reference: [3, 3, 4], directions: [.minimize, .minimize, .minimize]) == 8)
        #expect(Hypervolume.compute([], reference: [1, 1], directions: mm) == 0)
    }

    /// Integer points: the hypervolume equals the number of unit cells whose
    /// lower corner some point weakly dominates.
    @Test(arguments: [3, 4])
    func hypervolumeMatchesBruteForceCellCount(dims: Int) {
        var state: UInt64 = 12345
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
        let side = 6
        for _ in 0..<5 {
            let pts = (0..<8).map { _ in (0..<dims).map { _ in Double(next(side)) } }
            var cells = 0
            var idx = [Int](repeating: 0, count: dims)
            for _ in 0..<Int(pow(Double(side), Double(dims))) {
                if pts.contains(where: { p in (0..<dims).allSatisfy { p[$0] <= Double(idx[$0]) } }) { cells += 1 }
                var d = 0
                while d < dims { idx[d] += 1; if idx[d] < side { break }; idx[d] = 0; d += 1 }
            }
            let hv = Hypervolume.compute(pts, reference: Array(repeating: Double(side), count: dims),
                                         directions: Array(repeating: .minimize, count: dims))
            #expect(hv == Double(cells))
        }
    }

    @Test func plotDrawsPointsFrontLimitsAxesAndLegend() {
        var plot = ParetoPlot(title: "cifar10 <vs> latency", xLabel: "latency_ms", yLabel: "accuracy",
                              xDirection: .minimize, yDirection: .maximize,
                              points: [(10, 90), (20, 95), (12, 89), (5, 80), (25, 94)])
        plot.xLimits = [(22, "raspi4_ms <= 22")]
        #expect(plot.front.map(\.x) == [5, 10, 20])
        let svg = plot.svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("cifar10 &lt;vs&gt; latency"))
        #expect(svg.contains("class=\"limit\""))
        #expect(svg.contains("evaluated (5)"))
        #expect(svg.contains("Pareto front (3)"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 5 + 3 + 2)   // points, front, legend
        #expect(svg.contains("class=\"xtick\""))
        #expect(svg.contains(">latency_ms</text>"))
    }

    @Test func niceTicksCoverTheRange() {
        let t = ParetoPlot.ticksForTesting(0.3, 9.7)
        #expect(t.first! >= 0.3 && t.last! <= 9.7 && t.count >= 4)
        #expect(zip(t, t.dropFirst()).allSatisfy { abs(($1 - $0) - (t[1] - t[0])) < 1e-9 })
    }
}
