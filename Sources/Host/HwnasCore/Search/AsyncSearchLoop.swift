// The asynchronous search loop (`--schedule async`): one evaluator instance
// per worker (or one for all, when it takes concurrent calls); whenever a
// worker frees up the strategy is asked for another candidate, and each
// result is recorded, journaled and told as it arrives, in completion
// order. No worker waits for the slowest of a round.
//
// Resume: the journal is in completion order, and a candidate it holds is
// "evaluated" again by a virtual worker that finishes in journal order
// before any real one, so a resumed search asks and tells what the first run
// did (the same seed and the same completion order give the same search).
import CHwnasABI
import Foundation

/// One candidate on its way to a worker.
struct WorkerJob {
    let asked: [Int32]
    let canon: [Int32]
    let row: [Double]
    /// Its line in the journal when it is replayed from there.
    var journalPosition: Int? = nil
    /// A multi-fidelity search's rung, its fidelity and the evaluator request.
    var rung: Int? = nil
    var fidelity: [String: Double]? = nil
    var request: String? = nil
}

/// A worker's finished job, handed to the loop.
struct WorkerCompletion {
    let worker: Int
    let job: WorkerJob
    let answer: EvaluationAnswer
    /// The whole call failed (its error), rather than the evaluation.
    let callError: String?
    let seconds: Double
}

/// Completions from the workers' threads, taken by the loop in arrival order.
final class CompletionQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [WorkerCompletion] = []

    func push(_ c: WorkerCompletion) {
        condition.lock(); items.append(c); condition.signal(); condition.unlock()
    }

    func pop() -> WorkerCompletion {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        return items.removeFirst()
    }
}

extension SearchRound {
    /// The candidates at `indices`, as a round of their own (for a tell).
    func subset(_ indices: [Int]) -> SearchRound {
        SearchRound(asked: indices.map { asked[$0] }, canon: indices.map { canon[$0] }, rows: indices.map { rows[$0] },
                    outcomes: indices.map { outcomes[$0] }, objectiveRows: indices.map { objectiveRows[$0] })
    }
}

