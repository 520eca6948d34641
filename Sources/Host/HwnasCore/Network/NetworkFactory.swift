// Builds the networks of one search space: the host's side of
// hwnas_network_builder. The space plugin describes layers; the host asks
// the space's operator set for each layer's shape and costs, resolves "same"
// padding and 1-D windows, and lays the network out as a CNetwork
// (NetworkBuildState holds the work in progress).
//
// Two caches make screening fast and never change a result: operator
// answers per distinct query (operator sets are stateless), and blocks the
// space marks as repeatable (a cell, an MBConv layer), replayed with fresh
// tensor ids when the same block meets the same input shape again.
import CHwnasABI
import Foundation

public final class NetworkFactory: @unchecked Sendable {
    public let space: SearchSpace
    public let operatorSet: LoadedOperatorSet
    /// Replay repeated blocks (on by default; off measures what it saves).
    public var blockMemo: Bool {
        get { lock.lock(); defer { lock.unlock() }; return state.pointee.blockMemo }
        set { lock.lock(); state.pointee.blockMemo = newValue; lock.unlock() }
    }

    private let lock = NSLock()
    private let builder: UnsafeMutablePointer<hwnas_network_builder>
    private let state: UnsafeMutablePointer<NetworkBuildState>
    /// Layer records per memo generation (184 B each: about 6 MB).
    static let memoCapacity = 32_768
    nonisolated(unsafe) static let noLabel = CStringInterner.shared.intern("")

    /// The operator set named by the space (or its file's operator_set).
    public init(space: SearchSpace, registry: PluginRegistry) throws {
        guard let id = space.operatorSetID else {
            throw HwnasError("space \(space.name) builds no networks (its plugin '\(space.plugin.id)' names no operator set)")
        }
        let (d, lib): (PluginDescriptorInfo, PluginLibrary)
        do { (d, lib) = try registry.lookup(.operatorSet, id) } catch {
            throw HwnasError("space \(space.name) builds its networks with operator set '\(id)': \(error)")
        }
        self.space = space
        operatorSet = try LoadedOperatorSet(d, library: lib, options: [:])
        state = .allocate(capacity: 1)
        state.initialize(to: NetworkBuildState(operatorSet: operatorSet))
        builder = .allocate(capacity: 1)
        builder.initialize(to: hwnas_network_builder(
            struct_size: UInt32(MemoryLayout<hwnas_network_builder>.size), reserved: 0, host_data: UnsafeMutableRawPointer(state),
            set_input: { me, c, h, w, dims in NetworkFactory.state(me).pointee.setInput(c, h, w, dims) },
            add_layer: { me, spec, out in NetworkFactory.state(me).pointee.addLayer(spec, out) },
            tensor_shape: { me, t, out in NetworkFactory.state(me).pointee.tensorShape(t, out) },
            begin_block: { me, key, size, cell, input, out in NetworkFactory.state(me).pointee.beginBlock(key, size, cell, input, out) },
            end_block: { me, output in NetworkFactory.state(me).pointee.endBlock(output) }))
    }

    deinit {
        builder.deallocate()
        state.deinitialize(count: 1); state.deallocate()
    }

    static func state(_ b: UnsafePointer<hwnas_network_builder>?) -> UnsafeMutablePointer<NetworkBuildState> {
        b!.pointee.host_data!.assumingMemoryBound(to: NetworkBuildState.self)
    }

    /// The network of a valid genotype (canonicalized first).
    public func build(_ genotype: [Int32]) throws -> CNetwork { try build(canonical: space.canonicalize(genotype)) }

    /// The network of a canonical genotype.
    func build(canonical g: [Int32]) throws -> CNetwork {
        lock.lock(); defer { lock.unlock() }
        state.pointee.reset()
        var err = [CChar](repeating: 0, count: 1024)
        let st = PluginCall.run(space.loaded.buildLabel) {
            g.withUnsafeBufferPointer { space.loaded.raw.pointee.build!(space.loaded.raw, $0.baseAddress, builder, &err, 1024) }
        }
        func fail(_ why: String) -> HwnasError { HwnasError("space \(space.name), \(space.canonical(g)): \(why)") }
        let s = state.pointee
        guard st == HWNAS_OK else {
            throw fail(s.failure ?? FactoryCall.errorText(err) + (st == HWNAS_ERR_UNSUPPORTED ? " (the space builds no networks)" : ""))
        }
        if let f = s.failure { throw fail(f) }
        guard !s.tensors.isEmpty else { throw fail("build() never declared the input (set_input)") }
        guard s.open == nil else { throw fail("build() left a block open (begin_block without end_block)") }
        return CNetwork(layers: s.layers, tensors: s.tensors, spatialDims: s.spatialDims)
    }
}
