// hwnas's side of `--isolate`: a strategy and an evaluator that live in a
// plugin-host child process. Same calls as the in-process handles; a child
// that dies fails the call with the signal that killed it, and the next call
// starts a fresh child (an evaluator; a strategy's state is gone with it).
import CHwnasABI
import Foundation
import HwnasCore

/// The search's PluginRunner for `--isolate`: `executable plugin-host`
/// (hwnas itself) serves each plugin in a child of its own.
public struct IsolatedRunner: PluginRunner {
    public let executable: String

    public init(executable: String) { self.executable = executable }

    public func evaluator(_ d: PluginDescriptorInfo, space: SearchSpace, options: [String: String],
                          registry: PluginRegistry) throws -> any SearchEvaluator {
        try IsolatedEvaluator(d, space: space, options: options, executable: executable, pluginPaths: registry.paths)
    }

    public func strategy(_ d: PluginDescriptorInfo, context c: StrategyContextValues, registry: PluginRegistry,
                         queryCosts: @escaping ([[Int32]]) -> (feasible: [Int], metrics: [Double])?,
                         isEvaluated: @escaping ([Int32]) -> Bool) throws -> any SearchStrategy {
        var request = isolationSpaceFields(c.space)
        request["options"] = c.options
        request["objectives"] = c.objectives
        request["metric_names"] = c.metricNames
        request["seed"] = c.seed
        request["budget"] = c.budget
        return try IsolatedStrategy(d, request: request, executable: executable, pluginPaths: registry.paths,
                                    queryCosts: queryCosts, isEvaluated: isEvaluated)
    }
}

/// The space as a plugin host recreates it.
func isolationSpaceFields(_ space: SearchSpace) -> [String: Any] {
    var f: [String: Any] = ["space": space.name, "space_plugin": space.plugin.id, "space_options": space.options,
                            "dims": space.dimNames, "choice_names": space.choices]
    if let o = space.operatorSetID { f["operator_set"] = o }
    return f
}

final class IsolatedEvaluator: SearchEvaluator, @unchecked Sendable {
    let descriptor: PluginDescriptorInfo
    private(set) var metricNames: [String] = []
    private let createRequest: [String: Any]
    private let executable: String, pluginPaths: [String]
    private var child: IsolatedProcess?
    private let evaluateLabel: PluginCall.Label

    init(_ d: PluginDescriptorInfo, space: SearchSpace, options: [String: String], executable: String, pluginPaths: [String]) throws {
        descriptor = d
        self.executable = executable; self.pluginPaths = pluginPaths
        try checkOptions(options, d, "evaluator")
        var r = isolationSpaceFields(space)
        r["op"] = "evaluator"; r["id"] = d.id; r["options"] = options
        createRequest = r
        evaluateLabel = d.label("evaluator", "evaluate (isolated)", bounded: false)
        child = try start()
    }

    private func start() throws -> IsolatedProcess {
        let p = try IsolatedProcess(executable: executable, pluginPaths: pluginPaths, name: descriptor.callName("evaluator"))
        let ready = try PluginCall.run(descriptor.label("evaluator", "create (isolated)", bounded: false)) {
            try p.call(createRequest, what: "create")
        }
        metricNames = ready["metrics"] as? [String] ?? []
        takesFidelity = ready["takes_fidelity"] as? Bool ?? false
        guard !metricNames.isEmpty else { throw HwnasError("\(descriptor.callName("evaluator")): reports no metric") }
        return p
    }

    private(set) var takesFidelity = false

    func evaluate(_ batch: UnsafePointer<hwnas_candidate_batch>,
                  onResult: ((Int, LoadedEvaluator.Outcome) -> Void)?) throws -> [LoadedEvaluator.Outcome] {
        let n = Int(batch.pointee.count), d = Int(batch.pointee.n_dims)
        let genotypes = (0..<n).map { i in (0..<d).map { Int(batch.pointee.genotypes![i * d + $0]) } }
        let child = try self.child ?? start()
        self.child = child
        let m = metricNames.count
        func outcome(_ status: Int, _ metrics: [Double], _ texts: Any?) -> LoadedEvaluator.Outcome {
            let values = metrics.count == m ? metrics : Array(repeating: .nan, count: m)
            return LoadedEvaluator.Outcome(ok: status == Int(HWNAS_EVAL_OK) && values.first?.isFinite == true,
                                           status: Int32(truncatingIfNeeded: status), metrics: values,
                                           texts: texts as? [String: String] ?? [:])
        }
        var message: [String: Any] = ["op": "evaluate", "genotypes": genotypes]
        // 1.2: the per-candidate requests (fidelity, resume) cross the pipe too.
        if let requests = batch.pointee.requests { message["requests"] = (0..<n).map { requests[$0].map { String(cString: $0) } ?? "{}" } }
        do {
            let done = try PluginCall.run(evaluateLabel) {
                try child.call(message, what: "evaluate") { message in
                    guard message["op"] as? String == "result" else { return .finalReply }
                    if let k = message["index"] as? Int, k >= 0, k < n {
                        onResult?(k, outcome(message["status"] as? Int ?? Int(HWNAS_EVAL_FAILED), JSONDoubles.decode(message["metrics"]),
                                             message["texts"]))
                    }
                    return .consumed
                }
            }
            let status = done["status"] as? [Int] ?? []
            let metrics = (done["metrics"] as? [Any] ?? []).map { JSONDoubles.decode($0) }
            let texts = done["texts"] as? [Any] ?? []
            guard status.count == n, metrics.count == n else { throw HwnasError("\(descriptor.callName("evaluator")): isolated reply of the wrong size") }
            return (0..<n).map { outcome(status[$0], metrics[$0], $0 < texts.count ? texts[$0] : nil) }
        } catch {
            // A dead child is replaced at the next call.
            if !child.process.isRunning { self.child = nil }
            throw error
        }
    }
}

