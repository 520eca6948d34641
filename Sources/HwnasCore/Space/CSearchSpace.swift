// A SearchSpace laid out as the ABI's hwnas_search_space, kept alive for as
// long as instances created with it exist.
import CHwnasABI

public final class CSearchSpace: @unchecked Sendable {
    public let space: SearchSpace
    let name: CStringArray, dimNames: CStringArray, choiceNames: CStringArray
    let counts: UnsafeMutablePointer<UInt32>, offsets: UnsafeMutablePointer<UInt32>
    public let raw: UnsafeMutablePointer<hwnas_search_space>

    public init(_ space: SearchSpace) {
        self.space = space
        name = CStringArray([space.name])
        dimNames = CStringArray(space.dimNames)
        choiceNames = CStringArray(space.choices.flatMap { $0 })
        counts = .allocate(capacity: space.nDims)
        offsets = .allocate(capacity: space.nDims)
        var off: UInt32 = 0
        for d in 0..<space.nDims {
            counts[d] = UInt32(space.choices[d].count); offsets[d] = off; off += counts[d]
        }
        raw = .allocate(capacity: 1)
        raw.initialize(to: hwnas_search_space(
            struct_size: UInt32(MemoryLayout<hwnas_search_space>.size), n_dims: UInt32(space.nDims),
            name: name.pointers[0], choice_counts: UnsafePointer(counts), dim_names: dimNames.base,
            choice_offsets: UnsafePointer(offsets), choice_names: choiceNames.base))
    }

    deinit { counts.deallocate(); offsets.deallocate(); raw.deallocate() }
}
