// NSGA-II (Deb et al. 2002) for several objectives at once. Hard constraints
// are filters: only screened-feasible, unseen children are proposed. The
// objectives are the host's (already "larger is better") plus, optionally,
// cost metrics to minimise (e.g. latency_ms), read from the told metrics.
// Generation loop: binary tournament on (front rank, crowding distance),
// uniform crossover, per-dimension mutation; parents + children are reduced
// to the population size front by front, the last front by crowding.
import HwnasStrategies
import HwnasPluginSupport

public final class NSGA2Search: SearchAlgorithm {
    public struct Settings: Sendable {
        public var populationSize = 20
        public var crossoverRate = 0.9
        /// Cost metrics minimised as extra objectives.
        public var costObjectives: [String] = []
        public init() {}
    }

    struct Member {
        let genotype: [Int32]
        let objectives: [Double]
        var rank = 0
        var crowding = 0.0
    }

    let setup: SearchSetup
    let settings: Settings
    let gate: CandidateGate
    let costIndices: [Int]
    var rng: SplitMix64
    var population: [Member] = []
    var offspring: [Member] = []
    public private(set) var generations = 0

    public init(_ setup: SearchSetup, settings: Settings = Settings()) throws {
        self.setup = setup; self.settings = settings
        gate = CandidateGate(oracle: setup.oracle)
        costIndices = try settings.costObjectives.map { name in
            guard let i = setup.oracle.metricNames.firstIndex(of: name) else {
                throw PluginError("nsga2: no cost metric '\(name)' (metrics: \(setup.oracle.metricNames.joined(separator: ", ")))")
            }
            return i
        }
        guard settings.populationSize >= 4 else { throw PluginError("nsga2: population must be >= 4") }
        rng = SplitMix64(seed: setup.seed)
    }

    /// Objective vectors of the current population's first front.
    public var currentFront: [[Double]] { population.filter { $0.rank == 0 }.map(\.objectives) }

    public func ask(maxCount: Int) throws -> [[Int32]] {
        var out: [[Int32]] = []
        while out.count < maxCount {
            var child: [Int32]?
            if population.count >= 2 {
                child = try gate.firstAdmissible(tries: 512) { makeChild() }
            }
            if child == nil { child = try gate.anyAdmissible(space: setup.space, rng: &rng) }
            guard let c = child else { break }
            gate.markProposed(c); out.append(c)
        }
        return out
    }

    public func tell(_ observations: [Observation]) throws {
        for o in observations {
            gate.markProposed(o.genotype)
            guard o.evaluated, !o.objectives.isEmpty else { continue }
            var f = o.objectives
            for i in costIndices { f.append(i < o.metrics.count ? -o.metrics[i] : .nan) }
            guard f.allSatisfy(\.isFinite) else { continue }
            offspring.append(Member(genotype: o.genotype, objectives: f))
        }
        if offspring.count >= settings.populationSize || (population.isEmpty && offspring.count >= 2) {
            population = Self.select(population + offspring, keep: settings.populationSize)
            offspring.removeAll()
            generations += 1
        }
    }

    func tournament() -> Member {
        let a = population[Int.random(in: 0..<population.count, using: &rng)]
        let b = population[Int.random(in: 0..<population.count, using: &rng)]
        if a.rank != b.rank { return a.rank < b.rank ? a : b }
        return a.crowding >= b.crowding ? a : b
    }

    func makeChild() -> [Int32] {
        let p1 = tournament().genotype, p2 = tournament().genotype
        var c = p1
        if rng.unit() < settings.crossoverRate {
            for d in 0..<c.count where Bool.random(using: &rng) { c[d] = p2[d] }
        }
        let rate = 1.0 / Double(max(1, setup.space.nDims))
        for d in 0..<c.count where setup.space.choiceCounts[d] > 1 && rng.unit() < rate {
            c[d] = Int32(Int.random(in: 0..<setup.space.choiceCounts[d], using: &rng))
        }
        if c == p1 || c == p2 { c = setup.space.mutate(c, &rng) }
        return c
    }

    /// Environmental selection: whole fronts while they fit, then the most
    /// spread-out members of the next front.
    static func select(_ members: [Member], keep: Int) -> [Member] {
        let fronts = NondominatedSorting.fronts(members.map(\.objectives))
        var out: [Member] = []
        for (rank, front) in fronts.enumerated() {
            let crowd = NondominatedSorting.crowdingDistance(front.map { members[$0].objectives })
            var layer = front.enumerated().map { k, i -> Member in
                var m = members[i]; m.rank = rank; m.crowding = crowd[k]; return m
            }
            if out.count + layer.count > keep {
                layer.sort { $0.crowding > $1.crowding }
                out += layer.prefix(keep - out.count)
                break
            }
            out += layer
        }
        return out
    }
}

/// Fast non-dominated sorting and crowding distance (maximisation).
enum NondominatedSorting {
    static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var strictly = false
        for k in 0..<a.count {
            if a[k] < b[k] { return false }
            if a[k] > b[k] { strictly = true }
        }
        return strictly
    }

    /// Indices of each front, best front first.
    static func fronts(_ points: [[Double]]) -> [[Int]] {
        let n = points.count
        var dominatedBy = [Int](repeating: 0, count: n)
        var dominating = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                if dominates(points[i], points[j]) { dominating[i].append(j); dominatedBy[j] += 1 }
                else if dominates(points[j], points[i]) { dominating[j].append(i); dominatedBy[i] += 1 }
            }
        }
        var fronts: [[Int]] = []
        var current = (0..<n).filter { dominatedBy[$0] == 0 }
        while !current.isEmpty {
            fronts.append(current)
            var next: [Int] = []
            for i in current {
                for j in dominating[i] {
                    dominatedBy[j] -= 1
                    if dominatedBy[j] == 0 { next.append(j) }
                }
            }
            current = next
        }
        return fronts
    }

    static func crowdingDistance(_ points: [[Double]]) -> [Double] {
        let n = points.count
        guard n > 2 else { return [Double](repeating: .infinity, count: n) }
        var d = [Double](repeating: 0, count: n)
        for k in 0..<points[0].count {
            let order = (0..<n).sorted { points[$0][k] < points[$1][k] }
            let lo = points[order[0]][k], hi = points[order[n - 1]][k]
            d[order[0]] = .infinity; d[order[n - 1]] = .infinity
            guard hi > lo else { continue }
            for r in 1..<(n - 1) { d[order[r]] += (points[order[r + 1]][k] - points[order[r - 1]][k]) / (hi - lo) }
        }
        return d
    }
}
