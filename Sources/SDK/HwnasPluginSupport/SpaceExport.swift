// hwnas_space instances (search-space plugins, ABI 1.1) backed by a Swift
// SearchSpaceDefinition.
import CHwnasABI
#if canImport(Glibc)
import Glibc
#endif

/// A search space: dims and choices, the canonical string, the canonical
/// genotype, and the network of a genotype. Must be immutable after init:
/// the host calls it from several threads at once.
public protocol SearchSpaceDefinition: AnyObject, Sendable {
    var dimNames: [String] { get }
    var choiceNames: [[String]] { get }
    /// Id of the operator set whose op names build() uses; nil: no networks.
    var operatorSet: String? { get }
    /// Sets dims inactive for `genotype` to 0 and marks them in `active`
    /// (all 1 on entry). Default: every dim is always active.
    func canonicalize(_ genotype: UnsafeMutableBufferPointer<Int32>, active: UnsafeMutableBufferPointer<UInt8>?)
    /// The canonical string of a canonical, in-range genotype.
    func format(_ genotype: UnsafeBufferPointer<Int32>) -> String
    /// Parses a canonical string (throw PluginError with a one-line reason).
    func parse(_ text: String) throws -> [Int32]
    /// Describes the network; only called when operatorSet is non-nil.
    func build(_ genotype: UnsafeBufferPointer<Int32>, _ builder: NetworkBuilder) throws
}

extension SearchSpaceDefinition {
    public func canonicalize(_ genotype: UnsafeMutableBufferPointer<Int32>, active: UnsafeMutableBufferPointer<UInt8>?) {}
    public func build(_ genotype: UnsafeBufferPointer<Int32>, _ builder: NetworkBuilder) throws {
        throw PluginError("this space builds no networks")
    }
}

public struct SpaceKind: @unchecked Sendable {
    public let descriptor: PluginDescriptor
    public let make: (PluginOptions, HostLogger) throws -> SearchSpaceDefinition
    public init(_ descriptor: PluginDescriptor, make: @escaping (PluginOptions, HostLogger) throws -> SearchSpaceDefinition) {
        self.descriptor = descriptor; self.make = make
    }
}

/// The instance's C data: the definition and its space as plain arrays.
final class SpaceHolder {
    let definition: SearchSpaceDefinition
    let space: UnsafeMutablePointer<hwnas_search_space>
    let operatorSet: UnsafePointer<CChar>?
    let nDims: Int
    private let counts, offsets: UnsafeMutablePointer<UInt32>
    private let dims, choices: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private var strings: [UnsafeMutablePointer<CChar>] = []

    init(_ d: SearchSpaceDefinition, name: String) {
        definition = d
        nDims = d.dimNames.count
        counts = .allocate(capacity: max(1, nDims))
        offsets = .allocate(capacity: max(1, nDims))
        dims = .allocate(capacity: max(1, nDims))
        let total = d.choiceNames.reduce(0) { $0 + $1.count }
        choices = .allocate(capacity: max(1, total))
        var owned: [UnsafeMutablePointer<CChar>] = []
        func c(_ s: String) -> UnsafePointer<CChar> { let p = strdup(s)!; owned.append(p); return UnsafePointer(p) }
        var off = 0
        for (i, names) in d.choiceNames.enumerated() {
            counts[i] = UInt32(names.count); offsets[i] = UInt32(off)
            dims[i] = c(d.dimNames[i])
            for (k, n) in names.enumerated() { choices[off + k] = c(n) }
            off += names.count
        }
        space = .allocate(capacity: 1)
        space.initialize(to: hwnas_search_space(
            struct_size: UInt32(MemoryLayout<hwnas_search_space>.size), n_dims: UInt32(nDims),
            name: c(name), choice_counts: UnsafePointer(counts), dim_names: UnsafePointer(dims),
            choice_offsets: UnsafePointer(offsets), choice_names: UnsafePointer(choices)))
        operatorSet = d.operatorSet.map(c)
        strings = owned
    }

    deinit {
        for p in strings { free(p) }
        counts.deallocate(); offsets.deallocate(); dims.deallocate(); choices.deallocate(); space.deallocate()
    }

    static func from(_ me: UnsafePointer<hwnas_space>?) -> SpaceHolder {
        Unmanaged<SpaceHolder>.fromOpaque(me!.pointee.plugin_data!).takeUnretainedValue()
    }
}

