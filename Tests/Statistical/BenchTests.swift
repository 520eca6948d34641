// `hwnas bench` core: task files, enumerated optimum, runs of the strategy
// plugins through the real host (SearchRunner + PluginRegistry), and the
// regret summary.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTools
import HwnasTabular
import Testing

@Suite(.serialized, .tags(.slow)) struct BenchTests {
    static let taskYAML = """
    space: nb201
    evaluator: table
    tasks:
      - name: c10-raspi4-12ms
        profile: raspi4
        evaluator_options: {file: NB201, column: cifar10_acc}
        constraints: ["latency_ms<=12"]
    """

    static func tasks() throws -> [BenchTask] {
        try BenchTask.parse(taskYAML.replacingOccurrences(of: "NB201", with: TestSupport.nb201CSV), baseDirectory: "/")
    }

    @Test func parsesTasksAndResolvesRelativeFiles() throws {
        let t = try BenchTask.parse("""
        space: nb201
        evaluator: table
        tasks:
          - {name: a, profile: raspi4, evaluator_options: {file: data/x.csv, column: c}, constraints: ["latency_ms<=3"]}
        """, baseDirectory: "/base/bench")
        #expect(t.count == 1 && t[0].space == "nb201" && t[0].evaluator == "table")
        #expect(t[0].evaluatorOptions["file"] == "/base/bench/data/x.csv")
        #expect(t[0].constraints == [Constraint(metric: "latency_ms", op: .le, bound: 3)])
        // A profile given as a relative path is the task file's too; a name stays a name.
        let paths = try BenchTask.parse("space: s\nevaluator: e\ntasks:\n  - {name: a, profile: profiles/p.yaml}\n  - {name: b, profile: q.yaml}\n  - {name: c, profile: /abs/r.yaml}\n  - {name: d, profile: raspi4}\n",
                                        baseDirectory: "/base/bench")
        #expect(paths.map(\.profile) == ["/base/bench/profiles/p.yaml", "/base/bench/q.yaml", "/abs/r.yaml", "raspi4"])
        #expect(throws: HwnasError.self) { _ = try BenchTask.parse("tasks:\n  - {name: a}\n", baseDirectory: "/") }
        #expect { _ = try BenchTask.parse("tasks:\n  - {name: a, profile: p}\n", baseDirectory: "/") } throws: {
            "\($0)".contains("lacks 'space' (give it per task or once at the top of the file)")
        }
        #expect(throws: HwnasError.self) { _ = try BenchTask.parse("tasks:\n  - {name: a, profile: p}\n  - {name: a, profile: p}\n", baseDirectory: "/") }
    }

    @Test func optimumMatchesTheTableAndPluginsRunThroughTheHost() throws {
        let bench = BenchRunner(registry: PluginRegistry(paths: [TestSupport.productsDir]))
        let task = try Self.tasks()[0]
        // Enumerated optimum equals a direct scan of the CSV.
        let t = try CSVTable.read(TestSupport.nb201CSV)
        let direct = zip(try t.numericColumn("cifar10_acc"), try t.numericColumn("raspi4_ms")).filter { $0.1 <= 12 }.map(\.0).max()!
        let opt = try bench.optimum(task)
        #expect(opt.value == direct)
        #expect(opt.feasibleCount > 0 && opt.feasibleCount < opt.spaceSize)

        var runs: [BenchRun] = []
        for s in ["predictor", "local-search", "nsga2"] {
            let a = try bench.run(task, strategy: s, seed: 7, budget: 25)
            let b = try bench.run(task, strategy: s, seed: 7, budget: 25)
            #expect(a.values.count == 25, "\(s) spent \(a.values.count) evaluations")
            #expect(a.values == b.values, "\(s) is not deterministic through the plugin path")
            runs.append(a)
        }
        let summary = BenchReport.summarize(runs, optima: [task.name: opt.value], budgets: [10, 25])
        #expect(summary.map(\.strategy) == ["predictor", "local-search", "nsga2"])
        for s in summary {
            #expect(s.meanRegret[1] >= 0 && s.meanRegret[1] <= s.meanRegret[0])
        }
        let md = BenchReport.markdown(summary)
        #expect(md.contains("| predictor | 1 |"))
        let csv = BenchReport.csv(runs, optima: [task.name: opt.value], budgets: [10, 25])
        #expect(csv.split(separator: "\n").count == 4)
    }

    @Test func summaryCountsExactHitsAndEvaluationsToOptimum() {
        let runs = [
            BenchRun(task: "t", strategy: "s", seed: 1, values: [1, 3, 5], strategySeconds: 0.003, evaluations: 3),
            BenchRun(task: "t", strategy: "s", seed: 2, values: [2, 4, 4], strategySeconds: 0.003, evaluations: 3),
        ]
        let s = BenchReport.summarize(runs, optima: ["t": 5], budgets: [1, 3])[0]
        #expect(s.meanRegret == [3.5, 0.5])
        #expect(s.medianRegret == [3.5, 0.5])
        #expect(s.hitRate == 0.5 && s.hitRates == [0, 0.5])
        #expect(s.medianEvaluationsToOptimum == nil)   // median of [3, never]
        #expect(abs(s.millisecondsPerEvaluation - 1.0) < 1e-9)
    }
    /// Task names come from the user's YAML: one with a comma stays one CSV field.
    @Test func csvQuotesTaskNamesWithCommas() throws {
        let runs = [BenchRun(task: "c10, raspi4", strategy: "s", seed: 1, values: [1, 3, 5], strategySeconds: 0.003, evaluations: 3)]
        let path = TestSupport.tempDir("bench-csv") + "/runs.csv"
        try BenchReport.csv(runs, optima: ["c10, raspi4": 5], budgets: [1, 3]).write(toFile: path, atomically: true, encoding: .utf8)
        let t = try CSVTable.read(path)
        #expect(t.header == ["task", "strategy", "seed", "regret_at_1", "regret_at_3", "evaluations_to_optimum", "strategy_ms_per_evaluation"])
        #expect(t.rows == [["c10, raspi4", "s", "1", "4.0000", "0.0000", "3", "1.0000"]])
    }
}
