// Search space "blocks": a declarative space from a YAML file
// (docs/search-spaces.md). Input (with a searchable resolution or length),
// stem, stages of blocks with searchable channels, width, depth, kernel,
// expansion and squeeze-excite, head. Elastic depth as OFA does it: layers
// past the chosen depth do not exist, so their dims are inactive.
//
// Canonical string: the global choices (r<resolution> or n<length>,
// w<width>) joined by "-", then one part per stage that has dims, all joined
// by "/". A stage part is its stage choices (c<channels>, w<width>) joined by
// "-" and a ":", then one token per existing layer joined by ",": the
// layer's choices k<kernel>, e<expansion>, se<0|1>, or "x" when none varies.
//   r128-w0.5/k3e3,k5e4/k7e6,k3e3,k3e3/...
import CHwnasABI
import Foundation
import HwnasCoreOpNames
import HwnasPluginSupport
import HwnasYAML

final class BlockSpace: SearchSpaceDefinition, @unchecked Sendable {
    let spec: BlockSpaceSpec
    let dims: BlockSpaceDims
    let operatorSet: String? = CoreOps.setID
    /// Block labels, made once: "s2.l3", and the stages' pool labels.
    let labels: [[String]]
    let poolLabels: [String]
    var dimNames: [String] { dims.names }
    var choiceNames: [[String]] { dims.choices }

    init(options: PluginOptions) throws {
        let file = try options.require("file")
        let unknown = options.values.keys.filter { $0 != "file" && !BlockSpaceSpec.overrideKeys.contains($0) && !BlockSpaceSpec.topKeys.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw PluginError("blocks: unknown option(s) \(unknown.joined(separator: ", ")) (options: \(BlockSpaceSpec.overrideKeys.sorted().joined(separator: ", ")))")
        }
        let text: String
        do { text = try SafeYAML.text(path: file) } catch { throw PluginError("\(error)") }
        // Top-level scalars the host passes along are the file's own; only
        // the override keys may differ from it.
        let overrides = options.values.filter { BlockSpaceSpec.overrideKeys.contains($0.key) }
        let spec = try BlockSpaceSpec(file: file, text: text, overrides: overrides)
        self.spec = spec
        dims = BlockSpaceDims(spec)
        labels = spec.stages.indices.map { s in (0..<spec.stages[s].maxDepth).map { "s\(s + 1).l\($0 + 1)" } }
        poolLabels = spec.stages.indices.map { "s\($0 + 1).pool" }
        guard !dims.names.isEmpty else { throw PluginError("\(file): nothing is searchable (give some key a list of choices)") }
    }

    // MARK: values of a genotype

    func value<T>(_ list: [T], _ dim: Int?, _ g: UnsafeBufferPointer<Int32>) -> T { dim.map { list[Int(g[$0])] } ?? list[0] }

    struct Layer { let kernel: Int, expansion: Int, se: Bool }

    func depth(_ s: Int, _ g: UnsafeBufferPointer<Int32>) -> Int { value(spec.stages[s].depth, dims.stages[s].depth, g) }

    func layer(_ s: Int, _ l: Int, _ g: UnsafeBufferPointer<Int32>) -> Layer {
        let st = spec.stages[s], d = dims.stages[s]
        return Layer(kernel: value(st.kernel, d.kernel[l], g), expansion: value(st.expansion, d.expansion[l], g),
                     se: value(st.se, d.se[l], g))
    }

    // MARK: canonical form

    func canonicalize(_ g: UnsafeMutableBufferPointer<Int32>, active: UnsafeMutableBufferPointer<UInt8>?) {
        for (s, d) in dims.stages.enumerated() {
            let depth = self.depth(s, UnsafeBufferPointer(g))
            for l in depth..<spec.stages[s].maxDepth {
                for dim in [d.kernel[l], d.expansion[l], d.se[l]] {
                    guard let dim else { continue }
                    g[dim] = 0
                    active?[dim] = 0
                }
            }
        }
    }

    func format(_ g: UnsafeBufferPointer<Int32>) -> String {
        var parts: [String] = []
        var globals: [String] = []
        if let d = dims.size { globals.append((spec.spatialDims == 2 ? "r" : "n") + dims.choices[d][Int(g[d])]) }
        if let d = dims.width { globals.append("w" + dims.choices[d][Int(g[d])]) }
        if !globals.isEmpty { parts.append(globals.joined(separator: "-")) }
        for (s, d) in dims.stages.enumerated() where d.hasDims {
            var head: [String] = []
            if let c = d.channels { head.append("c" + dims.choices[c][Int(g[c])]) }
            if let w = d.width { head.append("w" + dims.choices[w][Int(g[w])]) }
            let layers = (0..<depth(s, g)).map { l -> String in
                var t = ""
                if let k = d.kernel[l] { t += "k" + dims.choices[k][Int(g[k])] }
                if let e = d.expansion[l] { t += "e" + dims.choices[e][Int(g[e])] }
                if let se = d.se[l] { t += "se" + dims.choices[se][Int(g[se])] }
                return t.isEmpty ? "x" : t
            }
            parts.append((head.isEmpty ? "" : head.joined(separator: "-") + ":") + layers.joined(separator: ","))
        }
        return parts.joined(separator: "/")
    }

