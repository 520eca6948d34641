// TensorFlow Lite Micro's greedy memory planner, so the tensor arena hwnas
// prices is the one TFLM lays out (not an ideal packing): buffers are
// placed largest first, each at the lowest offset where it fits between
// the buffers already placed that are alive at the same time. Two details
// decide ties and are kept: buffers enter the size sort in reverse order
// of registration and the sort is stable; a buffer goes into the
// offset-ordered list after those at the same offset.
// Lifetimes are inclusive op indices: [first, last].
import HwnasOps

public struct ArenaBuffer: Sendable, Hashable {
    public var size: Int64
    public var first: Int
    public var last: Int
    public init(size: Int64, first: Int, last: Int) { self.size = size; self.first = first; self.last = last }
}

public enum GreedyArenaPlanner {
    /// A placed buffer, kept in offset order (contiguous: the scan below runs
    /// for every buffer of every screened candidate).
    struct Placed { var offset: Int64, end: Int64, first: Int, last: Int }

    /// Offsets of `buffers` (registration order) and the arena size they need.
    public static func plan(_ buffers: [ArenaBuffer]) -> (offsets: [Int64], size: Int64) {
        let n = buffers.count
        guard n > 0 else { return ([], 0) }
        // Reverse registration order, then a stable sort by size, largest
        // first: by size descending, ties by registration descending.
        var order = Array(0..<n)
        buffers.withUnsafeBufferPointer { b in
            order.sort { b[$0].size != b[$1].size ? b[$0].size > b[$1].size : $0 > $1 }
        }
        var offsets = [Int64](repeating: 0, count: n)
        var placed: [Placed] = []          // ascending offset; a buffer goes after those at its offset
        placed.reserveCapacity(n)
        var size: Int64 = 0
        for id in order {
            let want = buffers[id]
            var candidate: Int64 = 0
            var priorEnd: Int64? = nil      // end of the last overlapping buffer passed
            placed.withUnsafeBufferPointer { p in
                for other in p where !(other.first > want.last || want.first > other.last) {
                    if let e = priorEnd { candidate = max(candidate, e) }
                    if other.offset - candidate >= want.size { priorEnd = nil; break }
                    priorEnd = other.end
                }
            }
            if let e = priorEnd { candidate = max(candidate, e) }
            offsets[id] = candidate
            size = max(size, candidate + want.size)
            // First position whose offset is above the candidate (binary search).
            var lo = 0, hi = placed.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if placed[mid].offset > candidate { hi = mid } else { lo = mid + 1 }
            }
            placed.insert(Placed(offset: candidate, end: candidate + want.size, first: want.first, last: want.last), at: lo)
        }
        return (offsets, size)
    }
}
