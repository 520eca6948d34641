// Features of a genotype for lookup-table latency models. A model predicts
// latency = sum_f weight_f * feature_f(genotype), feature "base" = 1.
//
//  - additive: one-hot "dim=choice" per dimension (FBNet's per-layer block
//    table; nb201's edge x op table).
//  - nb201-live: additive plus the structure of the cell DAG a deployed model
//    sees: "live:dim=choice" is 1 when the edge carries a value that reaches
//    the cell output (its source node is not identically zero and its target
//    reaches node 3 over non-none edges), "connected" is 1 when the cell
//    output is not identically zero. Converters that constant-fold zeros
//    (TFLite on the phones, HW-NAS-Bench) skip everything else.

public enum FeatureSetKind: String, Sendable, CaseIterable {
    case additive
    case nb201Live = "nb201-live"

    /// The set called `name`, or an error naming the known ones.
    public init(named name: String) throws {
        guard let k = FeatureSetKind(rawValue: name) else {
            throw LeastSquaresError(description: "unknown feature set '\(name)' (known: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = k
    }
}

public struct GenotypeFeatures: Sendable {
    public let kind: FeatureSetKind
    public let dimNames: [String]
    public let choiceNames: [[String]]
    /// Feature names, "base" first.
    public let names: [String]
    private let offsets: [Int]

    public init(kind: FeatureSetKind, dimNames: [String], choiceNames: [[String]]) throws {
        if kind == .nb201Live {
            guard dimNames.count == 6, choiceNames.allSatisfy({ $0.contains("none") }) else {
                throw LeastSquaresError(description: "feature set nb201-live needs the 6-edge nb201 space with a 'none' choice")
            }
        }
        self.kind = kind; self.dimNames = dimNames; self.choiceNames = choiceNames
        var names = ["base"], offsets: [Int] = []
        for (d, choices) in choiceNames.enumerated() {
            offsets.append(names.count)
            names += choices.map { "\(dimNames[d])=\($0)" }
        }
        if kind == .nb201Live {
            names.append("connected")
            for (d, choices) in choiceNames.enumerated() { names += choices.map { "live:\(dimNames[d])=\($0)" } }
        }
        self.names = names; self.offsets = offsets
    }

    static let nb201Edges = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]

    /// Which edges of an nb201 cell carry a non-zero value to node 3.
    public static func nb201LiveEdges(_ isNone: [Bool]) -> [Bool] {
        var nonzero = [true, false, false, false]
        for (e, (to, from)) in nb201Edges.enumerated() where !isNone[e] && nonzero[from] { nonzero[to] = true }
        var reaches = [false, false, false, true]
        for (e, (to, from)) in nb201Edges.enumerated().reversed() where !isNone[e] && reaches[to] && nonzero[from] {
            reaches[from] = true
        }
        guard nonzero[3] else { return Array(repeating: false, count: 6) }
        return nb201Edges.enumerated().map { e, edge in !isNone[e] && nonzero[edge.1] && reaches[edge.0] }
    }

    /// Dense feature vector of a genotype (choice indices).
    public func vector(_ g: [Int32]) -> [Double] {
        var x = [Double](repeating: 0, count: names.count)
        x[0] = 1
        for (d, c) in g.enumerated() { x[offsets[d] + Int(c)] = 1 }
        if kind == .nb201Live {
            let live = Self.nb201LiveEdges(g.enumerated().map { choiceNames[$0.offset][Int($0.element)] == "none" })
            let base = offsets.last! + choiceNames.last!.count
            if live.contains(true) { x[base] = 1 }
            var off = base + 1
            for d in 0..<g.count {
                if live[d] { x[off + Int(g[d])] = 1 }
                off += choiceNames[d].count
            }
        }
        return x
    }
}
