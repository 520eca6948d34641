// The ask/tell loop: the strategy proposes, the profile's cost models price,
// hard constraints filter (infeasible candidates never reach the evaluator),
// the evaluator scores, the journal records, the strategy learns.
// --budget counts evaluator calls only. Candidates are keyed by their
// canonical genotype: two genotypes that build one network are one candidate
// (de-duplication, the cost cache and the journal).
import CHwnasABI
import Foundation

public final class SearchRunner: @unchecked Sendable {
    public let config: SearchConfiguration
    public let costs: HardwareCosts
    let cspace: CSearchSpace
    let evaluator: SearchEvaluator
    /// Another instance of the evaluator plugin (a worker of the asynchronous loop).
    let makeWorker: (() throws -> SearchEvaluator)?
    let registry: PluginRegistry
    /// The configured objectives, or the evaluator's primary metric maximised.
    let objectives: [Objective]
    let objectiveSources: [(fromEvaluator: Bool, index: Int)]
    /// Where each soft constraint's metric comes from.
    let softSources: [(fromEvaluator: Bool, index: Int)]
    /// The cost metrics' names as C strings (the strategy's context and every tell).
    let metricCNames: CStringArray
    let gate: ConstraintGate
    var evaluated: [[Int32]: EvaluationRecord] = [:]
    var journal: Journal?
    /// The profile file's content fingerprint (journal header and result).
    let profileFingerprint: String
    public private(set) var notes: [String] = []

    /// `evaluator`, when given, scores instead of the plugin `config.evaluator`
    /// names (the host API's callback): its descriptor names it in the journal.
    public init(config: SearchConfiguration, registry: PluginRegistry, evaluator given: (any SearchEvaluator)? = nil) throws {
        self.config = config
        self.registry = registry
        guard config.budget >= 1, config.budget <= 1_000_000_000 else { throw HwnasError("--budget must be in 1...1000000000, got \(config.budget)") }
        guard config.parallel >= 1 else { throw HwnasError("--parallel must be at least 1") }
        cspace = CSearchSpace(config.space)
        profileFingerprint = Fingerprint.of(file: config.profile.path) ?? "unreadable"
        let networks = config.space.buildsNetworks ? try NetworkFactory(space: config.space, registry: registry) : nil
        costs = try HardwareCosts(profile: config.profile, space: config.space, cspace: cspace, registry: registry, networks: networks)
        let ed: PluginDescriptorInfo
        if let given {
            guard config.fidelity == nil else {
                throw HwnasError("--fidelity needs an evaluator plugin that takes a fidelity; an evaluator function takes none")
            }
            ed = given.descriptor
            evaluator = given
            makeWorker = nil
        } else {
            let (d, elib) = try registry.lookup(.evaluator, config.evaluator)
            ed = d
            // Asynchronous: one instance shared by every worker when it takes
            // concurrent calls (the options' parallel is then what it runs at
            // once), else one more per worker, each scoring one candidate at a time.
            var workerOptions = config.evaluatorOptions
            if config.schedule == .async || config.fidelity != nil, workerOptions["parallel"] != nil { workerOptions["parallel"] = "1" }
            let space = config.space, runner = config.runner, cspace = cspace
            let make = { (options: [String: String]) throws -> SearchEvaluator in
                if let runner { return try runner.evaluator(d, space: space, options: options, registry: registry) }
                return try LoadedEvaluator(d, library: elib, space: cspace, options: options)
            }
            makeWorker = { [workerOptions] in try make(workerOptions) }
            evaluator = try make(config.evaluatorOptions)
            if let spec = config.fidelity, !evaluator.takesFidelity {
                throw HwnasError("--fidelity \(spec): evaluator '\(ed.id)' takes no fidelity (it does not read ABI 1.2 requests); "
                    + "use one that does, e.g. --evaluator command with a program whose hello lists \"fidelity\": [\"\(spec.name)\"]")
            }
        }
        // Say what the objective is: a proxy score must not pass for an accuracy.
        if !ed.description.isEmpty { notes.append("evaluator \(ed.id): \(ed.description)") }
        let costs = self.costs, evaluator = self.evaluator
        gate = try ConstraintGate(config.constraints, metricNames: costs.metricNames, profile: config.profile.name)
        let objectives = config.objectives.isEmpty ? [Objective(metric: evaluator.metricNames[0], maximize: true)] : config.objectives
        self.objectives = objectives
        metricCNames = CStringArray(costs.metricNames)
        func source(_ metric: String, of what: String) throws -> (fromEvaluator: Bool, index: Int) {
            if let i = evaluator.metricNames.firstIndex(of: metric) { return (true, i) }
            if let i = costs.metricNames.firstIndex(of: metric) { return (false, i) }
            throw HwnasError("\(what): no evaluator or cost metric named '\(metric)' (evaluator: \(evaluator.metricNames.joined(separator: ", ")); costs: \(costs.metricNames.joined(separator: ", ")))")
        }
        objectiveSources = try objectives.map { try source($0.metric, of: "objective \($0)") }
        softSources = try config.softConstraints.map { try source($0.metric, of: "soft constraint \($0)") }
        if !config.softConstraints.isEmpty {
            guard objectives[0].maximize else {
                throw HwnasError("--soft scales the first objective, which must be maximised (got \(objectives[0])): put e.g. accuracy:max first")
            }
            notes.append("soft constraints \(config.softConstraints.map(\.description).joined(separator: ", ")): the strategy is told and the best is ranked by reward = \(objectives[0].metric) x product of (metric / target)^w")
        }
        if let p = config.journalPath {
            journal = try Journal(path: p, header: journalHeader(evaluatorDescriptor: ed), reuse: config.reuseJournal)
            if let n = journal?.reuseNote { notes.append("warning: " + n) }
        }
    }

