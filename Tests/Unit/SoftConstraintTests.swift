// MnasNet's soft constraint: the syntax, the reward's arithmetic, and the
// property its paper shows (a stronger penalty moves the best network's
// latency down, monotonically), on the NAS-Bench-201 table by enumeration.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTabular
import Testing

@Suite struct SoftConstraintTests {
    @Test func parsesBothFormsAndRefusesTheRest() throws {
        let s = try SoftConstraint(parsing: "latency_ms <= 80 : w=-0.07")
        #expect(s == SoftConstraint(metric: "latency_ms", target: 80, alpha: -0.07, beta: -0.07))
        let h = try SoftConstraint(parsing: "latency_ms<=80:alpha=0,beta=-1")
        #expect(h == SoftConstraint(metric: "latency_ms", target: 80, alpha: 0, beta: -1))
        #expect(h.description == "latency_ms<=80:alpha=0.0,beta=-1.0")
        let bad: [(String, String)] = [
            ("latency_ms<=80", "expected METRIC<=TARGET:w=W"),
            ("latency_ms>=80:w=-1", "only METRIC<=TARGET"),
            ("latency_ms<=0:w=-1", "target must be positive"),
            ("latency_ms<=80:w=0.5", "must be <= 0"),
            ("latency_ms<=80:w=-1,alpha=0", "give either w, or both alpha and beta"),
            ("latency_ms<=80:alpha=0", "give either w, or both alpha and beta"),
            ("latency_ms<=80:gamma=1", "'gamma=1' is not w=, alpha= or beta="),
            ("latency_ms<=80:w=-1,w=-2", "'w' given twice"),
            ("latency_ms<=80:w=nan", "is not w=, alpha= or beta="),
        ]
        for (text, why) in bad {
            #expect(throws: (any Error).self) { try SoftConstraint(parsing: text) }
            do { _ = try SoftConstraint(parsing: text) } catch { #expect("\(error)".contains(why), "\(text): \(error)") }
        }
    }

    @Test func rewardIsMnasNetsFormula() {
        let soft = SoftConstraint(metric: "latency_ms", target: 80, alpha: -0.07, beta: -0.07)
        // Twice the target: x 2^-0.07; half of it: x 2^0.07.
        #expect(abs(soft.factor(160) - 0.952638) < 1e-6)
        #expect(abs(soft.factor(40) - 1.049717) < 1e-6)
        #expect(soft.factor(80) == 1)
        let hard = SoftConstraint(metric: "latency_ms", target: 80, alpha: 0, beta: -1)
        #expect(hard.factor(40) == 1 && hard.factor(160) == 0.5)
        #expect(soft.factor(0).isNaN && soft.factor(-1).isNaN && soft.factor(.nan).isNaN)
        #expect(SoftConstraint.reward(70, factors: [0.5, 0.8]) == 28)
        // A negative score is made worse, not better, by going over.
        #expect(SoftConstraint.reward(-10, factors: [0.5]) == -20)
        #expect(SoftConstraint.reward(70, factors: [.nan]).isNaN)
    }

    /// The best network by reward over all 15,625 NB201 networks (accuracy
    /// cifar10, latency on the Raspberry Pi 4, target its median, 25.7 ms).
    /// Soft (alpha = beta = w): as w goes from 0 to -0.15 the winner's
    /// latency never rises and crosses the target. Hard-ish (alpha = 0,
    /// beta from 0 to -4): it never rises and ends at the target's
    /// constrained optimum. w = 0 is the unconstrained optimum.
    @Test func strongerPenaltyMovesTheWinnersLatencyDownMonotonically() throws {
        let t = try CSVTable.read(TestSupport.nb201CSV)
        let acc = try t.numericColumn("cifar10_acc"), lat = try t.numericColumn("raspi4_ms")
        let target = lat.sorted()[lat.count / 2]
        func winner(_ soft: SoftConstraint) -> Int {
            let reward = acc.indices.map { SoftConstraint.reward(acc[$0], factors: [soft.factor(lat[$0])]) }
            return reward.indices.max { reward[$0] < reward[$1] }!
        }
        let soft = [0, -0.01, -0.02, -0.03, -0.05, -0.07, -0.1, -0.15].map { w in (w, winner(SoftConstraint(metric: "latency_ms", target: target, alpha: w, beta: w))) }
        let hard = [0, -0.25, -0.5, -1, -2, -4].map { b in (b, winner(SoftConstraint(metric: "latency_ms", target: target, alpha: 0, beta: b))) }
        print("soft sweep (raspi4, target \(target) ms): " + soft.map { "w=\($0.0): \(lat[$0.1]) ms \(acc[$0.1]) %" }.joined(separator: "; "))
        print("hard-ish sweep (alpha=0): " + hard.map { "beta=\($0.0): \(lat[$0.1]) ms \(acc[$0.1]) %" }.joined(separator: "; "))
        #expect(acc[soft[0].1] == acc.max()!)
        for sweep in [soft, hard] {
            for (a, b) in zip(sweep, sweep.dropFirst()) { #expect(lat[b.1] <= lat[a.1], "\(a.0) -> \(b.0)") }
        }
        #expect(lat[soft.first!.1] > target && lat[soft.last!.1] < target)
        let constrainedBest = acc.indices.filter { lat[$0] <= target }.map { acc[$0] }.max()!
        #expect(lat[hard.last!.1] <= target && acc[hard.last!.1] == constrainedBest)
    }
}
