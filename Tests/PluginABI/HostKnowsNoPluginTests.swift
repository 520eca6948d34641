// The host knows no plugin, space or operator by name: no string literal in
// the host library (Sources/Host/HwnasCore) or the CLI (Sources/CLI/hwnas, except
// SearchDefaults.swift, the one file of product defaults) equals a plugin
// id, a space name or an operator of any installed operator set.
import HwnasTestSupport
import Foundation
import HwnasCore
import Testing

@Suite(.tags(.pluginABI)) struct HostKnowsNoPluginTests {
    /// Every "..." literal of a Swift file (no escapes needed for this check).
    static func literals(_ text: String) -> Set<String> {
        var out = Set<String>(), current: String? = nil, previous: Character = " "
        for ch in text {
            if var c = current {
                if ch == "\"" && previous != "\\" { out.insert(c); current = nil } else { c.append(ch); current = c }
            } else if ch == "\"" { current = "" }
            previous = ch
        }
        return out
    }

    @Test func hostSourcesNameNoPluginSpaceOrOperator() throws {
        let registry = TestSupport.registry
        var forbidden = Set(registry.descriptors.map(\.id))
        forbidden.formUnion(SpaceCatalog.discover().files.map(\.name))
        for id in registry.ids(of: .operatorSet) {
            let (d, lib) = try registry.lookup(.operatorSet, id)
            forbidden.formUnion(try LoadedOperatorSet(d, library: lib, options: [:]).opNames)
        }
        #expect(forbidden.isSuperset(of: ["nb201", "fbnet", "core", "mcu", "naswot", "conv2d", "blocks"]))
        let fm = FileManager.default
        var checked = 0
        for dir in ["Sources/Host/HwnasCore", "Sources/CLI/hwnas"] {
            let root = TestSupport.repoRoot + "/" + dir
            for file in fm.enumerator(atPath: root)!.compactMap({ $0 as? String }) where file.hasSuffix(".swift") {
                if file == "SearchDefaults.swift" { continue }
                let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                let hits = Self.literals(text).intersection(forbidden)
                #expect(hits.isEmpty, "\(dir)/\(file) names \(hits.sorted())")
                checked += 1
            }
        }
        #expect(checked > 30)
    }
}
