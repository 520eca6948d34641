// The host's side of hwnas_network_builder: a space plugin's build() calls
// it layer by layer; it asks the operator set for each layer's shape and
// costs, resolves "same" padding and 1-D windows, and lays the network out
// as a CNetwork (NetworkBuildState holds the work in progress).
//
// Two caches make screening fast and never change a result: operator
// answers per distinct query (operator sets are stateless), and blocks the
// space marks as repeatable (a cell, an MBConv layer), replayed with fresh
// tensor ids when the same block meets the same input shape again.
import CHwnasABI
import Foundation

/// An operator-set instance as the builder uses it.
public struct OperatorSetView: @unchecked Sendable {
    public let raw: UnsafeMutablePointer<hwnas_operator_set>
    /// Its plugin id, for messages.
    public let id: String
    /// False for a 1.0 operator set: it reads square "same" windows only.
    public let readsExactWindows: Bool
    public let opNames: () -> [String]

    public init(raw: UnsafeMutablePointer<hwnas_operator_set>, id: String, readsExactWindows: Bool, opNames: @escaping () -> [String]) {
        self.raw = raw; self.id = id; self.readsExactWindows = readsExactWindows; self.opNames = opNames
    }
}

/// Why a network could not be built: the plugin's reason or the builder's.
public struct BuildFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

public final class NetworkBuilder: @unchecked Sendable {
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

    public init(operatorSet: OperatorSetView) {
        state = .allocate(capacity: 1)
        state.initialize(to: NetworkBuildState(operatorSet: operatorSet))
        builder = .allocate(capacity: 1)
        builder.initialize(to: hwnas_network_builder(
            struct_size: UInt32(MemoryLayout<hwnas_network_builder>.size), reserved: 0, host_data: UnsafeMutableRawPointer(state),
            set_input: { me, c, h, w, dims in NetworkBuilder.state(me).pointee.setInput(c, h, w, dims) },
            add_layer: { me, spec, out in NetworkBuilder.state(me).pointee.addLayer(spec, out) },
            tensor_shape: { me, t, out in NetworkBuilder.state(me).pointee.tensorShape(t, out) },
            begin_block: { me, key, size, cell, input, out in NetworkBuilder.state(me).pointee.beginBlock(key, size, cell, input, out) },
            end_block: { me, output in NetworkBuilder.state(me).pointee.endBlock(output) }))
    }

    deinit {
        builder.deallocate()
        state.deinitialize(count: 1); state.deallocate()
    }

    static func state(_ b: UnsafePointer<hwnas_network_builder>?) -> UnsafeMutablePointer<NetworkBuildState> {
        b!.pointee.host_data!.assumingMemoryBound(to: NetworkBuildState.self)
    }

    /// Runs `build` (a space's build() given this builder; it returns the
    /// status and, on failure, the plugin's error text) and returns its
    /// network; one build at a time.
    public func build(_ build: (UnsafeMutablePointer<hwnas_network_builder>) -> (status: hwnas_status, error: String)) throws(BuildFailure) -> CNetwork {
        lock.lock(); defer { lock.unlock() }
        state.pointee.reset()
        let (st, error) = build(builder)
        let s = state.pointee
        guard st == HWNAS_OK else {
            throw BuildFailure(s.failure ?? error + (st == HWNAS_ERR_UNSUPPORTED ? " (the space builds no networks)" : ""))
        }
        if let f = s.failure { throw BuildFailure(f) }
        guard !s.tensors.isEmpty else { throw BuildFailure("build() never declared the input (set_input)") }
        guard s.open == nil else { throw BuildFailure("build() left a block open (begin_block without end_block)") }
        return CNetwork(layers: s.layers, tensors: s.tensors, spatialDims: s.spatialDims)
    }
}