    func parse(_ text: String) throws -> [Int32] {
        var g = [Int32](repeating: 0, count: dims.names.count)
        func fail(_ why: String) -> PluginError { PluginError("'\(text)': \(why)") }
        func set(_ dim: Int, _ name: String) throws {
            guard let i = dims.choices[dim].firstIndex(of: name) else {
                throw fail("\(name) is not a choice of \(dims.names[dim]) (choices: \(dims.choices[dim].joined(separator: ", ")))")
            }
            g[dim] = Int32(i)
        }
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let hasGlobals = dims.size != nil || dims.width != nil
        let stages = dims.stages.indices.filter { dims.stages[$0].hasDims }
        guard parts.count == stages.count + (hasGlobals ? 1 : 0) else {
            throw fail("expected \(stages.count + (hasGlobals ? 1 : 0)) parts separated by '/' (\(hasGlobals ? "the global choices, then " : "")one per stage with choices), found \(parts.count)")
        }
        if hasGlobals {
            let tokens = parts.removeFirst().split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            var expected: [(String, Int)] = []
            if let d = dims.size { expected.append((spec.spatialDims == 2 ? "r" : "n", d)) }
            if let d = dims.width { expected.append(("w", d)) }
            guard tokens.count == expected.count else { throw fail("the global part needs \(expected.map { $0.0 + "<" + dims.names[$0.1] + ">" }.joined(separator: "-"))") }
            for (t, (prefix, d)) in zip(tokens, expected) {
                guard t.hasPrefix(prefix) else { throw fail("'\(t)' should be \(prefix)<\(dims.names[d])>") }
                try set(d, String(t.dropFirst(prefix.count)))
            }
        }
        for (s, part) in zip(stages, parts) {
            let d = dims.stages[s], label = "stage s\(s + 1)"
            var body = Substring(part)
            if d.hasStageDims {
                guard let colon = part.firstIndex(of: ":") else { throw fail("\(label) needs its stage choices and ':' first") }
                let tokens = part[..<colon].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                var expected: [(String, Int)] = []
                if let c = d.channels { expected.append(("c", c)) }
                if let w = d.width { expected.append(("w", w)) }
                guard tokens.count == expected.count else { throw fail("\(label): expected \(expected.map { $0.0 + "<value>" }.joined(separator: "-")) before ':'") }
                for (t, (prefix, dim)) in zip(tokens, expected) {
                    guard t.hasPrefix(prefix) else { throw fail("\(label): '\(t)' should start with '\(prefix)'") }
                    try set(dim, String(t.dropFirst(prefix.count)))
                }
                body = part[part.index(after: colon)...]
            }
            let layers = body.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let st = spec.stages[s]
            if let dd = d.depth { try set(dd, String(layers.count)) } else if layers.count != st.depth[0] {
                throw fail("\(label) has depth \(st.depth[0]), found \(layers.count) layers")
            }
            for (l, token) in layers.enumerated() {
                var rest = Substring(token)
                if rest == "x" { rest = "" }
                for (code, dim) in [("k", d.kernel[l]), ("e", d.expansion[l]), ("se", d.se[l])] {
                    guard let dim else { continue }
                    guard rest.hasPrefix(code) else { throw fail("\(label) layer \(l + 1) '\(token)': expected '\(code)<\(dims.names[dim])>'") }
                    rest = rest.dropFirst(code.count)
                    let digits = rest.prefix { $0.isNumber || $0 == "." }
                    try set(dim, String(digits))
                    rest = rest.dropFirst(digits.count)
                }
                guard rest.isEmpty else { throw fail("\(label) layer \(l + 1) '\(token)': unexpected '\(rest)'") }
            }
        }
        return g
    }

    // MARK: network

    func build(_ g: UnsafeBufferPointer<Int32>, _ b: NetworkBuilder) throws {
        let net = BlockNetworkWriter(spec: spec, builder: b)
        let size = value(spec.sizes, dims.size, g)
        let w = value(spec.width, dims.width, g)
        try b.setInput(c: spec.inputChannels, h: spec.spatialDims == 2 ? spec.fixedHeight ?? size : 1, w: size, spatialDims: spec.spatialDims)
        var x: Int32 = 0
        if let stem = spec.stem {
            x = try net.conv(CoreOps.conv2d, x, outC: spec.channels(Double(stem.channels) * w), kernel: stem.kernel, stride: stem.stride,
                             activation: stem.activation, batchNorm: true, cell: CoreOps.stem)
        }
        for (s, st) in spec.stages.enumerated() {
            let d = dims.stages[s]
            let outC = spec.channels(Double(value(st.channels, d.channels, g)) * w * value(st.width, d.width, g))
            for l in 0..<depth(s, g) {
                let lay = layer(s, l, g), input = x, stride = l == 0 ? st.stride : 1
                let key = SIMD8<Int32>(Int32(s), l == 0 ? 1 : 0, Int32(lay.kernel), Int32(lay.expansion), lay.se ? 1 : 0, Int32(outC), 0, 0)
                x = try b.block(key: key, cell: labels[s][l], input: input) {
                    try net.block(st, input, outC: outC, kernel: lay.kernel, stride: stride, expansion: lay.expansion, se: lay.se)
                }
            }
            if let p = st.pool { x = try net.pool(p, x, cell: poolLabels[s]) }
        }
        try net.head(x, width: w)
    }
}
