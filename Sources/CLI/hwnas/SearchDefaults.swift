// The product's defaults: what `hwnas search` runs with no flags, and the
// benchmark table `hwnas correlate` reads by default. The one file of the
// host that names a space, a profile or a plugin (a test checks the others).
import Foundation
import HwnasCore

enum SearchDefaults {
    static let space = "nb201"
    // stm32f746 is analytic (no data files) and meco needs nothing but the
    // CPU, so the default runs on a fresh machine with no data of the user's.
    static let profile = "stm32f746"
    static let evaluator = "meco"
    static let strategy = "regularized-evolution"
    static let accuracyTable = "nb201/nb201_hw.csv"

    /// meco is the default because of what it does on NB201 (Spearman
    /// 0.90-0.94 with trained accuracy); on the trained block-space tables
    /// of bench/trained it ranks no better than the parameter count. A
    /// search of another space that did not choose its evaluator says so
    /// when it starts, and names the better choices.
    static func evaluatorNote(evaluator: String, space: String, chosen: Bool) -> String? {
        guard !chosen, evaluator == Self.evaluator, space != Self.space else { return nil }
        return "note: evaluator \(evaluator) (the default) is measured on \(Self.space); on trained block-space tables "
            + "it ranks no better than the parameter count: for accuracy on your task, score with a supernet trained "
            + "on your data (python3 -m hwnas.supernet train, then --evaluator supernet) or your trainer (--evaluator command); "
            + "docs/accuracy-on-your-task.md"
    }

    /// ../shared/benchmarks/REL next to the project, when present.
    static func sharedBenchmark(_ rel: String) -> String? {
        for dir in Locations.dataDirectories(named: "hardware-profiles") {
            let p = ((dir as NSString).deletingLastPathComponent as NSString).appendingPathComponent("../shared/benchmarks/\(rel)")
            if FileManager.default.fileExists(atPath: p) { return (p as NSString).standardizingPath }
        }
        return nil
    }
}
