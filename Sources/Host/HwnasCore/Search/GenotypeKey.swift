// A genotype as a dictionary key that hashes in one step: FNV-1a over the
// values, computed once, fed to Hasher as one word (Swift's Hasher on
// [Int32] combines every element: the cost cache looks genotypes up several
// times per screened candidate).
struct GenotypeKey: Hashable {
    let values: [Int32]
    let mixed: UInt64

    init(_ g: [Int32]) {
        values = g
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for v in g { h = (h ^ UInt64(UInt32(bitPattern: v))) &* 0x0000_0100_0000_01B3 }
        mixed = h
    }

    func hash(into h: inout Hasher) { h.combine(mixed) }
    static func == (a: GenotypeKey, b: GenotypeKey) -> Bool { a.mixed == b.mixed && a.values == b.values }
}