    /// What this search's journal values mean: the space (plugin, options,
    /// file content), the evaluator and its options that change what it
    /// computes, the profile's file content.
    func journalHeader(evaluatorDescriptor ed: PluginDescriptorInfo) -> JournalHeader {
        let space = config.space
        var spaceParts = "plugin=\(space.plugin.id); " + Fingerprint.describe(space.options.filter { $0.key != "file" })
        if let f = space.options["file"] { spaceParts += "; file=" + (Fingerprint.of(file: f) ?? "unreadable") }
        let execution = Set((ed.options ?? []).filter(\.execution).map(\.key))
        return JournalHeader(space: space.name, spaceFingerprint: Fingerprint.of(Array(spaceParts.utf8)), evaluator: ed.id,
                             evaluatorOptions: config.evaluatorOptions.filter { !execution.contains($0.key) },
                             profile: config.profile.name, profileFingerprint: profileFingerprint)
    }

    public func feasible(_ row: [Double]) -> Bool { gate.feasible(row) }

    /// Fails early, with the reason, when no architecture can satisfy the
    /// constraints: exhaustively for spaces up to 100k, else on a sample.
    public func checkFeasibility() throws {
        guard !config.constraints.isEmpty else { return }
        let space = config.space
        let exhaustive = space.size <= 100_000
        var rng = SplitMix64(state: config.seed ^ 0xFEA5)
        let genotypes: [[Int32]] = exhaustive
            ? (0..<Int(space.size)).map(space.genotype(at:))
            : (0..<2000).map { _ in space.randomGenotype(&rng) }
        let rows = try costs.costs(genotypes)
        let nFeasible = rows.filter(feasible).count
        if nFeasible > 0 {
            if exhaustive { notes.append("\(nFeasible) of \(genotypes.count) architectures satisfy the constraints") }
            return
        }
        let detail = zip(gate.constraints, gate.columns).map { c, i -> String in
            let vals = rows.map { $0[i] }.filter(\.isFinite)
            guard let lo = vals.min(), let hi = vals.max() else { return "\(c.metric): no known values" }
            return "\(c.metric) ranges \(compactNumber(lo))..\(compactNumber(hi))"
        }.joined(separator: "; ")
        let scope = exhaustive ? "no architecture of the \(genotypes.count) in space \(space.name)" : "none of \(genotypes.count) sampled architectures"
        let msg = "constraints \(config.constraints.map(\.description).joined(separator: ", ")) are infeasible on profile '\(config.profile.name)': \(scope) satisfies them (\(detail))"
        if exhaustive { throw HwnasError(msg) }
        notes.append("warning: " + msg)
    }

