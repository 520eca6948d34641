// NAS-Bench-201's cell: 4 nodes, 6 edges (to <- from), 5 operations, and its
// arch string `|o~0|+|o~0|o~1|+|o~0|o~1|o~2|`. The one op list and the one
// parser of hwnas: the nb201 space plugin, offline tables and tests use it.
public enum NB201Cell {
    public static let operations = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    /// (to, from) of the 6 edges, in genotype and string order.
    public static let edges = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]
    public static let dimNames = ["edge_1_0", "edge_2_0", "edge_2_1", "edge_3_0", "edge_3_1", "edge_3_2"]

    /// The arch string of 6 operation indices.
    public static func format<C: Collection<Int32>>(_ g: C) -> String where C.Index == Int {
        var s = ""
        for (n, node) in [[0], [1, 2], [3, 4, 5]].enumerated() {
            if n > 0 { s += "+" }
            s += "|"
            for (i, e) in node.enumerated() { s += "\(operations[Int(g[g.startIndex + e])])~\(i)|" }
        }
        return s
    }

    /// The 6 operation indices of an arch string; the error says what is wrong.
    public static func parse(_ s: String) throws(NB201ArchError) -> [Int32] {
        let nodes = s.split(separator: "+", omittingEmptySubsequences: false)
        guard nodes.count == 3 else { throw NB201ArchError("'\(s)' is not an nb201 arch string (expected 3 nodes separated by '+')") }
        var g: [Int32] = []
        for (j, node) in nodes.enumerated() {
            guard node.first == "|", node.last == "|" else { throw NB201ArchError("'\(s)': node \(j + 1) must start and end with '|'") }
            let edges = node.split(separator: "|").map(String.init)
            guard edges.count == j + 1 else { throw NB201ArchError("'\(s)': node \(j + 1) needs \(j + 1) edges") }
            for (i, e) in edges.enumerated() {
                let parts = e.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2, parts[1] == "\(i)" else { throw NB201ArchError("'\(s)': bad edge '\(e)'") }
                guard let c = operations.firstIndex(of: parts[0]) else {
                    throw NB201ArchError("'\(parts[0])' is not a choice of \(dimNames[g.count]) in space nb201 (choices: \(operations.joined(separator: ", ")))")
                }
                g.append(Int32(c))
            }
        }
        return g
    }
}

public struct NB201ArchError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
