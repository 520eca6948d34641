// `hwnas plugins validate`: loads a library and exercises what it offers the
// way the host will, collecting problems instead of stopping at the first.
// Strategies run ask/tell on a made-up space; search spaces are created and
// round-tripped; cost models and evaluators price and score a few networks
// of a real space. The CLI runs this in a child process with PluginCall's
// crash line and watchdog, so a crash or a hang is one "problem:" line.
import CHwnasABI
import Foundation
import HwnasCore

public enum PluginValidator {
    /// Where cost models and evaluators are exercised, and the options
    /// given to every plugin that declares them (e.g. a table's `file`).
    public struct Subject {
        public var space: SearchSpace?
        public var networks: NetworkFactory?
        public var options: [String: String]
        /// A hardware profile's section options, by cost model id.
        public var modelOptions: [String: [String: String]] = [:]
        public init(space: SearchSpace?, networks: NetworkFactory?, options: [String: String]) {
            self.space = space; self.networks = networks; self.options = options
        }
    }

    /// Reports each problem (and "note:"s) through `report` as it is found,
    /// so a later crash cannot swallow it; returns the number of problems.
    @discardableResult
    public static func validate(path: String, subject: Subject, report: (String) -> Void) -> Int {
        var count = 0
        func problem(_ p: String) { count += 1; report("problem: \(p)") }
        let lib: PluginLibrary
        do { lib = try PluginLibrary(path: path) } catch { problem("\(error)"); return count }
        var ids = Set<String>()
        for d in lib.descriptors where !ids.insert("\(d.kind.rawValue)/\(d.id)").inserted {
            problem("\(path): duplicate \(d.kind.rawValue) id '\(d.id)'")
        }
        // A made-up space of 15,625 genotypes: strategies must not depend on
        // any particular space.
        let cspace = CSearchSpace(name: "validator-space", dimNames: (0..<6).map { "d\($0)" },
                                  choices: Array(repeating: ["a", "b", "c", "d", "e"], count: 6))
        for kind in PluginKind.allCases where lib.factory(kind) != nil {
            if let p = checkUnknownID(lib, kind, cspace) { problem("\(path): \(p)") }
        }
        for d in lib.descriptors {
            var options = subject.options.filter { k, _ in d.options?.contains { $0.key == k } ?? true }
            if d.kind == .costModel, let section = subject.modelOptions[d.id] { options.merge(section) { given, _ in given } }
            let what = "\(d.kind.rawValue) '\(d.id)'"
            switch d.kind {
            case .strategy:
                for p in exerciseStrategy(d, lib, cspace, options) { problem("\(path): \(what): \(p)") }
            case .searchSpace:
                for p in exerciseSpace(d, lib, options, report) { problem("\(path): \(what): \(p)") }
            case .costModel, .evaluator:
                guard let space = subject.space else {
                    report("note: \(what) not exercised: no space to price or score (see --space)"); continue
                }
                let problems = d.kind == .costModel
                    ? exerciseCostModel(d, lib, space, subject.networks, options, report)
                    : exerciseEvaluator(d, lib, space, subject.networks, options, report)
                for p in problems { problem("\(path): \(what): \(p)") }
            case .operatorSet:
                break   // exercised through the networks the space builds
            }
        }
        return count
    }

    /// A plugin that cannot be created with the options it was given is a
    /// problem only when it declares none missing: a `file` it requires is
    /// the user's to give (`--option`).
    static func createFailed(_ d: PluginDescriptorInfo, _ options: [String: String], _ error: Error,
                             _ report: (String) -> Void) -> [String] {
        let missing = (d.options ?? []).filter { $0.required && options[$0.key] == nil }.map(\.key)
        if !missing.isEmpty {
            report("note: \(d.kind.rawValue) '\(d.id)' not exercised: it needs option(s) \(missing.joined(separator: ", ")) (give them with --option KEY=VALUE, or --profile for a cost model)")
            return []
        }
        return ["create failed: \(error)"]
    }

    /// A few genotypes of `space` (seeded), canonical.
    static func sample(_ space: SearchSpace, count: Int) -> [[Int32]] {
        var rng = SplitMix64(state: 11)
        return (0..<count).map { _ in space.canonicalize(space.randomGenotype(&rng)) }
    }

    /// A few sampled candidates with their networks, as the host passes them.
    static func sampleBatch(_ space: SearchSpace, _ networks: NetworkFactory?, count: Int) throws -> ([[Int32]], CandidateBatch) {
        let genotypes = sample(space, count: count)
        let nets = try networks.map { f in try genotypes.map { try f.build(canonical: $0) } }
        return (genotypes, CandidateBatch(space: space, genotypes: genotypes, networks: nets))
    }

    static func exerciseSpace(_ d: PluginDescriptorInfo, _ lib: PluginLibrary, _ options: [String: String],
                              _ report: (String) -> Void) -> [String] {
        let space: SearchSpace
        // Loading checks that strings and genotypes round-trip.
        do { space = try SpaceCatalog.load(plugin: d, library: lib, options: options, source: "plugin \(d.id)") } catch { return createFailed(d, options, error, report) }
        var problems: [String] = []
        for g in sample(space, count: 20) {
            let s = space.canonical(g)
            guard let back = try? space.parse(s) else { problems.append("cannot parse its own string '\(s)'"); break }
            if space.canonicalize(back) != g { problems.append("'\(s)' parses to \(back), not \(g)"); break }
        }
        return problems
    }

