// Loads the shared NAS-Bench-201 hardware table into SimulatedTasks.
// Genotype: the 6 edge operations in arch-string order, each one of
// [none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3].
import HwnasTestSupport
import HwnasNB201
import HwnasPluginSupport
@testable import HwnasStrategies
import HwnasTabular

public struct NB201Table: Sendable {
    public static let operations = NB201Cell.operations
    public static let space = SearchSpaceView(
        name: "nb201", choiceCounts: Array(repeating: 5, count: 6),
        dimNames: NB201Cell.dimNames,
        choiceNames: Array(repeating: operations, count: 6))

    /// columns[name][genotype index]
    public let columns: [String: [Double]]

    public init(path: String) throws {
        let t = try CSVTable.read(path)
        let arch = try t.column("arch")
        var index = [Int](repeating: -1, count: t.rows.count)
        for (r, row) in t.rows.enumerated() {
            guard let g = Self.genotype(arch: row[arch]) else { throw CSVError("\(path):\(r + 2): bad arch '\(row[arch])'") }
            var i = 0
            for v in g { i = i * 5 + Int(v) }
            index[r] = i
        }
        var cols: [String: [Double]] = [:]
        for name in t.header where name != "arch" && name != "index" {
            let values = try t.numericColumn(name)
            var byGenotype = [Double](repeating: .nan, count: 15625)
            for (r, i) in index.enumerated() { byGenotype[i] = values[r] }
            cols[name] = byGenotype
        }
        columns = cols
    }

    /// `|o0~0|+|o1~0|o2~1|+|o3~0|o4~1|o5~2|` -> [o0..o5] as choice indices.
    public static func genotype(arch: String) -> [Int32]? { try? NB201Cell.parse(arch) }

    /// A task: maximise `objective` subject to `metric <= limit` for each limit.
    public func task(objective: String, limits: [(String, Double)]) throws -> SimulatedTask {
        guard let obj = columns[objective] else { throw CSVError("no column '\(objective)'") }
        let names = limits.map(\.0)
        for n in names where columns[n] == nil { throw CSVError("no column '\(n)'") }
        let metrics = (0..<15625).map { i in names.map { columns[$0]![i] } }
        return SimulatedTask(space: Self.space, objective: obj, metricNames: names, metrics: metrics,
                             limits: limits.enumerated().map { ($0.offset, $0.element.1) })
    }

    /// The value of `column` at quantile q (0...1) over all genotypes.
    public func quantile(_ column: String, _ q: Double) -> Double {
        let v = (columns[column] ?? []).filter { $0.isFinite }.sorted()
        guard !v.isEmpty else { return .nan }
        return v[min(v.count - 1, max(0, Int(q * Double(v.count - 1))))]
    }
}
