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
    /// Offsets of `buffers` (registration order) and the arena size they need.
    ///
    /// The buffers a new one must clear are those alive in its lifetime; an
    /// index of the placed buffers alive at each scope finds them without
    /// looking at the others, and among them (a few) the lowest gap is found
    /// in offset order. Ties at one offset do not matter: the scan passes
    /// all of them or stops before the first.
    public static func plan(_ buffers: [ArenaBuffer]) -> (offsets: [Int64], size: Int64) {
        let n = buffers.count
        guard n > 0 else { return ([], 0) }
        var scopes = 0
        for b in buffers { scopes = max(scopes, b.last + 1) }
        // Reverse registration order, then a stable sort by size, largest
        // first: by size descending, ties by registration descending.
        var order = Array(0..<n)
        buffers.withUnsafeBufferPointer { b in
            order.sort { b[$0].size != b[$1].size ? b[$0].size > b[$1].size : $0 > $1 }
        }
        // Per scope, room for every buffer alive there (filled as they are placed).
        var start = [Int](repeating: 0, count: scopes + 1)
        for b in buffers where b.first <= b.last { start[b.first] += 1; start[b.last + 1] -= 1 }
        var running = 0, total = 0
        for s in 0..<scopes {
            running += start[s]
            start[s] = total
            total += running
        }
        start[scopes] = total
        var filled = [Int](repeating: 0, count: scopes)
        var alive = [Int32](repeating: 0, count: total)
        var offsets = [Int64](repeating: 0, count: n)
        var stamp = [Int32](repeating: -1, count: n)
        var near: [(offset: Int64, end: Int64)] = []
        near.reserveCapacity(32)
        var size: Int64 = 0
        for (rank, id) in order.enumerated() {
            let want = buffers[id]
            near.removeAll(keepingCapacity: true)
            if want.first <= want.last {
                for s in want.first...want.last {
                    var k = start[s]
                    let end = k + filled[s]
                    while k < end {
                        let other = Int(alive[k])
                        if stamp[other] != Int32(rank) {
                            stamp[other] = Int32(rank)
                            near.append((offsets[other], offsets[other] + buffers[other].size))
                        }
                        k += 1
                    }
                }
            }
            // Insertion sort by offset: a buffer overlaps only a few others.
            var i = 1
            while i < near.count {
                let x = near[i]
                var j = i - 1
                while j >= 0 && near[j].offset > x.offset { near[j + 1] = near[j]; j -= 1 }
                near[j + 1] = x
                i += 1
            }
            var candidate: Int64 = 0
            for o in near {
                if o.offset - candidate >= want.size { break }
                candidate = max(candidate, o.end)
            }
            offsets[id] = candidate
            size = max(size, candidate + want.size)
            if want.first <= want.last {
                for s in want.first...want.last {
                    alive[start[s] + filled[s]] = Int32(id)
                    filled[s] += 1
                }
            }
        }
        return (offsets, size)
    }
}
