// Where each searchable choice of a block space lives in the genotype, and
// the dims' names and choice names. Only lists in the file become dims;
// layers past a stage's chosen depth keep their dims (the genotype has a
// fixed length) but are inactive: canonical form sets them to 0.
struct BlockSpaceDims {
    struct Stage {
        var channels: Int?, width: Int?, depth: Int?
        /// Per layer position (0..<maxDepth).
        var kernel: [Int?], expansion: [Int?], se: [Int?]
        var hasDims: Bool { channels != nil || width != nil || depth != nil || hasLayerDims }
        var hasLayerDims: Bool { kernel.contains { $0 != nil } || expansion.contains { $0 != nil } || se.contains { $0 != nil } }
        var hasStageDims: Bool { channels != nil || width != nil }
    }
    var size: Int?, width: Int?
    var stages: [Stage] = []
    var names: [String] = []
    var choices: [[String]] = []

    init(_ spec: BlockSpaceSpec) {
        func add(_ name: String, _ values: [String]) -> Int? {
            guard values.count > 1 else { return nil }
            names.append(name); choices.append(values)
            return names.count - 1
        }
        size = add(spec.spatialDims == 2 ? "resolution" : "length", spec.sizes.map(String.init))
        width = add("width", spec.width.map(Self.widthName))
        for (i, st) in spec.stages.enumerated() {
            let p = "s\(i + 1)"
            var s = Stage(kernel: [], expansion: [], se: [])
            s.channels = add("\(p).channels", st.channels.map(String.init))
            s.width = add("\(p).width", st.width.map(Self.widthName))
            s.depth = add("\(p).depth", st.depth.map(String.init))
            for l in 0..<st.maxDepth {
                s.kernel.append(add("\(p).l\(l + 1).kernel", st.kernel.map(String.init)))
                s.expansion.append(add("\(p).l\(l + 1).expansion", st.expansion.map(String.init)))
                s.se.append(add("\(p).l\(l + 1).se", st.se.map { $0 ? "1" : "0" }))
            }
            stages.append(s)
        }
    }

    /// 0.5 -> "0.5", 1 -> "1.0": one spelling per multiplier.
    static func widthName(_ w: Double) -> String { "\(w)" }
}
