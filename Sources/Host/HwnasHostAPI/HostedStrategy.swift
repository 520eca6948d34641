// A strategy plugin driven from outside a search (the host API, Python's
// ask/tell), screened as the search loop screens: with a profile and
// constraints, ask hands out only feasible proposals (the others are told
// to the strategy as infeasible at once), never one already told or still
// outstanding (told as a duplicate); the budget counts told results plus
// outstanding ones; tell takes only genotypes it asked, in the objectives'
// own units (the host orients them and fills profile metrics).
import CHwnasABI
import Foundation
import HwnasCore

public final class HostedStrategy: @unchecked Sendable {
    public let space: SearchSpace
    private var strategy: LoadedStrategy?
    private let costs: HardwareCosts?
    private let gate: ConstraintGate
    public let objectives: [Objective]
    /// Per objective: the profile metric it is filled from when a tell
    /// gives only the others' values (nil: the caller's).
    private let profileSource: [Int?]
    /// The strategy's context (its metric names go with every tell).
    private var context: StrategyContext?
    /// Told candidates (canonical) and what the strategy was told for them
    /// (oriented objectives, NaN when the evaluation failed).
    private var told: [[Int32]: [Double]] = [:]
    private let budget: Int
    /// Asked and not yet told: by genotype as asked, with multiplicity, and
    /// by canonical genotype (a second proposal of one is a duplicate).
    private var outstanding: [[Int32]: Int] = [:]
    private var outstandingCanonical: [[Int32]: Int] = [:]
    private var toldCount = 0
    /// Stop asking the strategy after this many proposals in a row were
    /// screened out (the search loop's limit).
    static let maxIdleProposals = SearchConfiguration.defaultMaxIdleProposals
    /// Why ask answered exhausted, when it was the screening.
    public private(set) var stopReason: String?
    let objectiveNames: [UnsafeMutablePointer<CChar>]

    public init(registry: PluginRegistry, id: String, space: SearchSpace, seed: UInt64, budget: Int,
                options: [String: String], costs: HardwareCosts?, constraints: [Constraint] = [], objectives: [Objective] = []) throws {
        self.space = space
        self.costs = costs
        self.budget = max(budget, 1)
        if !constraints.isEmpty && costs == nil {
            throw HwnasError("constraints \(constraints.map(\.description).joined(separator: ", ")) need a profile to price proposals")
        }
        let metricNames = costs?.metricNames ?? []
        let gate = try ConstraintGate(constraints, metricNames: metricNames, profile: costs?.profile.name ?? "")
        self.gate = gate
        let objectives = objectives.isEmpty ? [Objective(metric: "objective", maximize: true)] : objectives
        guard Set(objectives.map(\.metric)).count == objectives.count else {
            throw HwnasError("objectives \(objectives.map(\.description)) name a metric twice")
        }
        self.objectives = objectives
        profileSource = objectives.map { metricNames.firstIndex(of: $0.metric) }
        objectiveNames = objectives.map { strdup($0.description)! }
        let context = StrategyContext(
            space: CSearchSpace(space), objectives: objectives.map(\.metric), metricNames: metricNames, seed: seed,
            budget: max(budget, 1),
            queryCosts: { gs in
                guard let costs else { return (gs.map { _ in 1 }, []) }
                guard let rows = try? costs.costs(gs) else { return nil }
                return (rows.map { gate.feasible($0) ? 1 : 0 }, rows.flatMap { $0 })
            },
            isEvaluated: { [unowned self] g in self.told[space.canonicalize(g)] != nil })
        let (d, lib) = try registry.lookup(.strategy, id)
        strategy = try LoadedStrategy(d, library: lib, context: context, options: options)
        self.context = context
    }

    deinit { objectiveNames.forEach { free($0) } }

    public var dims: Int { space.nDims }

    /// How many values a tell gives per genotype when the profile fills its metrics.
    public var userObjectiveCount: Int { profileSource.filter { $0 == nil }.count }

