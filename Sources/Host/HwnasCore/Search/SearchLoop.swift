// The search loop as its steps. One round: ask the strategy, screen what it
// proposed (canonical form, costs, constraints, duplicates), evaluate what is
// new (journal replay first), record the results, tell the strategy
// everything it asked in ask order. Progress goes to config.onEvent.
import CHwnasABI
import Foundation

/// Counters and history of one search; the result is made from it.
struct SearchTally {
    var history: [EvaluationRecord] = []
    /// The best successful evaluation by the first objective (the first of
    /// equals), kept as records join so a round's progress costs O(1).
    var best: EvaluationRecord?
    var failed = 0, replayed = 0, infeasible = 0, duplicates = 0, proposals = 0, idle = 0
    var strategySeconds = 0.0
    var stopReason = "budget"
    var consecutiveEvaluatorErrors = 0
    var lastEvaluatorError = ""
}

/// One round's candidates, in the order the strategy asked them.
struct SearchRound {
    let asked: [[Int32]]
    /// Canonical genotypes: from here on a candidate is its canonical genotype.
    let canon: [[Int32]]
    let rows: [[Double]]
    var outcomes: [Int32]
    /// Oriented objective values per candidate (NaN where none).
    var objectiveRows: [[Double]]
    /// Indices of feasible, new candidates.
    var toEvaluate: [Int] = []
}

/// An evaluation's answer, fresh or replayed from the journal.
struct EvaluationAnswer {
    let ok: Bool
    let metrics: [Double]
    let replayed: Bool
    /// Why it failed, when known (the evaluator's reason, the journal's, the call's error).
    var reason: String? = nil
    /// The evaluator's token to resume this candidate from (multi-fidelity).
    var checkpoint: String? = nil
}

extension SearchRunner {
    func loop(_ strategy: SearchStrategy, start: Date) throws -> SearchResult {
        var tally = SearchTally()
        while tally.history.count < config.budget {
            guard var round = try ask(strategy, &tally) else { break }
            round = try screen(round, &tally)
            let answers = evaluate(round, &tally)
            record(answers, in: &round, &tally)
            let tellError = tell(strategy, round, &tally)
            config.onEvent?(.round(progress(tally, start: start)))
            if let e = tellError { tally.stopReason = e; break }
            if tally.stopReason.hasPrefix("evaluator failed") { break }
            if stopsAfterRound(&tally) { break }
            if tally.idle >= config.maxIdleProposals {
                tally.stopReason = "\(tally.idle) proposals in a row were infeasible or repeated"
                break
            }
        }
        return result(tally, start: start)
    }

    /// The strategy's next proposals, validated; nil ends the search (the
    /// reason in the tally): a failing or crashing strategy ends it with what
    /// was evaluated, not with an error and no result.
    func ask(_ strategy: SearchStrategy, _ tally: inout SearchTally, want wanted: Int? = nil) throws -> SearchRound? {
        let want = wanted ?? min(config.parallel, config.budget - tally.history.count)
        let t0 = Date()
        let asked: [[Int32]]
        do {
            guard let a = try strategy.ask(max: want, dims: config.space.nDims) else { tally.stopReason = "strategy exhausted"; return nil }
            asked = a
        } catch { tally.stopReason = "\(error)"; return nil }
        tally.strategySeconds += Date().timeIntervalSince(t0)
        if asked.isEmpty { tally.stopReason = "strategy proposed nothing"; return nil }
        tally.proposals += asked.count
        for g in asked {
            do { try config.space.validate(g) } catch {
                throw HwnasError("strategy '\(config.strategy)' proposed an invalid genotype \(g): \(error)")
            }
        }
        let canon = config.space.canonicalize(asked)
        return SearchRound(asked: asked, canon: canon, rows: try costs.costs(canonical: canon),
                           outcomes: [Int32](repeating: HWNAS_OUTCOME_INFEASIBLE, count: asked.count),
                           objectiveRows: [[Double]](repeating: Array(repeating: .nan, count: objectives.count), count: asked.count))
    }

    /// Infeasible and repeated candidates never reach the evaluator; a repeat
    /// of an evaluated one is told its earlier objectives.
    /// `busy`: candidates being evaluated now (the asynchronous loop's), repeats too.
    func screen(_ round: SearchRound, _ tally: inout SearchTally, busy: Set<[Int32]> = []) throws -> SearchRound {
        var round = round
        var batchSeen = busy
        for (i, g) in round.canon.enumerated() {
            if let prior = evaluated[g] {
                round.outcomes[i] = HWNAS_OUTCOME_DUPLICATE; tally.duplicates += 1
                round.objectiveRows[i] = objectives.map { o in prior.objectives[o.metric].map(o.oriented) ?? .nan }
                if let r = prior.reward, !round.objectiveRows[i].isEmpty { round.objectiveRows[i][0] = r }
                continue
            }
            if batchSeen.contains(g) { round.outcomes[i] = HWNAS_OUTCOME_DUPLICATE; tally.duplicates += 1; continue }
            if !feasible(round.rows[i]) { tally.infeasible += 1; continue }
            batchSeen.insert(g)
            round.toEvaluate.append(i)
        }
        return round
    }

