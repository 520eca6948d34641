// A search space laid out as the ABI's hwnas_search_space (what strategies,
// cost models and evaluators are created with), under the name the user
// knows it by, kept alive for as long as instances created with it exist
// (the host makes one from a SearchSpace: CSearchSpace(space)).
import CHwnasABI

public final class CSearchSpace: @unchecked Sendable {
    public let nDims: Int
    public let choices: [[String]]
    let name, dimNames, choiceNames: CStringArray
    let counts: UnsafeMutablePointer<UInt32>, offsets: UnsafeMutablePointer<UInt32>
    public let raw: UnsafeMutablePointer<hwnas_search_space>

    public init(name spaceName: String, dimNames dims: [String], choices: [[String]]) {
        nDims = dims.count
        self.choices = choices
        name = CStringArray([spaceName])
        dimNames = CStringArray(dims)
        choiceNames = CStringArray(choices.flatMap { $0 })
        counts = .allocate(capacity: max(1, nDims))
        offsets = .allocate(capacity: max(1, nDims))
        var off: UInt32 = 0
        for d in 0..<nDims {
            counts[d] = UInt32(choices[d].count); offsets[d] = off; off += counts[d]
        }
        raw = .allocate(capacity: 1)
        raw.initialize(to: hwnas_search_space(
            struct_size: UInt32(MemoryLayout<hwnas_search_space>.size), n_dims: UInt32(nDims),
            name: name.pointers[0], choice_counts: UnsafePointer(counts), dim_names: dimNames.base,
            choice_offsets: UnsafePointer(offsets), choice_names: choiceNames.base))
    }

    deinit { counts.deallocate(); offsets.deallocate(); raw.deallocate() }
}