    static func exerciseCostModel(_ d: PluginDescriptorInfo, _ lib: PluginLibrary, _ space: SearchSpace, _ networks: NetworkFactory?,
                                  _ options: [String: String], _ report: (String) -> Void) -> [String] {
        let cspace = CSearchSpace(space)
        let model: LoadedCostModel
        do { model = try LoadedCostModel(d, library: lib, space: cspace, options: options) } catch {
            return createFailed(d, options, error, report)
        }
        do {
            let (genotypes, batch) = try sampleBatch(space, networks, count: 4)
            let rows = try batch.with(minor: d.abiMinor) { try model.estimate($0) }
            for (k, row) in rows.enumerated() {
                for (j, v) in row.enumerated() where HardwareCosts.isImpossibleCost(v) {
                    return ["estimate gave \(model.metricNames[j]) = \(v) for \(space.canonical(genotypes[k])) (costs are finite and >= 0; NaN means unknown)"]
                }
            }
            _ = batch.with(minor: d.abiMinor) { model.explain($0) }
            report("note: cost model '\(d.id)' priced \(rows.count) networks of \(space.name): \(model.metricNames.joined(separator: ", "))")
        } catch { return ["estimate: \(error)"] }
        return []
    }

    static func exerciseEvaluator(_ d: PluginDescriptorInfo, _ lib: PluginLibrary, _ space: SearchSpace, _ networks: NetworkFactory?,
                                  _ options: [String: String], _ report: (String) -> Void) -> [String] {
        let cspace = CSearchSpace(space)
        let evaluator: LoadedEvaluator
        do { evaluator = try LoadedEvaluator(d, library: lib, space: cspace, options: options) } catch {
            return createFailed(d, options, error, report)
        }
        do {
            let (genotypes, batch) = try sampleBatch(space, networks, count: 2)
            let outs = try batch.with(minor: d.abiMinor) { try evaluator.evaluate($0, onResult: nil) }
            for (k, o) in outs.enumerated() where o.status == HWNAS_EVAL_OK && !o.ok {
                return ["evaluate said OK for \(space.canonical(genotypes[k])) without a finite \(evaluator.metricNames[0])"]
            }
            report("note: evaluator '\(d.id)' scored \(outs.filter(\.ok).count)/\(outs.count) networks of \(space.name)")
        } catch { return ["evaluate: \(error)"] }
        return []
    }

    /// create() with an unknown id must fail cleanly.
    static func checkUnknownID(_ lib: PluginLibrary, _ kind: PluginKind, _ space: CSearchSpace) -> String? {
        let bogus = "no-such-id\u{1}trailing"
        var err = [CChar](repeating: 0, count: 256)
        let empty = COptions([:])
        let st: hwnas_status
        switch kind {
        case .costModel:
            let f = lib.factory(kind)!.assumingMemoryBound(to: hwnas_cost_model_factory.self)
            var out: UnsafeMutablePointer<hwnas_cost_model>?
            st = f.pointee.create!(f, bogus, HostInterface.shared, space.raw, empty.raw, &out, &err, 256)
        case .evaluator:
            let f = lib.factory(kind)!.assumingMemoryBound(to: hwnas_evaluator_factory.self)
            var out: UnsafeMutablePointer<hwnas_evaluator>?
            st = f.pointee.create!(f, bogus, HostInterface.shared, space.raw, empty.raw, &out, &err, 256)
        case .operatorSet:
            let f = lib.factory(kind)!.assumingMemoryBound(to: hwnas_operator_set_factory.self)
            var out: UnsafeMutablePointer<hwnas_operator_set>?
            st = f.pointee.create!(f, bogus, HostInterface.shared, empty.raw, &out, &err, 256)
        case .searchSpace:
            let f = lib.factory(kind)!.assumingMemoryBound(to: hwnas_search_space_factory.self)
            var out: UnsafeMutablePointer<hwnas_space>?
            st = f.pointee.create!(f, bogus, HostInterface.shared, empty.raw, &out, &err, 256)
        case .strategy:
            return nil   // needs a context; covered by exerciseStrategy's unknown-id call
        }
        return st == HWNAS_OK ? "\(kind.rawValue) factory created an instance for an unknown id" : nil
    }

    /// Runs a few ask/tell rounds on nb201 with every candidate feasible.
    static func exerciseStrategy(_ d: PluginDescriptorInfo, _ lib: PluginLibrary, _ space: CSearchSpace,
                                 _ options: [String: String]) -> [String] {
        var problems: [String] = []
        let context = StrategyContext(space: space, objectives: ["objective"], metricNames: [], seed: 7, budget: 30,
                                      queryCosts: { gs in (gs.map { _ in 1 }, []) }, isEvaluated: { _ in false })
        let strategy: LoadedStrategy
        do { strategy = try LoadedStrategy(d, library: lib, context: context, options: options) } catch { return ["create failed: \(error)"] }
        var seen = Set<[Int32]>()
        let dims = space.nDims
        for round in 0..<30 {
            let asked: [[Int32]]?
            do { asked = try strategy.ask(max: 1, dims: dims) } catch { problems.append("ask: \(error)"); break }
            guard let batch = asked else { problems.append("exhausted after \(round) asks on a 15625-architecture space"); break }
            for g in batch {
                if g.enumerated().contains(where: { $0.element < 0 || Int($0.element) >= space.choices[$0.offset].count }) {
                    problems.append("proposed out-of-range genotype \(g)")
                }
                if !seen.insert(g).inserted { problems.append("proposed a duplicate \(g)") }
            }
            let outcomes = [Int32](repeating: HWNAS_OUTCOME_EVALUATED, count: batch.count)
            let objectives = batch.map { g in Double(g.reduce(0, +)) }
            do {
                try strategy.tell(genotypes: batch.flatMap { $0 }, count: batch.count, dims: dims, outcomes: outcomes, objectives: objectives,
                                  nObjectives: 1, metrics: [], metricNames: CStringArray([]), nMetrics: 0)
            } catch { problems.append("tell: \(error)") }
            if problems.count > 5 { break }
        }
        return problems
    }
}