    public func run() throws -> SearchResult {
        let start = Date()
        try checkFeasibility()
        let (sd, slib) = try registry.lookup(.strategy, config.strategy)
        let values = StrategyContextValues(space: config.space, options: config.strategyOptions, objectives: objectives.map(\.metric),
                                           metricNames: costs.metricNames, seed: config.seed, budget: config.budget)
        // The strategy's query_costs: the profile's costs and the constraints
        // (checked here too: an isolated strategy's genotypes come over a pipe).
        let queryCosts: StrategyContext.CostQuery = { [unowned self] gs in
            guard gs.allSatisfy({ (try? self.config.space.validate($0)) != nil }), let rows = try? self.costs.costs(gs) else { return nil }
            return (rows.map { self.feasible($0) ? 1 : 0 }, rows.flatMap { $0 })
        }
        let isEvaluated = { [unowned self] (g: [Int32]) in self.isEvaluated(g) }
        let strategy: SearchStrategy = try config.runner?.strategy(sd, context: values, registry: registry, queryCosts: queryCosts,
                                                                   isEvaluated: isEvaluated)
            ?? LoadedStrategy(sd, library: slib, context: StrategyContext(
                space: cspace, objectives: values.objectives, metricNames: values.metricNames, seed: values.seed, budget: values.budget,
                queryCosts: queryCosts, isEvaluated: isEvaluated), options: config.strategyOptions)
        if (config.schedule == .async && config.parallel > 1) || config.fidelity != nil {
            // An evaluator function (the host API's) takes concurrent calls too.
            if evaluator.concurrentCalls {
                return try asyncLoop(strategy, workers: Array(repeating: evaluator, count: config.parallel), start: start)
            }
            if let makeWorker {
                return try asyncLoop(strategy, workers: try [evaluator] + (1..<config.parallel).map { _ in try makeWorker() }, start: start)
            }
        }
        return try loop(strategy, start: start)
    }

    /// A strategy's is_evaluated: a valid genotype whose candidate has a result.
    func isEvaluated(_ g: [Int32]) -> Bool {
        (try? config.space.validate(g)) != nil && evaluated[config.space.canonicalize(g)] != nil
    }

    func objectiveValues(evaluatorMetrics: [Double], costRow: [Double]) -> [Double] {
        objectiveSources.map { $0.fromEvaluator ? evaluatorMetrics[$0.index] : costRow[$0.index] }
    }

    /// The soft constraints' reward of a first-objective value; nil without
    /// soft constraints, NaN when a metric it needs is missing or not positive.
    func reward(_ value: Double, evaluatorMetrics: [Double], costRow: [Double]) -> Double? {
        guard !softSources.isEmpty else { return nil }
        let factors = zip(config.softConstraints, softSources).map { c, s in
            c.factor(s.fromEvaluator ? evaluatorMetrics[s.index] : costRow[s.index])
        }
        return SoftConstraint.reward(value, factors: factors)
    }

    /// What ranks a successful evaluation: its reward under soft
    /// constraints, else its first objective, larger is better.
    func rank(_ r: EvaluationRecord) -> Double { r.reward ?? objectives[0].oriented(r.objective!) }

    private let journalLock = NSLock()
    /// A failed evaluation's reason when the evaluator gave none.
    static let noValue = "the evaluator reported no value"
    /// The first journal write that failed: the search stops after the batch.
    private(set) var journalError: String?

    /// Records one evaluation (from the evaluator's threads too); a result
    /// already recorded as ok is not written twice, a failed one is replaced.
    func journalResult(_ g: [Int32], _ costRow: [Double], _ ok: Bool, _ metrics: [Double], reason: String? = nil,
                       fidelity: [String: Double]? = nil, checkpoint: String? = nil) {
        guard let journal else { return }
        journalLock.lock(); defer { journalLock.unlock() }
        let arch = config.space.canonical(g)
        let why = ok ? nil : reason ?? Self.noValue
        if let prior = journal.lookup(arch, fidelity: fidelity), prior.status == "ok" || (!ok && prior.reason == why) { return }
        do {
            try journal.append(JournalEntry(arch: arch, genotype: g, status: ok ? "ok" : "failed",
                                            metrics: Dictionary(uniqueKeysWithValues: zip(evaluator.metricNames, metrics).filter { $0.1.isFinite }),
                                            costs: costs.named(costRow), seconds: nil,
                                            reason: why, fidelity: fidelity, checkpoint: checkpoint))
        } catch {
            if journalError == nil { journalError = "\(error)" }
        }
    }
}

/// Compact number formatting for messages (and the CLI's progress line).
public func compactNumber(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e12 { return String(Int(x)) }
    return String(format: abs(x) >= 100 ? "%.1f" : (abs(x) >= 1 ? "%.3f" : "%.4g"), x)
}

