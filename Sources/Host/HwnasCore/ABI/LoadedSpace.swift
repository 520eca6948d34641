// Host-side handle of a search-space instance (ABI 1.1): the C calls with
// their buffers, status codes and error text. SearchSpace wraps it.
import CHwnasABI
import Foundation

final class LoadedSpace: PluginInstance<hwnas_space>, @unchecked Sendable {
    private(set) var dimNames: [String] = []
    private(set) var choices: [[String]] = []
    private(set) var operatorSet: String?
    var nDims: Int { dimNames.count }
    /// Labels of its calls, for crash and hang lines (build's: NetworkFactory).
    let callLabel, buildLabel: PluginCall.Label

    init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, options: [String: String], source: String) throws {
        callLabel = descriptor.label("search space", "canonicalize/format/parse")
        buildLabel = descriptor.label("search space", "build")
        // A plugin that read the file names it already.
        try super.init(descriptor, library: library, kind: .searchSpace, what: "search space", options: options,
                       failure: { $0.hasPrefix(source) ? $0 : "\(source): \($0)" },
                       destroy: { $0.pointee.destroy?($0) }) { (f: UnsafePointer<hwnas_search_space_factory>, o, out, err) in
            f.pointee.create!(f, descriptor.id, HostInterface.shared, o, out, err, 1024)
        }
        let p = raw.pointee
        guard p.describe != nil, p.canonicalize != nil, p.format != nil, p.parse != nil, p.build != nil, p.destroy != nil else {
            throw HwnasError("\(source): search space '\(descriptor.id)' (\(descriptor.file)) has NULL function pointers")
        }
        func fail(_ why: String) -> HwnasError { HwnasError("\(source): search space '\(descriptor.id)': \(why)") }
        guard let d = PluginCall.run(callLabel, { p.describe!(raw) }), d.pointee.struct_size >= UInt32(MemoryLayout<hwnas_search_space>.size) else {
            throw fail("describe() returned NULL or a struct too small")
        }
        let sp = d.pointee
        let n = Int(sp.n_dims)
        guard n >= 1, n <= 100_000, let counts = sp.choice_counts, let offsets = sp.choice_offsets, let names = sp.choice_names else {
            throw fail("describe() gave \(n) dims or NULL arrays")
        }
        for dim in 0..<n {
            let dimName = sp.dim_names?[dim].flatMap { String(validatingCString: $0) } ?? "d\(dim)"
            guard counts[dim] >= 1, counts[dim] <= 1_000_000 else { throw fail("dim \(dimName) has \(counts[dim]) choices") }
            var list: [String] = [], seen = Set<String>()
            for c in 0..<Int(counts[dim]) {
                guard let cn = names[Int(offsets[dim]) + c].flatMap({ String(validatingCString: $0) }), !cn.isEmpty else {
                    throw fail("dim \(dimName): choice \(c) has an empty, NULL or non-UTF-8 name")
                }
                guard seen.insert(cn).inserted else { throw fail("dim \(dimName): choice '\(cn)' is listed twice") }
                list.append(cn)
            }
            dimNames.append(dimName); choices.append(list)
        }
        operatorSet = p.operator_set.flatMap { String(validatingCString: $0) }
    }

    /// Canonical form of `count` genotypes in place; `active` gets [count][nDims] when given.
    func canonicalize(_ flat: UnsafeMutablePointer<Int32>, count: Int, active: UnsafeMutablePointer<UInt8>? = nil) throws {
        let st = PluginCall.run(callLabel) { raw.pointee.canonicalize!(raw, UInt32(count), flat, active) }
        guard st == HWNAS_OK else { throw HwnasError("search space '\(descriptor.id)': canonicalize failed (status \(st))") }
    }

    func format(_ g: UnsafePointer<Int32>) throws -> String {
        var length: UInt32 = 0
        var buf = [CChar](repeating: 0, count: 512)
        var st = PluginCall.run(callLabel) { raw.pointee.format!(raw, g, &buf, UInt32(buf.count), &length) }
        if st == HWNAS_ERR_BUFFER_TOO_SMALL && length < 1 << 24 {
            buf = [CChar](repeating: 0, count: Int(length) + 1)
            st = PluginCall.run(callLabel) { raw.pointee.format!(raw, g, &buf, UInt32(buf.count), &length) }
        }
        guard st == HWNAS_OK else { throw HwnasError("search space '\(descriptor.id)': format failed (status \(st))") }
        return FactoryCall.errorText(buf)
    }

    func parse(_ text: String) throws -> [Int32] {
        var g = [Int32](repeating: 0, count: nDims)
        var err = [CChar](repeating: 0, count: 1024)
        let st = PluginCall.run(callLabel) { raw.pointee.parse!(raw, text, &g, &err, 1024) }
        guard st == HWNAS_OK else { throw HwnasError(FactoryCall.errorText(err)) }
        return g
    }
}