    /// Answers for the round's new candidates: journal replays first; the
    /// evaluator sees only the rest. A failed evaluation is tried again
    /// (unless --keep-failed).
    func evaluate(_ round: SearchRound, _ tally: inout SearchTally) -> [Int: EvaluationAnswer] {
        var answers: [Int: EvaluationAnswer] = [:]
        var fresh: [Int] = []
        for i in round.toEvaluate {
            if let replay = journalAnswer(config.space.canonical(round.canon[i])) { answers[i] = replay } else { fresh.append(i) }
        }
        guard !fresh.isEmpty else { return answers }
        let canon = round.canon, rows = round.rows
        do {
            let genotypes = fresh.map { canon[$0] }
            let nets = try costs.networks.map { f in try genotypes.map { try f.build($0) } }
            let batch = CandidateBatch(space: config.space, genotypes: genotypes, networks: nets)
            let outs = try batch.with(minor: evaluator.descriptor.abiMinor) { b in
                // Finished results are journaled at once (a crash later
                // loses none); failures once the call has returned, with its
                // error as the reason when it threw.
                try evaluator.evaluate(b) { k, o in
                    if o.ok { self.journalResult(canon[fresh[k]], rows[fresh[k]], o.ok, o.metrics) }
                }
            }
            for (k, i) in fresh.enumerated() {
                answers[i] = EvaluationAnswer(ok: outs[k].ok, metrics: outs[k].metrics, replayed: false, reason: outs[k].reason)
                journalResult(canon[i], rows[i], outs[k].ok, outs[k].metrics, reason: outs[k].reason)
            }
            tally.consecutiveEvaluatorErrors = 0
        } catch {
            // The whole call failed: each candidate is recorded as failed and
            // the search goes on (the same error repeated is reported once).
            let why = "\(error)"
            _ = noteCallFailure(why, &tally)
            let none = Array(repeating: Double.nan, count: evaluator.metricNames.count)
            for i in fresh {
                answers[i] = EvaluationAnswer(ok: false, metrics: none, replayed: false, reason: why)
                journalResult(canon[i], rows[i], false, none, reason: why)
            }
        }
        return answers
    }

    /// Whether the search ends after this round for a reason outside the
    /// loop (a failed journal write, the caller's stop), with the reason set.
    func stopsAfterRound(_ tally: inout SearchTally) -> Bool {
        if let e = journalError { tally.stopReason = "journal write failed: \(e)"; return true }
        if config.shouldStop?() == true { tally.stopReason = "interrupted"; return true }
        return false
    }

    /// The journal's answer for `arch` (at `fidelity`) when it is to be
    /// replayed: a success, or a failure under --keep-failed.
    func journalAnswer(_ arch: String, fidelity: [String: Double]? = nil) -> EvaluationAnswer? {
        guard let e = journal?.lookup(arch, fidelity: fidelity), e.status == "ok" || config.keepFailed else { return nil }
        return EvaluationAnswer(ok: e.status == "ok", metrics: evaluator.metricNames.map { e.metrics[$0] ?? .nan }, replayed: true,
                                reason: e.status == "ok" ? nil : e.reason, checkpoint: e.checkpoint)
    }

    /// A whole evaluator call failed: reported once per distinct error; true
    /// (with the stop reason set) at the fifth failed call in a row.
    func noteCallFailure(_ why: String, _ tally: inout SearchTally) -> Bool {
        if why != tally.lastEvaluatorError { config.onEvent?(.evaluatorError(why)) }
        tally.lastEvaluatorError = why
        tally.consecutiveEvaluatorErrors += 1
        guard tally.consecutiveEvaluatorErrors >= 5 else { return false }
        tally.stopReason = "evaluator failed 5 times in a row: \(why)"
        return true
    }

