// A built network laid out as the C ABI's hwnas_network (host layout, ABI
// 1.1 layer records), plus the same network with 1.0 layer records for
// plugins built against the 1.0 header, which walk `layers` with their own
// sizeof(hwnas_layer). Op and cell strings are interned (never freed).
import CHwnasABI
import HwnasOps
#if canImport(Glibc)
import Glibc
#endif

public final class CNetwork: @unchecked Sendable {
    private let layers: UnsafeMutablePointer<hwnas_layer>
    private let tensors: UnsafeMutablePointer<hwnas_tensor>
    private let raw: UnsafeMutablePointer<hwnas_network>
    private var legacy: (net: UnsafeMutablePointer<hwnas_network>, layers: UnsafeMutableRawPointer)?
    public let layerCount: Int
    public let tensorCount: Int
    public let spatialDims: Int

    public init(layers l: [hwnas_layer], tensors t: [hwnas_tensor], spatialDims: Int) {
        layerCount = l.count; tensorCount = t.count; self.spatialDims = spatialDims
        let lp = UnsafeMutablePointer<hwnas_layer>.allocate(capacity: max(1, l.count))
        l.withUnsafeBufferPointer { if let b = $0.baseAddress { lp.initialize(from: b, count: l.count) } }
        let tp = UnsafeMutablePointer<hwnas_tensor>.allocate(capacity: max(1, t.count))
        t.withUnsafeBufferPointer { if let b = $0.baseAddress { tp.initialize(from: b, count: t.count) } }
        layers = lp; tensors = tp
        raw = .allocate(capacity: 1)
        raw.initialize(to: hwnas_network(
            struct_size: UInt32(MemoryLayout<hwnas_network>.size), n_layers: UInt32(l.count),
            layers: UnsafePointer(layers), n_tensors: UInt32(t.count), reserved: 0, tensors: UnsafePointer(tensors),
            layer_size: UInt32(MemoryLayout<hwnas_layer>.size), spatial_dims: UInt32(spatialDims)))
    }

    /// A Swift Network laid out for C (tests, tools, plugins' own copies).
    public convenience init(_ n: Network) {
        var op: [String: UnsafePointer<CChar>] = [:]
        let interner = CStringInterner.shared
        let ls = n.layers.map { l -> hwnas_layer in
            let o = op[l.op] ?? interner.intern(l.op); op[l.op] = o
            return CNetwork.record(l, op: o, cell: interner.intern(l.cell))
        }
        let ts = n.tensors.map { hwnas_tensor(c: Int32($0.c), h: Int32($0.h), w: Int32($0.w), reserved: 0) }
        self.init(layers: ls, tensors: ts, spatialDims: n.spatialDims)
    }

    deinit {
        layers.deallocate(); tensors.deallocate(); raw.deallocate()
        if let l = legacy { l.net.deallocate(); l.layers.deallocate() }
    }

    /// The C view in the host's layout; valid while this object lives.
    public var pointer: UnsafePointer<hwnas_network> { UnsafePointer(raw) }

    /// The C view a plugin built against ABI minor `minor` can walk.
    public func pointer(forMinor minor: UInt32) -> UnsafePointer<hwnas_network> {
        guard minor == 0 else { return pointer }
        if let l = legacy { return UnsafePointer(l.net) }
        let size = layerSize10
        let buf = UnsafeMutableRawPointer.allocate(byteCount: max(1, layerCount * size), alignment: 8)
        for i in 0..<layerCount {
            var rec = layers[i]
            rec.struct_size = UInt32(size)
            withUnsafeBytes(of: &rec) { buf.advanced(by: i * size).copyMemory(from: $0.baseAddress!, byteCount: size) }
        }
        let net = UnsafeMutablePointer<hwnas_network>.allocate(capacity: 1)
        net.initialize(to: raw.pointee)
        net.pointee.struct_size = UInt32(MemoryLayout<hwnas_network>.offset(of: \hwnas_network.layer_size)!)
        net.pointee.layers = UnsafePointer(buf.assumingMemoryBound(to: hwnas_layer.self))
        legacy = (net, buf)
        return UnsafePointer(net)
    }

    public func layer(_ i: Int) -> hwnas_layer { layers[i] }
    public func tensor(_ i: Int) -> hwnas_tensor { tensors[i] }