extension SearchRunner {
    func asyncLoop(_ strategy: SearchStrategy, workers: [SearchEvaluator], start: Date) throws -> SearchResult {
        var tally = SearchTally()
        var idle = Array(workers.indices)
        var inFlight: [[Int32]: Int] = [:]
        var replaying: [WorkerCompletion] = []
        var stopping = false
        /// A strategy that failed is told nothing more.
        var strategyBroken = false
        var busySeconds = 0.0
        let queue = CompletionQueue()
        let threads = workers.indices.map { DispatchQueue(label: "hwnas.search.worker\($0)") }
        func started() -> Int { tally.history.count + inFlight.count + replaying.count }
        // Multi-fidelity: the rungs and each candidate's screening row.
        var ladder = config.fidelity.map { FidelityLadder(spec: $0, scheduler: config.scheduler) }
        var startedAs: [[Int32]: (asked: [Int32], row: [Double])] = [:]
        var fidelitySpent = 0.0

        /// A job to a free worker, or to a virtual one when the journal has its result.
        func launch(_ job: WorkerJob) {
            let w = idle.removeFirst()
            let arch = config.space.canonical(job.canon)
            if let answer = journalAnswer(arch, fidelity: job.fidelity) {
                var replay = job
                replay.journalPosition = journal?.position(arch, fidelity: job.fidelity)
                replaying.append(WorkerCompletion(worker: w, job: replay, answer: answer, callError: nil, seconds: 0))
                return
            }
            inFlight[job.canon] = w
            dispatch(job, to: w, evaluator: workers[w], on: threads[w], queue: queue)
        }

        /// The job of `g` at `rung`, its fidelity spent (false: over --fidelity-budget).
        func rungJob(_ g: [Int32], rung: Int) -> WorkerJob? {
            guard let spec = config.fidelity, let first = startedAs[g] else { return nil }
            let resume = rung > 0 ? ladder?.checkpoints[g] : nil
            // A resumed evaluation costs the difference; a restarted one all of it.
            let cost = spec.rungs[rung] - (resume != nil ? spec.rungs[rung - 1] : 0)
            if let limit = config.fidelityBudget, fidelitySpent + cost > limit * (1 + 1e-9) {
                tally.stopReason = "fidelity budget \(compactNumber(limit)) \(spec.name) spent (\(compactNumber(fidelitySpent)))"
                stopping = true
                return nil
            }
            fidelitySpent += cost
            return WorkerJob(asked: first.asked, canon: g, row: first.row, rung: rung, fidelity: [spec.name: spec.rungs[rung]],
                             request: spec.request(rung: rung, resume: resume))
        }

        while true {
            // Every free worker gets a candidate while the budget allows.
            fill: while !stopping, !idle.isEmpty, started() < config.budget {
                var startRung = 0
                if var l = ladder {
                    let decision = l.decide()
                    ladder = l
                    switch decision {
                    case .wait: break fill
                    case .promote(let g, let rung):
                        guard let job = rungJob(g, rung: rung) else { break fill }
                        ladder?.sent(g, rung: rung)
                        launch(job)
                        continue fill
                    case .start(let rung): startRung = rung
                    }
                }
                let want = ladder != nil ? 1 : min(idle.count, config.budget - started())
                guard var round = try ask(strategy, &tally, want: want) else {
                    strategyBroken = !["strategy exhausted", "strategy proposed nothing"].contains(tally.stopReason)
                    // No new candidates: the rungs still promote what they hold.
                    if ladder != nil, !strategyBroken { ladder?.close(); continue fill }
                    stopping = true
                    break
                }
                round = try screen(round, &tally, busy: Set(inFlight.keys).union(replaying.map(\.job.canon)))
                let screenedOut = round.asked.indices.filter { !round.toEvaluate.contains($0) }
                if !screenedOut.isEmpty, let e = tell(strategy, round.subset(screenedOut), &tally) {
                    tally.stopReason = e; stopping = true; strategyBroken = true; break
                }
                if round.toEvaluate.isEmpty {
                    tally.idle += round.asked.count
                    if tally.idle >= config.maxIdleProposals {
                        tally.stopReason = "\(tally.idle) proposals in a row were infeasible or repeated"
                        if ladder != nil { ladder?.close(); continue fill }
                        stopping = true
                    }
                    continue
                }
                tally.idle = 0
                for i in round.toEvaluate {
                    guard ladder != nil else {
                        launch(WorkerJob(asked: round.asked[i], canon: round.canon[i], row: round.rows[i]))
                        continue
                    }
                    startedAs[round.canon[i]] = (round.asked[i], round.rows[i])
                    guard let job = rungJob(round.canon[i], rung: startRung) else { break fill }
                    ladder?.started(round.canon[i], rung: startRung)
                    launch(job)
                }
            }
            // The next completion: a replay first (in journal order), else a worker's.
            let c: WorkerCompletion
            if let k = replaying.indices.min(by: { (replaying[$0].job.journalPosition ?? 0) < (replaying[$1].job.journalPosition ?? 0) }) {
                c = replaying.remove(at: k)
            } else if !inFlight.isEmpty {
                c = queue.pop()
                inFlight[c.job.canon] = nil
                busySeconds += c.seconds
            } else { break }
            idle.append(c.worker)
            idle.sort()
            if let why = c.callError {
                if noteCallFailure(why, &tally) { stopping = true }
            } else if !c.answer.replayed {
                tally.consecutiveEvaluatorErrors = 0
            }
            var round = SearchRound(asked: [c.job.asked], canon: [c.job.canon], rows: [c.job.row],
                                    outcomes: [HWNAS_OUTCOME_INFEASIBLE],
                                    objectiveRows: [Array(repeating: .nan, count: objectives.count)], toEvaluate: [0])
            let top = c.job.rung == nil || c.job.rung == (config.fidelity?.rungs.count ?? 1) - 1
            record([0: c.answer], in: &round, &tally, fidelity: c.job.fidelity, checkpoint: c.answer.checkpoint, bestEligible: top)
            if let rung = c.job.rung {
                let ok = round.outcomes[0] == HWNAS_OUTCOME_EVALUATED
                ladder?.finished(c.job.canon, rung: rung, values: ok ? round.objectiveRows[0] : nil, checkpoint: c.answer.checkpoint)
            }
            // The strategy hears of each candidate once: its first result.
            let first = c.job.rung.map { $0 == ladder?.startRung[c.job.canon] } ?? true
            if first, !strategyBroken, let e = tell(strategy, round, &tally) {
                tally.stopReason = e; stopping = true; strategyBroken = true
            }
            var p = progress(tally, start: start)
            p.workers = (busy: inFlight.count + replaying.count, total: workers.count)
            config.onEvent?(.round(p))
            if stopsAfterRound(&tally) { stopping = true }
        }
        var fallbackNote: String?
        if let spec = config.fidelity, tally.best == nil {
            // Nothing reached the top rung: the best of the highest rung reached, said so.
            let ok = tally.history.filter { $0.status == "ok" }
            let highest = ok.compactMap { $0.fidelity?[spec.name] }.max()
            if let highest, let b = ok.filter({ $0.fidelity?[spec.name] == highest }).max(by: { rank($0) < rank($1) }) {
                tally.best = b
                fallbackNote = "no candidate reached \(spec.name)=\(compactNumber(spec.max)): the best is the best at \(spec.name)=\(compactNumber(highest))"
            }
        }
        var r = result(tally, start: start)
        r.workers = WorkerUse(count: workers.count, busy_seconds: busySeconds,
                              utilisation: r.wall_seconds > 0 ? busySeconds / (Double(workers.count) * r.wall_seconds) : 0)
        if let spec = config.fidelity {
            r.fidelity = spec.description
            r.scheduler = config.scheduler.rawValue
            r.fidelity_spent = fidelitySpent
            if let fallbackNote { r.notes.append("warning: " + fallbackNote) }
        }
        return r
    }