    /// Up to `max` screened genotypes; nil when the strategy has nothing
    /// left, the budget is spent (told plus asked and not yet told) or
    /// 200,000 proposals in a row were screened out.
    public func ask(max: Int) throws -> [[Int32]]? {
        guard let s = strategy, let context else { return nil }
        let remaining = budget - toldCount - outstanding.values.reduce(0, +)
        guard remaining > 0 else { return nil }
        guard max > 0 else { return [] }
        let want = min(max, remaining)
        var out: [[Int32]] = []
        var idle = 0
        while out.count < want {
            guard let gs = try s.ask(max: want - out.count, dims: space.nDims), !gs.isEmpty else { break }
            for g in gs { try space.validate(g) }
            let canon = space.canonicalize(gs)
            let rows = try costs?.costs(canonical: canon)
            var screened: [(genotype: [Int32], outcome: Int32, values: [Double], row: [Double])] = []
            for (i, g) in gs.enumerated() {
                let row = rows?[i] ?? []
                let none = [Double](repeating: .nan, count: objectives.count)
                if let prior = told[canon[i]] {
                    screened.append((g, HWNAS_OUTCOME_DUPLICATE, prior, row))
                } else if outstandingCanonical[canon[i], default: 0] > 0 {
                    screened.append((g, HWNAS_OUTCOME_DUPLICATE, none, row))
                } else if rows != nil && !gate.feasible(row) {
                    screened.append((g, HWNAS_OUTCOME_INFEASIBLE, none, row))
                } else {
                    out.append(g)
                    outstanding[g, default: 0] += 1
                    outstandingCanonical[canon[i], default: 0] += 1
                }
            }
            if !screened.isEmpty {
                try s.tell(genotypes: screened.flatMap(\.genotype), count: screened.count, dims: space.nDims,
                           outcomes: screened.map(\.outcome), objectives: screened.flatMap(\.values), nObjectives: objectives.count,
                           metrics: screened.flatMap(\.row), metricNames: context.metricNames, nMetrics: costs?.metricNames.count ?? 0)
            }
            idle = screened.count == gs.count ? idle + gs.count : 0
            if idle >= Self.maxIdleProposals {
                stopReason = "\(idle) proposals in a row were infeasible or repeated"
                break
            }
        }
        return out.isEmpty ? nil : out
    }

    /// Results of asked genotypes, one value each (version 1's tell: its
    /// strategies have the one objective "objective:max", larger is better),
    /// NaN for a failure.
    public func tell(genotypes: [[Int32]], objectives values: [Double]) throws {
        guard values.count == genotypes.count else { throw HwnasError("tell: \(genotypes.count) genotypes but \(values.count) objectives") }
        guard objectives.count == 1 else {
            throw HwnasError("tell: this strategy has \(objectives.count) objectives (\(objectives.map(\.description).joined(separator: ", "))): give a value per objective")
        }
        try tell(genotypes: genotypes, values: values.map { [$0] })
    }

    /// Results of asked genotypes: per genotype a value for every objective,
    /// or for those that are not profile metrics (the profile fills the
    /// rest), in their own units and directions; NaN anywhere: failed.
    public func tell(genotypes: [[Int32]], values: [[Double]]) throws {
        guard let s = strategy, let context else { return }
        guard genotypes.count == values.count else { throw HwnasError("tell: \(genotypes.count) genotypes but \(values.count) rows of values") }
        let k = objectives.count, user = userObjectiveCount
        for row in values where row.count != k && row.count != user {
            let filled = objectives.enumerated().filter { profileSource[$0.offset] != nil }.map(\.element.metric)
            throw HwnasError("tell: a row has \(row.count) values; the objectives are \(objectives.map(\.description).joined(separator: ", ")) "
                + "(give \(k) per genotype" + (user != k ? ", or \(user) and the profile fills \(filled.joined(separator: ", ")))" : ")"))
        }
        for g in genotypes { try space.validate(g) }
        // Only what was asked, once: a result for anything else would teach
        // the strategy about a candidate it never proposed.
        var pending = outstanding
        for g in genotypes {
            guard let n = pending[g], n > 0 else {
                throw HwnasError("tell: genotype \(g) was not asked by this strategy, or its result was told already")
            }
            pending[g] = n == 1 ? nil : n - 1
        }
        let canon = space.canonicalize(genotypes)
        let rows = try costs?.costs(canonical: canon) ?? []
        var oriented: [[Double]] = []
        var outcomes: [Int32] = []
        for (i, given) in values.enumerated() {
            var next = given.makeIterator()
            let full: [Double] = given.count == k ? given : objectives.indices.map { j in
                profileSource[j].map { rows[i][$0] } ?? next.next()!
            }
            let ok = full.allSatisfy(\.isFinite)
            outcomes.append(ok ? HWNAS_OUTCOME_EVALUATED : HWNAS_OUTCOME_FAILED)
            oriented.append(ok ? zip(objectives, full).map { $0.oriented($1) } : [Double](repeating: .nan, count: k))
        }
        outstanding = pending
        for c in canon { outstandingCanonical[c] = outstandingCanonical[c, default: 1] > 1 ? outstandingCanonical[c]! - 1 : nil }
        toldCount += genotypes.count
        try s.tell(genotypes: genotypes.flatMap { $0 }, count: genotypes.count, dims: space.nDims, outcomes: outcomes,
                   objectives: oriented.flatMap { $0 }, nObjectives: k, metrics: rows.flatMap { $0 },
                   metricNames: context.metricNames, nMetrics: costs?.metricNames.count ?? 0)
        for (c, (o, v)) in zip(canon, zip(outcomes, oriented)) where o == HWNAS_OUTCOME_EVALUATED { told[c] = v }
    }
}
