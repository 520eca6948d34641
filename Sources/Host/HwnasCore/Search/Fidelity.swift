// Multi-fidelity search: `--fidelity epochs=1:27:3` gives the rungs (1, 3,
// 9, 27: min x eta^k, then max) and a scheduler decides, whenever a worker
// is free, whether to promote a candidate to its next rung or to start a new
// one at the lowest (ASHA: Li et al. 2020), or waits for a rung to complete
// (successive halving: one bracket at a time, Jamieson & Talwalkar 2016;
// Hyperband: brackets that start at ever higher rungs with fewer candidates,
// hedging against a low fidelity that ranks badly, Li et al. 2018).
// Promotion takes the top 1/eta of a rung's finished candidates by the first
// objective, or by non-dominated sorting with several objectives.

import Foundation

/// NAME=MIN:MAX:ETA.
public struct FidelitySpec: Sendable, CustomStringConvertible, Equatable {
    public let name: String
    public let min, max, eta: Double
    /// min x eta^k below max, then max.
    public let rungs: [Double]

    public init(parsing text: String) throws {
        let bad = { (why: String) in HwnasError("--fidelity \(text): \(why) (expected NAME=MIN:MAX:ETA, e.g. epochs=1:27:3)") }
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw bad("no fidelity name")
        }
        let numbers = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard numbers.count == 3, let lo = numbers[0], let hi = numbers[1], let eta = numbers[2],
              lo.isFinite, hi.isFinite, eta.isFinite else { throw bad("three numbers are needed") }
        guard lo > 0 else { throw bad("MIN must be > 0") }
        guard hi > lo else { throw bad("MAX must be larger than MIN") }
        guard eta >= 2 else { throw bad("ETA must be at least 2") }
        var rungs = [lo]
        while rungs.last! * eta < hi * (1 - 1e-9) { rungs.append(rungs.last! * eta) }
        rungs.append(hi)
        guard rungs.count <= 32 else { throw bad("more than 32 rungs") }
        name = parts[0]; min = lo; max = hi; self.eta = eta; self.rungs = rungs
    }

    public var description: String { "\(name)=\(compactNumber(min)):\(compactNumber(max)):\(compactNumber(eta))" }

    /// The request fields of an evaluation at `rung` (JSON object text).
    func request(rung: Int, resume: String?) -> String {
        var o: [String: Any] = ["fidelity": [name: rungs[rung] == rungs[rung].rounded() ? Int(rungs[rung]) as Any : rungs[rung]]]
        if let resume { o["resume"] = resume }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }
}

public enum FidelityScheduler: String, Sendable, CaseIterable {
    case asha
    case successiveHalving = "successive-halving"
    case hyperband
}

/// What a free worker does next.
enum FidelityDecision: Equatable {
    case promote([Int32], toRung: Int)
    /// A new candidate from the strategy, evaluated first at this rung.
    case start(rung: Int)
    case wait
}

/// The rungs' state: every candidate's results by rung, what is in flight.
struct FidelityLadder {
    let spec: FidelitySpec
    let scheduler: FidelityScheduler
    /// Candidates (canonical) in the order they started at rung 0.
    private(set) var order: [[Int32]] = []
    /// Oriented objective values of a finished evaluation, by candidate and
    /// rung (nil: failed).
    private(set) var results: [[Int32]: [Int: [Double]?]] = [:]
    /// The highest rung each candidate was sent to.
    private(set) var sentTo: [[Int32]: Int] = [:]
    /// The checkpoint each candidate's latest evaluation reported.
    private(set) var checkpoints: [[Int32]: String] = [:]
    /// Successive halving / Hyperband: the current bracket's first candidate
    /// (in `order`) and its number (Hyperband's brackets cycle through
    /// starting rungs 0, 1, ..., top - 1... ).
    private var bracketStart = 0
    private var bracketNumber = 0
    /// Where each candidate started (Hyperband brackets start higher).
    private(set) var startRung: [[Int32]: Int] = [:]
    /// No new candidates will come (the strategy is exhausted): the rungs are
    /// final, the current bracket is closed with the candidates it has, and
    /// each rung promotes at least its best, so the best still reaches the top.
    private(set) var closed = false

    mutating func close() { closed = true }

    init(spec: FidelitySpec, scheduler: FidelityScheduler) { self.spec = spec; self.scheduler = scheduler }

