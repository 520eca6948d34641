// TinyEngine's memory planner (mit-han-lab/tinyengine,
// code_generator/allocator/firstFit.py and base_allocator.py, read for its
// rules): every activation tensor is a rectangle [start, end) x size over
// op indices; rectangles are placed largest first (ties in registration
// order), each at the lowest address where it overlaps no placed rectangle
// alive at the same time. A tensor written in place by a stride-2
// depthwise convolution shrinks to a quarter (its output) for tensors that
// start after that op. No alignment: TinyEngine addresses bytes.
// One difference, on purpose: TinyEngine's overlap test uses strict
// inequalities and so lets two tensors with identical lifetimes share
// addresses; here any shared op counts as an overlap (a correct schedule).
public struct PlannedTensor: Sendable, Hashable {
    public var size: Int64
    /// Op indices: alive from `start` up to, not including, `end`.
    public var start: Int
    public var end: Int
    /// The op that overwrites it in place with a quarter-size output
    /// (stride-2 depthwise), if any.
    public var quarterAfter: Int?
    public init(size: Int64, start: Int, end: Int, quarterAfter: Int? = nil) {
        self.size = size; self.start = start; self.end = end; self.quarterAfter = quarterAfter
    }
}

public enum FirstFitPlanner {
    /// Addresses of `tensors` (registration order) and the bytes they span.
    public static func plan(_ tensors: [PlannedTensor]) -> (addresses: [Int64], size: Int64) {
        let order = tensors.indices.sorted { a, b in
            tensors[a].size != tensors[b].size ? tensors[a].size > tensors[b].size : a < b
        }
        var addresses = [Int64](repeating: -1, count: tensors.count)
        var placed: [Int] = []
        var busy: [(Int64, Int64)] = []
        var size: Int64 = 0
        for i in order {
            let t = tensors[i]
            busy.removeAll(keepingCapacity: true)
            for j in placed {
                let p = tensors[j]
                guard p.start < t.end && t.start < p.end else { continue }
                var extent = p.size
                if let q = p.quarterAfter, t.start > q { extent = (p.size + 3) / 4 }
                busy.append((addresses[j], addresses[j] + extent))
            }
            busy.sort { $0.0 < $1.0 }
            var address: Int64 = 0
            for (lo, hi) in busy {
                if address + t.size <= lo { break }
                address = max(address, hi)
            }
            addresses[i] = address
            placed.append(i)
            size = max(size, address + t.size)
        }
        return (addresses, size)
    }
}
