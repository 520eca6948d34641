// Evaluator `table`: the objective read from a CSV by canonical arch string
// (options file, key = arch, column, metric = accuracy); a co-design
// space's candidate is looked up by its network part. The tabular
// benchmarks (NAS-Bench-201) make searches reproducible and regret exact.
import CHwnasABI
import HwnasPluginSupport
import HwnasTabular

final class TableEvaluator: CandidateEvaluator {
    let metricNames: [String]
    let values: [String: Double]

    init(options: PluginOptions) throws {
        let file = try options.require("file")
        let column = try options.require("column")
        values = try CSVTable.read(file).numericMap(key: options.string("key") ?? "arch", value: column)
        if values.isEmpty { throw PluginError("\(file): column '\(column)' has no values") }
        metricNames = [options.string("metric") ?? "accuracy"]
    }

    func evaluate(_ batch: CandidateBatch, report: @Sendable (Int, EvaluationResult) -> Void) throws -> [EvaluationResult] {
        // A co-design candidate's accuracy is its network's: the hardware
        // part of its arch string is not in the table's keys.
        (0..<batch.count).map { i in
            let r = values[batch.networkArchString(i)].map { EvaluationResult(status: .ok, metrics: [$0]) } ?? .failed(1)
            report(i, r)
            return r
        }
    }
}

nonisolated(unsafe) private let plugin = PluginExport(evaluators: [
    EvaluatorKind(PluginDescriptor(id: "table", name: "Tabular benchmark lookup",
                                   description: "Objective read from a CSV by arch string (options file, column, key, metric)",
                                   options: [.path("file", "the CSV of measured objectives"),
                                             .string("column", nil, "the objective column, e.g. cifar10_acc").required(),
                                             .string("key", "arch", "the column of canonical architecture strings"),
                                             .string("metric", "accuracy", "the objective's name")])) { _, o, _ in
        try TableEvaluator(options: o)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