    var top: Int { spec.rungs.count - 1 }

    /// The current bracket's (starting rung, size): successive halving always
    /// starts at rung 0 with eta^top candidates; Hyperband's bracket s (s =
    /// top, top - 1, ..., 0, then again) starts at rung top - s with
    /// ceil((top + 1) / (s + 1)) x eta^s.
    var bracket: (rung: Int, size: Int) {
        guard scheduler == .hyperband else { return (0, Int(pow(spec.eta, Double(top)).rounded())) }
        let s = top - bracketNumber % (top + 1)
        let size = Int((Double(top + 1) / Double(s + 1)).rounded(.up) * pow(spec.eta, Double(s)))
        return (top - s, max(1, size))
    }

    mutating func started(_ g: [Int32], rung: Int) { order.append(g); sentTo[g] = rung; startRung[g] = rung }
    mutating func sent(_ g: [Int32], rung: Int) { sentTo[g] = rung }

    mutating func finished(_ g: [Int32], rung: Int, values: [Double]?, checkpoint: String?) {
        results[g, default: [:]][rung] = .some(values)
        if let checkpoint { checkpoints[g] = checkpoint }
    }

    func inFlight(_ g: [Int32]) -> Bool { results[g]?[sentTo[g] ?? 0] == nil }

    /// The next thing for a free worker.
    mutating func decide() -> FidelityDecision {
        switch scheduler {
        case .asha:
            // Highest rung first: finish good candidates before starting new
            // ones. Closed, lowest first: a rung's forced promotion (its best)
            // waits until nothing below can still come up into it.
            for k in closed ? Array(0..<top) : Array(stride(from: top - 1, through: 0, by: -1)) {
                if let g = promotable(from: k, among: order) { return .promote(g, toRung: k + 1) }
            }
            return closed ? .wait : .start(rung: 0)
        case .successiveHalving, .hyperband:
            let (first, size) = bracket
            let members = Array(order[bracketStart...])
            if members.count < size && !closed { return .start(rung: first) }
            if members.isEmpty { return .wait }
            for k in first..<top {
                let atK = members.filter { (sentTo[$0] ?? 0) >= k }
                // A rung is decided once all its evaluations are in.
                if atK.contains(where: { results[$0]?[k] == nil }) { return .wait }
                if let g = promotable(from: k, among: members) { return .promote(g, toRung: k + 1) }
            }
            if members.contains(where: inFlight) || closed { return .wait }
            bracketStart = order.count
            bracketNumber += 1
            return .start(rung: bracket.rung)
        }
    }

    /// A candidate among the top 1/eta of rung k's finished ones that has not
    /// gone further yet, the best first.
    private func promotable(from k: Int, among candidates: [[Int32]]) -> [Int32]? {
        let done: [([Int32], [Double])] = candidates.compactMap { g in
            guard let r = results[g]?[k], let values = r else { return nil }
            return (g, values)
        }
        // Once no new candidates come and nothing at rung k or below is still
        // running, rung k is final: it promotes at least its best.
        let final = closed && !candidates.contains { inFlight($0) && (sentTo[$0] ?? 0) <= k }
        let quota = Int(Double(done.count) / spec.eta)
        guard quota > 0 || final else { return nil }
        let ranked = FidelityLadder.rank(done.map(\.1))
        return ranked.prefix(max(quota, 1)).map { done[$0].0 }.first { (sentTo[$0] ?? 0) <= k }
    }

    /// Indices best first: by non-dominated front (larger is better in every
    /// oriented objective), then by the first objective, then by start order.
    static func rank(_ rows: [[Double]]) -> [Int] {
        var front = [Int](repeating: 0, count: rows.count)
        if rows.first.map({ $0.count > 1 }) == true {
            var remaining = Set(rows.indices)
            var level = 0
            while !remaining.isEmpty {
                let current = remaining.filter { i in
                    !remaining.contains { j in j != i && dominates(rows[j], rows[i]) }
                }
                for i in current { front[i] = level }
                remaining.subtract(current)
                level += 1
            }
        }
        return rows.indices.sorted { a, b in
            (front[a], -rows[a][0], a) < (front[b], -rows[b][0], b)
        }
    }

    static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        zip(a, b).allSatisfy { $0 >= $1 } && zip(a, b).contains { $0 > $1 }
    }
}
