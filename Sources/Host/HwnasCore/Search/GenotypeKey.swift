// A genotype as a dictionary key that hashes in one step: FNV-1a over the
// values (Fingerprint.fnv1a), computed once, fed to Hasher as one word
// (Swift's Hasher on [Int32] combines every element: the cost cache looks
// genotypes up several times per screened candidate).
struct GenotypeKey: Hashable {
    let values: [Int32]
    let mixed: UInt64

    init(_ g: [Int32]) {
        values = g
        mixed = Fingerprint.fnv1a(g.lazy.map { UInt64(UInt32(bitPattern: $0)) })
    }

    func hash(into h: inout Hasher) { h.combine(mixed) }
    static func == (a: GenotypeKey, b: GenotypeKey) -> Bool { a.mixed == b.mixed && a.values == b.values }
}
