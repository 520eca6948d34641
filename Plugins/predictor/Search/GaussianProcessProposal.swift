// The predictor's proposals once its Gaussian process is in use: the argmax
// of the posterior mean over every unseen feasible candidate, or of one
// joint Thompson sample over a short list (the best by mean + 2 sd among the
// best by mean), with the same greedy share as the linear model.
import HwnasStrategies

extension PredictorSearch {
    /// The unseen pool candidate with the best posterior mean (greedy) or
    /// the best under one joint Thompson sample over a short list.
    func gaussianProcessCandidate(_ gp: PoolGaussianProcess, _ all: [[Int32]], _ y: [Double], greedy: Bool) -> [Int32]? {
        if gpMeanAt != observed.count { gpMean = gp.posteriorMean(y); gpMeanAt = observed.count }
        while true {
            let order: [Int]
            if greedy {
                order = largest(1, of: gpMean)
            } else {
                // (in heap order: only the joint list's order matters, for the sample)
                let shortlist = largest(settings.gpShortlist, of: gpMean, sorted: false)
                let bound = shortlist.map { gpMean[$0] + 2 * max(gp.variance[$0], 0).squareRoot() }
                let joint = largest(settings.gpJoint, of: bound, untaken: false).map { shortlist[$0] }
                let sample = gp.jointSample(joint, mean: gpMean, rng: &rng) ?? meanInstead(of: joint)
                order = joint.indices.sorted { sample[$0] > sample[$1] }.map { joint[$0] }
            }
            guard !order.isEmpty else { return nil }
            for i in order {
                taken[i] = true
                if gate.isUnseen(all[i]) { return all[i] }
            }
        }
    }

    /// The posterior means of `joint`, in place of a sample the GP could not
    /// draw (a greedy proposal instead of an exploring one). Said the 1st,
    /// 2nd, 4th, 8th... time, with the count: the log stays short.
    func meanInstead(of joint: [Int]) -> [Double] {
        gpSampleFallbacks += 1
        if gpSampleFallbacks & (gpSampleFallbacks - 1) == 0 {
            setup.warn("predictor: GP Thompson sample replaced by the posterior mean (\(gpSampleFallbacks) time(s) so far, "
                       + "at \(observed.count) evaluations): the covariance of its \(joint.count) candidates is not "
                       + "positive definite even with jitter 1")
        }
        return joint.map { gpMean[$0] }
    }

    /// Indices of the `k` largest scores, best first unless not `sorted` (of
    /// untaken pool candidates when `untaken`): a bounded min-heap, O(N log k).
    func largest(_ k: Int, of score: [Double], untaken: Bool = true, sorted: Bool = true) -> [Int] {
        let skipTaken = untaken, taken = self.taken   // a local copy: no access checks per element
        if k == 1 {     // the greedy proposal's argmax: one pass
            var best = -1
            for i in score.indices where !(skipTaken && taken[i]) && (best < 0 || score[i] > score[best]) { best = i }
            return best < 0 ? [] : [best]
        }
        var heap: [Int] = []   // min-heap by score
        heap.reserveCapacity(k)
        func less(_ a: Int, _ b: Int) -> Bool { score[a] < score[b] || (score[a] == score[b] && a > b) }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m); i = m
            }
        }
        for i in score.indices where !(skipTaken && taken[i]) {
            if heap.count < k {
                heap.append(i)
                var c = heap.count - 1
                while c > 0 && less(heap[c], heap[(c - 1) / 2]) { heap.swapAt(c, (c - 1) / 2); c = (c - 1) / 2 }
            } else if k > 0 && less(heap[0], i) {
                heap[0] = i; siftDown(0)
            }
        }
        return sorted ? heap.sorted { less($1, $0) } : heap
    }
}