    /// The round's evaluations join the history (and the de-duplication map).
    /// A multi-fidelity evaluation carries its `fidelity` and `checkpoint`;
    /// only `bestEligible` ones (the top rung) can be the best.
    func record(_ answers: [Int: EvaluationAnswer], in round: inout SearchRound, _ tally: inout SearchTally,
                fidelity: [String: Double]? = nil, checkpoint: String? = nil, bestEligible: Bool = true) {
        let objs = objectives
        for i in round.toEvaluate {
            let r = answers[i]!
            let g = round.canon[i]
            let objValues = objectiveValues(evaluatorMetrics: r.metrics, costRow: round.rows[i])
            let reward = objValues.isEmpty ? nil : self.reward(objValues[0], evaluatorMetrics: r.metrics, costRow: round.rows[i])
            let ok = r.ok && objValues.allSatisfy(\.isFinite) && (reward?.isFinite ?? true)
            round.outcomes[i] = ok ? HWNAS_OUTCOME_EVALUATED : HWNAS_OUTCOME_FAILED
            if ok {
                round.objectiveRows[i] = zip(objs, objValues).map { $0.oriented($1) }
                if let reward { round.objectiveRows[i][0] = reward }
            }
            if !ok { tally.failed += 1 }
            if r.replayed { tally.replayed += 1 }
            var rec = EvaluationRecord(
                step: tally.history.count + 1, arch: config.space.canonical(g), genotype: g, status: ok ? "ok" : "failed",
                objective: ok ? objValues[0] : nil,
                objectives: ok ? Dictionary(uniqueKeysWithValues: zip(objs.map(\.metric), objValues)) : [:],
                metrics: Dictionary(uniqueKeysWithValues: zip(evaluator.metricNames, r.metrics).filter { $0.1.isFinite }),
                costs: costs.named(round.rows[i]), replayed: r.replayed, reward: ok ? reward : nil,
                reason: ok ? nil : failureReason(r, objValues: objValues, reward: reward))
            rec.fidelity = fidelity
            rec.checkpoint = checkpoint
            evaluated[g] = rec
            tally.history.append(rec)
            if ok, bestEligible, tally.best.map({ rank($0) < rank(rec) }) ?? true { tally.best = rec }
        }
        tally.idle = round.toEvaluate.isEmpty ? tally.idle + round.asked.count : 0
    }

    /// Why a recorded evaluation failed: the evaluator's reason, else the
    /// objective or reward it could not give.
    func failureReason(_ r: EvaluationAnswer, objValues: [Double], reward: Double?) -> String {
        if let why = r.reason { return why }
        if !r.ok { return Self.noValue }
        if let k = objValues.firstIndex(where: { !$0.isFinite }) { return "no value for objective \(objectives[k])" }
        return "the soft constraints' reward is not a number (a metric they need is missing or not positive)"
    }

    /// Tells the strategy everything it asked, in ask order; the error text
    /// when the strategy failed.
    func tell(_ strategy: SearchStrategy, _ round: SearchRound, _ tally: inout SearchTally) -> String? {
        let t1 = Date()
        defer { tally.strategySeconds += Date().timeIntervalSince(t1) }
        do {
            try strategy.tell(genotypes: round.asked.flatMap { $0 }, count: round.asked.count, dims: config.space.nDims,
                              outcomes: round.outcomes, objectives: round.objectiveRows.flatMap { $0 }, nObjectives: objectives.count,
                              metrics: round.rows.flatMap { $0 }, metricNames: metricCNames, nMetrics: costs.metricNames.count)
        } catch { return "\(error)" }
        return nil
    }

    func progress(_ t: SearchTally, start: Date) -> SearchProgress {
        SearchProgress(evaluations: t.history.count, budget: config.budget, seconds: Date().timeIntervalSince(start),
                       metric: objectives[0].metric, best: t.best, infeasible: t.infeasible, duplicates: t.duplicates, failed: t.failed)
    }

    func result(_ t: SearchTally, start: Date) -> SearchResult {
        let best = t.best
        return SearchResult(
            space: config.space.name, profile: config.profile.name, profile_path: config.profile.path,
            profile_fingerprint: profileFingerprint, strategy: config.strategy, evaluator: config.evaluator,
            objectives: objectives.map(\.description), constraints: config.constraints.map(\.description),
            soft_constraints: config.softConstraints.isEmpty ? nil : config.softConstraints.map(\.description), seed: config.seed,
            budget: config.budget,
            best: best.map { BestCandidate(arch: $0.arch, genotype: $0.genotype, objective: $0.objective!, costs: $0.costs, reward: $0.reward) },
            feasible: best != nil, evaluations: t.history.count, failed_evaluations: t.failed, replayed_evaluations: t.replayed,
            infeasible_skipped: t.infeasible, duplicates_skipped: t.duplicates, proposals: t.proposals, stop_reason: t.stopReason,
            wall_seconds: Date().timeIntervalSince(start), strategy_seconds: t.strategySeconds, history: t.history,
            pareto: nil, notes: notes + costs.warnings.map { "warning: " + $0 }
                + (journal.map { $0.skippedLines > 0 ? ["journal: skipped \($0.skippedLines) unreadable line(s)"] : [] } ?? []))
    }
}
