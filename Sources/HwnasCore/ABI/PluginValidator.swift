// `hwnas plugins validate`: loads a library and exercises what it offers the
// way the host will, collecting problems instead of stopping at the first.
import CHwnasABI
import Foundation

public enum PluginValidator {
    public static func validate(path: String) -> [String] {
        let lib: PluginLibrary
        do { lib = try PluginLibrary(path: path) } catch { return ["\(error)"] }
        var problems: [String] = []
        var ids = Set<String>()
        for d in lib.descriptors where !ids.insert("\(d.kind.rawValue)/\(d.id)").inserted {
            problems.append("\(path): duplicate \(d.kind.rawValue) id '\(d.id)'")
        }
        // A made-up space of 15,625 genotypes: strategies must not depend on
        // any particular space.
        let cspace = CSearchSpace(name: "validator-space", dimNames: (0..<6).map { "d\($0)" },
                                  choices: Array(repeating: ["a", "b", "c", "d", "e"], count: 6))
        for kind in PluginKind.allCases where lib.factory(kind) != nil {
            if let p = checkUnknownID(lib, kind, cspace) { problems.append("\(path): \(p)") }
        }
        for d in lib.descriptors where d.kind == .strategy {
            problems += exerciseStrategy(d, lib, cspace).map { "\(path): strategy '\(d.id)': \($0)" }
        }
        return problems
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
    static func exerciseStrategy(_ d: PluginDescriptorInfo, _ lib: PluginLibrary, _ space: CSearchSpace) -> [String] {
        var problems: [String] = []
        let names = CStringArray(["objective"])
        var ctx = hwnas_search_context(
            struct_size: UInt32(MemoryLayout<hwnas_search_context>.size), n_objectives: 1, space: UnsafePointer(space.raw),
            objective_names: names.base, seed: 7, budget: 30, n_metrics: 0, metric_names: nil, host_ctx: nil,
            query_costs: { _, count, _, feasible, _ in
                for i in 0..<Int(count) { feasible?[i] = 1 }
                return HWNAS_OK
            },
            is_evaluated: { _, _ in 0 })
        let strategy: LoadedStrategy
        do {
            strategy = try withUnsafePointer(to: &ctx) { try LoadedStrategy(d, library: lib, context: $0, options: [:]) }
        } catch { return ["create failed: \(error)"] }
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
            let flat = batch.flatMap { $0 }
            let outcomes = [Int32](repeating: HWNAS_OUTCOME_EVALUATED, count: batch.count)
            let objectives = batch.map { g in Double(g.reduce(0, +)) }
            flat.withUnsafeBufferPointer { gp in
                outcomes.withUnsafeBufferPointer { op in
                    objectives.withUnsafeBufferPointer { ob in
                        var t = hwnas_tell(struct_size: UInt32(MemoryLayout<hwnas_tell>.size), count: UInt32(batch.count),
                                           n_dims: UInt32(dims), n_objectives: 1, genotypes: gp.baseAddress,
                                           outcomes: op.baseAddress, objectives: ob.baseAddress, n_metrics: 0, reserved: 0,
                                           metric_names: nil, metrics: nil)
                        do { try strategy.tell(&t) } catch { problems.append("tell: \(error)") }
                    }
                }
            }
            if problems.count > 5 { break }
        }
        return problems
    }
}