    /// Evaluates `job` on worker `w`'s thread; the result is journaled there
    /// (nothing finished is lost) and handed to the loop through `queue`.
    private func dispatch(_ job: WorkerJob, to w: Int, evaluator ev: SearchEvaluator, on thread: DispatchQueue, queue: CompletionQueue) {
        // Networks are built here, on the loop's thread (the factory is not shared across threads).
        let network: Result<[CNetwork]?, Error> = Result { try costs.networks.map { f in [try f.build(job.canon)] } }
        let space = config.space, names = evaluator.metricNames
        let box = UncheckedBox((self, ev))
        thread.async {
            let (runner, ev) = box.value
            let t0 = Date()
            var answer: EvaluationAnswer
            var callError: String?
            do {
                let batch = CandidateBatch(space: space, genotypes: [job.canon], networks: try network.get(),
                                           requests: job.request.map { [$0] })
                let out = try batch.with(minor: ev.descriptor.abiMinor) { b in try ev.evaluate(b, onResult: nil) }[0]
                answer = EvaluationAnswer(ok: out.ok, metrics: out.metrics, replayed: false, reason: out.reason,
                                          checkpoint: out.texts["checkpoint"])
            } catch {
                callError = "\(error)"
                answer = EvaluationAnswer(ok: false, metrics: Array(repeating: .nan, count: names.count), replayed: false, reason: "\(error)")
            }
            runner.journalResult(job.canon, job.row, answer.ok, answer.metrics, reason: answer.reason, fidelity: job.fidelity,
                                 checkpoint: answer.checkpoint)
            queue.push(WorkerCompletion(worker: w, job: job, answer: answer, callError: callError, seconds: Date().timeIntervalSince(t0)))
        }
    }
}

/// Hands non-Sendable references to a worker's thread; the loop guarantees
/// that one evaluator instance is used by one thread at a time, unless it
/// declared that it takes concurrent calls.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