    /// The network as Swift values (HwnasOps), for the tools and tests.
    public var network: Network {
        let ts = (0..<tensorCount).map { TensorShape(c: Int(tensors[$0].c), h: Int(tensors[$0].h), w: Int(tensors[$0].w)) }
        let ls = (0..<layerCount).map { CNetwork.layer(layers[$0]) }
        return Network(tensors: ts, layers: ls, spatialDims: spatialDims)
    }

    static func layer(_ l: hwnas_layer) -> Layer {
        func act(_ v: Int32) -> Activation { Activation(rawValue: v) ?? .none }
        let attrs = LayerAttributes(
            kernelH: Int(l.kernel_h), kernelW: Int(l.kernel_w), strideH: Int(l.stride_h), strideW: Int(l.stride_w),
            dilationH: Int(l.dilation_h), dilationW: Int(l.dilation_w), padTop: Int(l.pad_top), padLeft: Int(l.pad_left),
            padBottom: Int(l.pad_bottom), padRight: Int(l.pad_right), preActivation: act(l.pre_activation),
            activation: act(l.activation), batchNorm: l.batch_norm == HWNAS_BN_FOLDED, shuffleGroups: Int(l.shuffle_groups),
            hiddenC: Int(l.hidden_c), hiddenActivation: act(l.hidden_activation), gateActivation: act(l.gate_activation))
        return Layer(op: l.op.map { String(cString: $0) } ?? "", kernel: Int(l.kernel), stride: Int(l.stride), groups: Int(l.groups),
                     expansion: Int(l.expansion), input: Int(l.input), input2: Int(l.input2), output: Int(l.output),
                     inShape: TensorShape(c: Int(l.in_c), h: Int(l.in_h), w: Int(l.in_w)),
                     outShape: TensorShape(c: Int(l.out_c), h: Int(l.out_h), w: Int(l.out_w)),
                     flags: LayerFlags(rawValue: l.flags), params: l.params, macs: l.macs, weightElems: l.weight_elems,
                     biasElems: l.bias_elems, cell: l.cell.map { String(cString: $0) } ?? "", attrs: attrs)
    }

    static func record(_ l: Layer, op: UnsafePointer<CChar>, cell: UnsafePointer<CChar>) -> hwnas_layer {
        var r = hwnas_layer()
        r.struct_size = UInt32(MemoryLayout<hwnas_layer>.size)
        r.op = op; r.kernel = Int32(l.kernel); r.stride = Int32(l.stride); r.groups = Int32(l.groups); r.expansion = Int32(l.expansion)
        r.input = Int32(l.input); r.input2 = Int32(l.input2); r.output = Int32(l.output)
        r.in_c = Int32(l.inShape.c); r.in_h = Int32(l.inShape.h); r.in_w = Int32(l.inShape.w)
        r.out_c = Int32(l.outShape.c); r.out_h = Int32(l.outShape.h); r.out_w = Int32(l.outShape.w)
        r.flags = l.flags.rawValue | HWNAS_LAYER_EXPLICIT_PADDING
        r.params = l.params; r.macs = l.macs; r.weight_elems = l.weightElems; r.bias_elems = l.biasElems
        r.cell = cell
        let a = l.attrs
        r.kernel_h = Int32(a.kernelH); r.kernel_w = Int32(a.kernelW); r.stride_h = Int32(a.strideH); r.stride_w = Int32(a.strideW)
        r.dilation_h = Int32(a.dilationH); r.dilation_w = Int32(a.dilationW)
        r.pad_top = Int32(a.padTop); r.pad_left = Int32(a.padLeft); r.pad_bottom = Int32(a.padBottom); r.pad_right = Int32(a.padRight)
        r.pre_activation = a.preActivation.rawValue; r.activation = a.activation.rawValue
        r.batch_norm = a.batchNorm ? HWNAS_BN_FOLDED : HWNAS_BN_NONE
        r.shuffle_groups = Int32(a.shuffleGroups); r.hidden_c = Int32(a.hiddenC)
        r.hidden_activation = a.hiddenActivation.rawValue; r.gate_activation = a.gateActivation.rawValue
        return r
    }
}

/// HWNAS_LAYER_SIZE_1_0: a 1.0 layer record ends where kernel_h starts.
public let layerSize10 = MemoryLayout<hwnas_layer>.offset(of: \hwnas_layer.kernel_h)!
