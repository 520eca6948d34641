// A HwnasOps.Network laid out as the C ABI's hwnas_network: owns the layer
// and tensor arrays and the op / cell strings, valid while this object lives.
import CHwnasABI
import HwnasOps
#if canImport(Glibc)
import Glibc
#endif

public final class CNetwork: @unchecked Sendable {
    public let network: Network
    private let layers: UnsafeMutablePointer<hwnas_layer>
    private let tensors: UnsafeMutablePointer<hwnas_tensor>
    private let raw: UnsafeMutablePointer<hwnas_network>
    private var strings: [UnsafeMutablePointer<CChar>] = []

    public init(_ network: Network) {
        self.network = network
        layers = .allocate(capacity: max(1, network.layers.count))
        tensors = .allocate(capacity: max(1, network.tensors.count))
        raw = .allocate(capacity: 1)
        var interned: [String: UnsafeMutablePointer<CChar>] = [:]
        func cString(_ s: String) -> UnsafePointer<CChar> {
            if let p = interned[s] { return UnsafePointer(p) }
            let p = strdup(s)!
            interned[s] = p
            strings.append(p)
            return UnsafePointer(p)
        }
        for (i, t) in network.tensors.enumerated() {
            tensors[i] = hwnas_tensor(c: Int32(t.c), h: Int32(t.h), w: Int32(t.w), reserved: 0)
        }
        for (i, l) in network.layers.enumerated() {
            layers[i] = hwnas_layer(
                struct_size: UInt32(MemoryLayout<hwnas_layer>.size), reserved: 0, op: cString(l.op),
                kernel: Int32(l.kernel), stride: Int32(l.stride), groups: Int32(l.groups), expansion: Int32(l.expansion),
                input: Int32(l.input), input2: Int32(l.input2), output: Int32(l.output),
                in_c: Int32(l.inShape.c), in_h: Int32(l.inShape.h), in_w: Int32(l.inShape.w),
                out_c: Int32(l.outShape.c), out_h: Int32(l.outShape.h), out_w: Int32(l.outShape.w),
                flags: l.flags.rawValue, params: l.params, macs: l.macs, weight_elems: l.weightElems,
                bias_elems: l.biasElems, cell: cString(l.cell))
        }
        raw.initialize(to: hwnas_network(
            struct_size: UInt32(MemoryLayout<hwnas_network>.size), n_layers: UInt32(network.layers.count),
            layers: UnsafePointer(layers), n_tensors: UInt32(network.tensors.count), reserved: 0,
            tensors: UnsafePointer(tensors)))
    }

    deinit {
        for p in strings { free(p) }
        layers.deallocate(); tensors.deallocate(); raw.deallocate()
    }

    /// The C view; valid while this object lives.
    public var pointer: UnsafePointer<hwnas_network> { UnsafePointer(raw) }
}
