// The child side of `hwnas search --isolate`: `hwnas plugin-host` loads one
// strategy or one evaluator and serves its calls over stdin/stdout (JSON
// lines, see IsolationChannel). A plugin that crashes kills only this
// process; hwnas sees the pipe close and carries on.
//
// Requests: {"op":"evaluator", space..., "id", "options"} then {"op":
// "evaluate","genotypes"} -> {"op":"result",index,status,metrics}* then
// {"op":"done",status,metrics}; {"op":"strategy", space..., context...}
// then {"op":"ask","max"} -> ({"op":"query_costs"|"is_evaluated",...} <-
// answer)* -> {"op":"asked","genotypes"|null}, {"op":"tell",...} ->
// {"op":"told"}. Any failure: {"error": "..."}.
import CHwnasABI
import Foundation
import HwnasCore

public final class PluginHostServer: @unchecked Sendable {
    let registry: PluginRegistry
    let lines = JSONLines(input: 0, output: 1)
    private var evaluator: (LoadedEvaluator, SearchSpace, NetworkFactory?)?
    private var strategy: LoadedStrategy?
    private var strategyState: StrategyState?

    public init(registry: PluginRegistry) { self.registry = registry }

    /// Serves until stdin closes.
    public func run() {
        while let request = lines.read() {
            let reply: [String: Any]
            do { reply = try handle(request) } catch { reply = ["error": "\(error)"] }
            lines.write(reply)
        }
    }

    func handle(_ r: [String: Any]) throws -> [String: Any] {
        switch r["op"] as? String {
        case "evaluator":
            let space = try loadSpace(r)
            let (d, lib) = try registry.lookup(.evaluator, r["id"] as? String ?? "")
            let e = try LoadedEvaluator(d, library: lib, space: CSearchSpace(space), options: r["options"] as? [String: String] ?? [:])
            evaluator = (e, space, space.buildsNetworks ? try NetworkFactory(space: space, registry: registry) : nil)
            return ["op": "ready", "metrics": e.metricNames, "takes_fidelity": e.takesFidelity]
        case "evaluate":
            guard let (e, space, networks) = evaluator, let genotypes = JSONDoubles.genotypes(r["genotypes"]) else {
                throw HwnasError("plugin host: evaluate before evaluator, or no genotypes")
            }
            for g in genotypes { try space.validate(g) }
            let nets = try networks.map { f in try genotypes.map { try f.build(canonical: $0) } }
            let requests = r["requests"] as? [String]
            guard requests == nil || requests!.count == genotypes.count else { throw HwnasError("plugin host: one request per genotype") }
            let batch = CandidateBatch(space: space, genotypes: genotypes, networks: nets, requests: requests)
            let lines = self.lines
            let outs = try batch.with(minor: e.descriptor.abiMinor) { b in
                try e.evaluate(b) { k, o in
                    lines.write(["op": "result", "index": k, "status": Int(o.status), "metrics": JSONDoubles.encode(o.metrics),
                                 "texts": o.texts])
                }
            }
            return ["op": "done", "status": outs.map { Int($0.status) }, "metrics": outs.map { JSONDoubles.encode($0.metrics) },
                    "texts": outs.map(\.texts)]
        case "strategy":
            let state = try StrategyState(r, lines: lines)
            let (d, lib) = try registry.lookup(.strategy, r["id"] as? String ?? "")
            strategy = try LoadedStrategy(d, library: lib, context: state.context, options: r["options"] as? [String: String] ?? [:])
            strategyState = state
            return ["op": "ready"]
        case "ask":
            guard let strategy, let state = strategyState else { throw HwnasError("plugin host: ask before strategy") }
            let asked = try strategy.ask(max: r["max"] as? Int ?? 1, dims: state.nDims)
            return ["op": "asked", "genotypes": asked.map { $0 as Any } ?? NSNull()]
        case "tell":
            guard let strategy, let state = strategyState, let genotypes = JSONDoubles.genotypes(r["genotypes"]) else {
                throw HwnasError("plugin host: tell before strategy, or no genotypes")
            }
            let outcomes = (r["outcomes"] as? [Int] ?? []).map(Int32.init)
            let objectives = JSONDoubles.decode(r["objectives"]), metrics = JSONDoubles.decode(r["metrics"])
            let nObjectives = r["n_objectives"] as? Int ?? 1
            guard outcomes.count == genotypes.count, objectives.count == genotypes.count * nObjectives,
                  metrics.count == genotypes.count * state.metricNames.count else {
                throw HwnasError("plugin host: tell with inconsistent sizes")
            }
            try strategy.tell(genotypes: genotypes.flatMap { $0 }, count: genotypes.count, dims: state.nDims, outcomes: outcomes,
                              objectives: objectives, nObjectives: nObjectives, metrics: metrics,
                              metricNames: state.context.metricNames, nMetrics: state.metricNames.count)
            return ["op": "told"]
        default:
            throw HwnasError("plugin host: unknown request \(r["op"] ?? "none")")
        }
    }

    /// The space as the parent loaded it: its plugin with the same options.
    func loadSpace(_ r: [String: Any]) throws -> SearchSpace {
        guard let name = r["space"] as? String, let plugin = r["space_plugin"] as? String else { throw HwnasError("plugin host: no space") }
        let file = SpaceFile(path: "space \(name)", name: name, description: "", plugin: plugin, operatorSet: r["operator_set"] as? String,
                             lutFeatures: nil, options: r["space_options"] as? [String: String] ?? [:])
        return try SpaceCatalog.load(file: file, registry: registry)
    }
}

/// What a strategy in the plugin host sees of the search: the context, whose
/// query_costs and is_evaluated go back to hwnas over the pipe.
final class StrategyState: @unchecked Sendable {
    let nDims: Int
    let metricNames: [String]
    let context: StrategyContext

    init(_ r: [String: Any], lines: JSONLines) throws {
        guard let dims = r["dims"] as? [String], let choices = r["choice_names"] as? [[String]], dims.count == choices.count, !dims.isEmpty else {
            throw HwnasError("plugin host: strategy without a space")
        }
        nDims = dims.count
        let metricNames = r["metric_names"] as? [String] ?? []
        self.metricNames = metricNames
        context = StrategyContext(
            space: CSearchSpace(name: r["space"] as? String ?? "space", dimNames: dims, choices: choices),
            objectives: r["objectives"] as? [String] ?? ["objective"], metricNames: metricNames,
            seed: (r["seed"] as? NSNumber)?.uint64Value ?? 1, budget: (r["budget"] as? Int) ?? 1,
            queryCosts: { gs in
                lines.write(["op": "query_costs", "genotypes": gs.map { $0.map(Int.init) }])
                guard let reply = lines.read(), let feasible = reply["feasible"] as? [Int] else { return nil }
                return (feasible, JSONDoubles.decode(reply["metrics"]))
            },
            isEvaluated: { g in
                lines.write(["op": "is_evaluated", "genotype": g.map(Int.init)])
                return (lines.read()?["value"] as? Int ?? 0) != 0
            })
    }
}
