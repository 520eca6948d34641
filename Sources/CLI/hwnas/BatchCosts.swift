// `hwnas cost --archs FILE`: many architectures priced in one process, in
// chunks (the cost models see batches, as in a search), one CSV row each.
import Foundation
import HwnasCore
import HwnasTabular

enum BatchCosts {
    static let chunk = 4096

    /// The CSV text: a header (arch, metrics) and one row per listed arch,
    /// in file order; an unknown metric value is an empty field. A line
    /// that is not an architecture of the space stops it, naming file and line.
    static func table(archsFile path: String, space: SearchSpace, costs: HardwareCosts) throws -> String {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw HwnasError("--archs \(path): cannot read it as UTF-8 text (\(error.localizedDescription))")
        }
        var genotypes: [[Int32]] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do { genotypes.append(try space.parse(line)) } catch {
                throw HwnasError("--archs \(path):\(n + 1): \(error)")
            }
        }
        guard !genotypes.isEmpty else { throw HwnasError("--archs \(path): no architectures in it (one per line)") }
        var out = CSVTable.line(["arch"] + costs.metricNames)
        for start in stride(from: 0, to: genotypes.count, by: chunk) {
            let part = Array(genotypes[start..<min(genotypes.count, start + chunk)])
            for (g, row) in zip(part, try costs.costs(part)) {
                out += CSVTable.line([space.canonical(g)] + row.map { $0.isFinite ? "\($0)" : "" })
            }
        }
        return out
    }
}