extension PluginExport {
    func createSpace(_ id: UnsafePointer<CChar>?, _ host: UnsafePointer<hwnas_host>?, _ opts: UnsafePointer<hwnas_options>?,
                     _ out: UnsafeMutablePointer<UnsafeMutablePointer<hwnas_space>?>?,
                     _ err: UnsafeMutablePointer<CChar>?, _ cap: UInt32) -> hwnas_status {
        guard let kind = find(spaces, id, { $0.descriptor }, err, cap) else { return HWNAS_ERR_UNKNOWN_ID }
        guard let out else { writeError("NULL out", err, cap); return HWNAS_ERR_INVALID_ARGUMENT }
        let definition: SearchSpaceDefinition
        do { definition = try kind.make(PluginOptions(opts, specs: kind.descriptor.options, owner: "search space '\(kind.descriptor.id)'"), HostLogger(host: host)) } catch {
            writeError("\(error)", err, cap); return HWNAS_ERR_INVALID_ARGUMENT
        }
        let holder = SpaceHolder(definition, name: kind.descriptor.id)
        let s = UnsafeMutablePointer<hwnas_space>.allocate(capacity: 1)
        s.initialize(to: hwnas_space(
            struct_size: UInt32(MemoryLayout<hwnas_space>.size), reserved: 0,
            plugin_data: Unmanaged.passRetained(holder).toOpaque(),
            operator_set: holder.operatorSet,
            describe: { me in UnsafePointer(SpaceHolder.from(me).space) },
            canonicalize: { me, count, genotypes, active in
                guard let genotypes else { return HWNAS_ERR_INVALID_ARGUMENT }
                let h = SpaceHolder.from(me), d = h.nDims
                for i in 0..<Int(count) {
                    let g = UnsafeMutableBufferPointer(start: genotypes + i * d, count: d)
                    if let active {
                        let a = UnsafeMutableBufferPointer(start: active + i * d, count: d)
                        a.update(repeating: 1)
                        h.definition.canonicalize(g, active: a)
                    } else {
                        h.definition.canonicalize(g, active: nil)
                    }
                }
                return HWNAS_OK
            },
            format: { me, genotype, text, capacity, length in
                guard let genotype else { return HWNAS_ERR_INVALID_ARGUMENT }
                let h = SpaceHolder.from(me)
                let s = h.definition.format(UnsafeBufferPointer(start: genotype, count: h.nDims))
                let n = s.utf8.count
                length?.pointee = UInt32(n)
                guard let text, Int(capacity) > n else { return HWNAS_ERR_BUFFER_TOO_SMALL }
                writeError(s, text, capacity)
                return HWNAS_OK
            },
            parse: { me, text, genotypeOut, err, cap in
                guard let text, let genotypeOut else { writeError("NULL text or output", err, cap); return HWNAS_ERR_INVALID_ARGUMENT }
                let h = SpaceHolder.from(me)
                guard let s = String(validatingCString: text) else {
                    writeError("not UTF-8 text", err, cap); return HWNAS_ERR_INVALID_ARGUMENT
                }
                do {
                    let g = try h.definition.parse(s)
                    guard g.count == h.nDims else { throw PluginError("parsed \(g.count) values for \(h.nDims) dims") }
                    for (i, v) in g.enumerated() { genotypeOut[i] = v }
                    return HWNAS_OK
                } catch {
                    // A long string quoted whole would push the reason out of the buffer.
                    let message = s.count > 120 ? "\(error)".replacingOccurrences(of: s, with: abbreviated(s)) : "\(error)"
                    writeError(message, err, cap); return HWNAS_ERR_INVALID_ARGUMENT
                }
            },
            build: { me, genotype, builder, err, cap in
                guard let genotype, let builder else { writeError("NULL genotype or builder", err, cap); return HWNAS_ERR_INVALID_ARGUMENT }
                let h = SpaceHolder.from(me)
                guard h.operatorSet != nil else { writeError("this space builds no networks", err, cap); return HWNAS_ERR_UNSUPPORTED }
                do {
                    try h.definition.build(UnsafeBufferPointer(start: genotype, count: h.nDims), NetworkBuilder(builder))
                    return HWNAS_OK
                } catch let f as BuilderFailure {
                    return f.status
                } catch {
                    writeError("\(error)", err, cap); return HWNAS_ERR_FAILED
                }
            },
            destroy: { me in
                guard let me else { return }
                Unmanaged<SpaceHolder>.fromOpaque(me.pointee.plugin_data!).release()
                UnsafeMutablePointer(mutating: me).deallocate()
            }))
        out.pointee = s
        return HWNAS_OK
    }
}
