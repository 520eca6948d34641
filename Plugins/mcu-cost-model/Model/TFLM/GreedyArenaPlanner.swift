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

    func overlaps(_ o: ArenaBuffer) -> Bool { !(o.first > last || first > o.last) }
}

public enum GreedyArenaPlanner {
    /// Offsets of `buffers` (registration order) and the arena size they need.
    public static func plan(_ buffers: [ArenaBuffer]) -> (offsets: [Int64], size: Int64) {
        let n = buffers.count
        guard n > 0 else { return ([], 0) }
        // Reverse registration order, then a stable sort by size, largest first.
        let order = (0..<n).reversed().enumerated()
            .sorted { a, b in buffers[a.element].size != buffers[b.element].size
                ? buffers[a.element].size > buffers[b.element].size : a.offset < b.offset }
            .map(\.element)
        var offsets = [Int64](repeating: 0, count: n)
        var byOffset: [Int] = []          // placed buffers, ascending offset
        byOffset.reserveCapacity(n)
        buffers.withUnsafeBufferPointer { b in
            for id in order {
                let want = b[id]
                var candidate: Int64 = 0
                var prior = -1
                for other in byOffset where b[other].overlaps(want) {
                    if prior >= 0 { candidate = max(candidate, offsets[prior] + b[prior].size) }
                    if offsets[other] - candidate >= want.size { prior = -1; break }
                    prior = other
                }
                if prior >= 0 { candidate = max(candidate, offsets[prior] + b[prior].size) }
                offsets[id] = candidate
                let at = byOffset.firstIndex { offsets[$0] > candidate } ?? byOffset.count
                byOffset.insert(id, at: at)
            }
        }
        var size: Int64 = 0
        for i in 0..<n { size = max(size, offsets[i] + buffers[i].size) }
        return (offsets, size)
    }
}