final class IsolatedStrategy: SearchStrategy, @unchecked Sendable {
    let descriptor: PluginDescriptorInfo
    private let child: IsolatedProcess
    private let askLabel, tellLabel: PluginCall.Label
    /// Answers the strategy's query_costs and is_evaluated (the search's).
    private let queryCosts: ([[Int32]]) -> (feasible: [Int], metrics: [Double])?
    private let isEvaluated: ([Int32]) -> Bool

    init(_ d: PluginDescriptorInfo, request: [String: Any], executable: String, pluginPaths: [String],
         queryCosts: @escaping ([[Int32]]) -> (feasible: [Int], metrics: [Double])?, isEvaluated: @escaping ([Int32]) -> Bool) throws {
        descriptor = d
        self.queryCosts = queryCosts; self.isEvaluated = isEvaluated
        askLabel = d.label("strategy", "ask (isolated)")
        tellLabel = d.label("strategy", "tell (isolated)")
        try checkOptions(request["options"] as? [String: String] ?? [:], d, "strategy")
        child = try IsolatedProcess(executable: executable, pluginPaths: pluginPaths, name: d.callName("strategy"))
        var r = request
        r["op"] = "strategy"; r["id"] = d.id
        _ = try PluginCall.run(d.label("strategy", "create (isolated)")) { try child.call(r, what: "create", interject: answer) }
    }

    private func answer(_ message: [String: Any]) -> IsolatedProcess.Interjection {
        switch message["op"] as? String {
        case "query_costs":
            guard let gs = JSONDoubles.genotypes(message["genotypes"]), let r = queryCosts(gs) else { return .answer(["feasible": NSNull()]) }
            return .answer(["feasible": r.feasible, "metrics": JSONDoubles.encode(r.metrics)])
        case "is_evaluated":
            guard let g = JSONDoubles.genotypes([message["genotype"] as Any])?.first else { return .answer(["value": 0]) }
            return .answer(["value": isEvaluated(g) ? 1 : 0])
        default:
            return .finalReply
        }
    }

    func ask(max: Int, dims: Int) throws -> [[Int32]]? {
        let reply = try PluginCall.run(askLabel) { try child.call(["op": "ask", "max": max], what: "ask", interject: answer) }
        if reply["genotypes"] is NSNull { return nil }
        guard let gs = JSONDoubles.genotypes(reply["genotypes"]), gs.count <= max, gs.allSatisfy({ $0.count == dims }) else {
            throw HwnasError("\(descriptor.callName("strategy")): isolated ask gave a malformed reply")
        }
        return gs
    }

    func tell(_ t: UnsafePointer<hwnas_tell>) throws {
        let n = Int(t.pointee.count), d = Int(t.pointee.n_dims), o = Int(t.pointee.n_objectives), m = Int(t.pointee.n_metrics)
        let genotypes = (0..<n).map { i in (0..<d).map { Int(t.pointee.genotypes![i * d + $0]) } }
        let request: [String: Any] = [
            "op": "tell", "genotypes": genotypes, "n_objectives": o,
            "outcomes": (0..<n).map { Int(t.pointee.outcomes![$0]) },
            "objectives": JSONDoubles.encode((0..<(n * o)).map { t.pointee.objectives![$0] }),
            "metrics": JSONDoubles.encode(m == 0 ? [] : (0..<(n * m)).map { t.pointee.metrics![$0] }),
        ]
        _ = try PluginCall.run(tellLabel) { try child.call(request, what: "tell", interject: answer) }
    }
}
