// A search space: named dimensions, each with named choices, and a canonical
// string format. Loaded from search-spaces/NAME.yaml, with nb201 and fbnet
// also embedded so the tool works from anywhere.
import Foundation
import Yams

public struct SearchSpace: Sendable {
    /// How genotypes print as canonical strings.
    public enum Format: String, Sendable {
        /// NAS-Bench-201 cell: |op~0|+|op~0|op~1|+|op~0|op~1|op~2|
        case nb201Cell = "nb201-cell"
        /// Choice names joined by `separator` (FBNet: k5_e6,skip,...).
        case joined
    }

    public let name: String
    public let description: String
    public let dimNames: [String]
    public let choices: [[String]]
    public let format: Format
    public let separator: String
    public let source: String

    public var nDims: Int { dimNames.count }
    public var choiceCounts: [Int] { choices.map(\.count) }
    public var size: Double { choices.reduce(1.0) { $0 * Double($1.count) } }

    public init(name: String, description: String, dimNames: [String], choices: [[String]], format: Format,
                separator: String = ",", source: String = "embedded") throws {
        guard !dimNames.isEmpty, dimNames.count == choices.count else {
            throw HwnasError("\(source): space '\(name)' needs as many choice lists as dims")
        }
        if let d = choices.firstIndex(where: { $0.isEmpty }) { throw HwnasError("\(source): dim \(dimNames[d]) has no choices") }
        if format == .nb201Cell && dimNames.count != 6 { throw HwnasError("\(source): nb201-cell format needs 6 dims") }
        self.name = name; self.description = description; self.dimNames = dimNames
        self.choices = choices; self.format = format; self.separator = separator; self.source = source
    }

    public func canonical(_ g: [Int32]) -> String {
        let names = g.enumerated().map { choices[$0.offset][Int($0.element)] }
        switch format {
        case .joined: return names.joined(separator: separator)
        case .nb201Cell:
            // Edges in string order: 1<-0 | 2<-0 2<-1 | 3<-0 3<-1 3<-2
            let nodes = [[0], [1, 2], [3, 4, 5]]
            return nodes.map { edges in
                "|" + edges.enumerated().map { "\(names[$0.element])~\($0.offset)" }.joined(separator: "|") + "|"
            }.joined(separator: "+")
        }
    }

    public func parse(_ s: String) throws -> [Int32] {
        let tokens: [String]
        switch format {
        case .joined:
            tokens = s.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }
        case .nb201Cell:
            var t: [String] = []
            let nodes = s.split(separator: "+", omittingEmptySubsequences: false)
            guard nodes.count == 3 else { throw HwnasError("'\(s)' is not an nb201 arch string (expected 3 nodes separated by '+')") }
            for (j, node) in nodes.enumerated() {
                let edges = node.split(separator: "|").map(String.init)
                guard edges.count == j + 1 else { throw HwnasError("'\(s)': node \(j + 1) needs \(j + 1) edges") }
                for (i, e) in edges.enumerated() {
                    let parts = e.split(separator: "~").map(String.init)
                    guard parts.count == 2, parts[1] == "\(i)" else { throw HwnasError("'\(s)': bad edge '\(e)'") }
                    t.append(parts[0])
                }
            }
            tokens = t
        }
        guard tokens.count == nDims else { throw HwnasError("'\(s)': expected \(nDims) choices for space \(name), found \(tokens.count)") }
        return try tokens.enumerated().map { d, tok in
            guard let c = choices[d].firstIndex(of: tok) else {
                throw HwnasError("'\(tok)' is not a choice of \(dimNames[d]) in space \(name) (choices: \(choices[d].joined(separator: ", ")))")
            }
            return Int32(c)
        }
    }

    /// Mixed-radix index of a genotype (for enumerable spaces).
    public func index(of g: [Int32]) -> Int {
        var i = 0
        for d in 0..<nDims { i = i * choices[d].count + Int(g[d]) }
        return i
    }

    public func genotype(at index: Int) -> [Int32] {
        var g = [Int32](repeating: 0, count: nDims), r = index
        for d in stride(from: nDims - 1, through: 0, by: -1) { g[d] = Int32(r % choices[d].count); r /= choices[d].count }
        return g
    }
}

extension SearchSpace {
    static let nb201Ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    static let fbnetBlocks = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]

    /// Built-in definitions, identical to search-spaces/*.yaml.
    public static let embedded: [String: SearchSpace] = [
        "nb201": try! SearchSpace(name: "nb201", description: "NAS-Bench-201 cell: 6 edges x 5 operations (15625 architectures)",
                                  dimNames: ["edge_1_0", "edge_2_0", "edge_2_1", "edge_3_0", "edge_3_1", "edge_3_2"],
                                  choices: Array(repeating: nb201Ops, count: 6), format: .nb201Cell),
        "fbnet": try! SearchSpace(name: "fbnet", description: "FBNet: 22 layers x 9 blocks",
                                  dimNames: (0..<22).map { "layer\($0)" },
                                  choices: Array(repeating: fbnetBlocks, count: 22), format: .joined),
    ]

    /// Loads a space by name (search-spaces/NAME.yaml, else embedded) or path.
    public static func load(_ nameOrPath: String) throws -> SearchSpace {
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") {
            return try fromYAML(path: nameOrPath)
        }
        for dir in Locations.dataDirectories(named: "search-spaces") {
            let p = (dir as NSString).appendingPathComponent("\(nameOrPath).yaml")
            if FileManager.default.fileExists(atPath: p) { return try fromYAML(path: p) }
        }
        if let s = embedded[nameOrPath] { return s }
        throw HwnasError("unknown search space '\(nameOrPath)' (known: \(embedded.keys.sorted().joined(separator: ", ")), or give a .yaml path)")
    }

    public static func fromYAML(path: String) throws -> SearchSpace {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw HwnasError("\(path): cannot read file") }
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw HwnasError("\(path): invalid YAML: \(YAMLErrorText.describe(error))") }
        guard let y = node as? [String: Any] else { throw HwnasError("\(path): expected a mapping at the top level") }
        guard let name = y["name"] as? String else { throw HwnasError("\(path): missing 'name'") }
        guard let dims = y["dims"] as? [Any] else { throw HwnasError("\(path): missing 'dims' (a list of dimension names)") }
        let dimNames = dims.map { "\($0)" }
        let choices: [[String]]
        if let shared = y["choices"] as? [Any] {
            choices = Array(repeating: shared.map { "\($0)" }, count: dimNames.count)
        } else if let per = y["choices_per_dim"] as? [[Any]] {
            choices = per.map { $0.map { "\($0)" } }
        } else { throw HwnasError("\(path): missing 'choices' (one list for all dims) or 'choices_per_dim'") }
        let fmtName = (y["format"] as? String) ?? "joined"
        guard let fmt = Format(rawValue: fmtName) else { throw HwnasError("\(path): unknown format '\(fmtName)' (nb201-cell, joined)") }
        return try SearchSpace(name: name, description: (y["description"] as? String) ?? "", dimNames: dimNames,
                               choices: choices, format: fmt, separator: (y["separator"] as? String) ?? ",", source: path)
    }
}

enum YAMLErrorText {
    /// Yams errors print over several lines; keep one.
    static func describe(_ error: Error) -> String {
        "\(error)".split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(2).joined(separator: " ")
    }
}
