// Cost models read from measured tables.
//  - `table`: one row per architecture (HW-NAS-Bench style); options file,
//    key (default arch), column, metric (default latency_ms).
//  - `layer-table`: additive lookup table, latency = base + sum over
//    dimensions of the chosen option's cost (FBNet style: layer x block -> ms).
//    Options file (CSV with columns dim,choice,value), metric, base
//    (constant added; also read from a row with dim "base" in the file).
import CHwnasABI
import HwnasPluginSupport
import HwnasTabular
import Foundation

final class ArchTableCostModel: CostModel {
    let metricNames: [String]
    let values: [String: Double]
    let source: String

    init(options: PluginOptions) throws {
        let file = try options.require("file")
        let column = try options.require("column")
        let table = try CSVTable.read(file)
        values = try table.numericMap(key: options.string("key") ?? "arch", value: column, nonNegative: true)
        if values.isEmpty { throw PluginError("\(file): column '\(column)' has no values") }
        metricNames = [options.string("metric") ?? "latency_ms"]
        source = "\(file) [\(column)]"
    }

    func estimate(_ batch: CandidateBatch) throws -> [[Double]] {
        batch.archStrings.map { [values[$0] ?? .nan] }
    }

    func explain(_ batch: CandidateBatch) throws -> String? {
        guard let a = batch.archStrings.first else { return nil }
        return values[a] == nil ? "\(a) is not in \(source)" : "looked up in \(source)"
    }
}

final class LayerTableCostModel: CostModel {
    let metricNames: [String]
    let table: [[Double]]   // [dim][choice]
    let base: Double

    init(space: SearchSpaceView, options: PluginOptions) throws {
        let file = try options.require("file")
        let csv = try CSVTable.read(file)
        let dc = try csv.column("dim"), cc = try csv.column("choice"), vc = try csv.column("value")
        var t = space.choiceCounts.map { [Double](repeating: .nan, count: $0) }
        var b = try options.double("base", default: 0)
        for (i, row) in csv.rows.enumerated() {
            let v = try csv.number(row[vc].trimmingCharacters(in: .whitespaces), line: i + 2, column: "value")
            if row[dc] == "base" { b += v; continue }
            guard let d = space.dimNames.firstIndex(of: row[dc]) ?? Int(row[dc]).flatMap({ $0 < space.nDims ? $0 : nil }) else {
                throw PluginError("\(file):\(i + 2): unknown dim '\(row[dc])' for space \(space.name)")
            }
            guard let c = space.choiceNames[d].firstIndex(of: row[cc]) else {
                throw PluginError("\(file):\(i + 2): unknown choice '\(row[cc])' for dim \(row[dc])")
            }
            t[d][c] = v
        }
        for d in 0..<space.nDims {
            if let c = t[d].firstIndex(where: { $0.isNaN }) {
                throw PluginError("\(file): no value for dim \(space.dimNames[d]) choice \(space.choiceNames[d][c])")
            }
        }
        table = t; base = b
        metricNames = [options["metric"] ?? "latency_ms"]
    }

    func estimate(_ batch: CandidateBatch) throws -> [[Double]] {
        batch.genotypes.map { g in [g.enumerated().reduce(base) { $0 + table[$1.offset][Int($1.element)] }] }
    }
}

nonisolated(unsafe) private let plugin = PluginExport(costModels: [
    CostModelKind(PluginDescriptor(id: "table", name: "Per-architecture table",
                                   description: "Metric looked up per architecture in a CSV (options file, key, column, metric)",
                                   options: [.path("file", "the CSV"), .string("column", nil, "the value column").required(),
                                             .string("key", "arch", "the column of canonical architecture strings"),
                                             .string("metric", "latency_ms", "the metric's name")])) { _, o, _ in
        try ArchTableCostModel(options: o)
    },
    CostModelKind(PluginDescriptor(id: "layer-table", name: "Additive per-layer lookup table",
                                   description: "Sum of per-(dim, choice) costs from a CSV dim,choice,value (options file, metric, base)",
                                   options: [.path("file", "CSV with columns dim, choice, value (a 'base' row adds a constant)"),
                                             .string("metric", "latency_ms", "the metric's name"),
                                             .double("base", 0, nil, "a constant added to every sum")])) { s, o, _ in
        try LayerTableCostModel(space: s, options: o)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
