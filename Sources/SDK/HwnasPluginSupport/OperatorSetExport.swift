// hwnas_operator_set instances backed by a Swift OperatorSet.
import CHwnasABI

/// hwnas_op_query as Swift values. A query from a 1.0 host has no 1.1
/// fields: the window is kernel x kernel with "same" padding (pads -1).
public struct OperatorQuery: Sendable {
    public let op: String
    public let inC, inH, inW, outC, kernel, stride, groups, expansion: Int
    public let kernelH, kernelW, strideH, strideW, dilationH, dilationW: Int
    /// -1 on every side: "same" padding.
    public let padTop, padLeft, padBottom, padRight: Int
    public let hiddenC: Int

    init(_ q: UnsafePointer<hwnas_op_query>) {
        let v = q.pointee
        op = v.op.map { String(cString: $0) } ?? ""
        inC = Int(v.in_c); inH = Int(v.in_h); inW = Int(v.in_w); outC = Int(v.out_c)
        kernel = Int(v.kernel); stride = Int(v.stride); groups = Int(v.groups); expansion = Int(v.expansion)
        if abiHasField(v.struct_size, \hwnas_op_query.reserved2) {
            kernelH = Int(v.kernel_h); kernelW = Int(v.kernel_w); strideH = Int(v.stride_h); strideW = Int(v.stride_w)
            dilationH = Int(v.dilation_h); dilationW = Int(v.dilation_w)
            padTop = Int(v.pad_top); padLeft = Int(v.pad_left); padBottom = Int(v.pad_bottom); padRight = Int(v.pad_right)
            hiddenC = Int(v.hidden_c)
        } else {
            kernelH = kernel; kernelW = kernel; strideH = stride; strideW = stride; dilationH = 1; dilationW = 1
            padTop = -1; padLeft = -1; padBottom = -1; padRight = -1; hiddenC = 0
        }
    }
}

/// HWNAS_HAS_FIELD for Swift: a struct of `structSize` bytes contains the field.
func abiHasField<T, V>(_ structSize: UInt32, _ field: KeyPath<T, V>) -> Bool {
    guard let off = MemoryLayout<T>.offset(of: field) else { return false }
    return Int(structSize) >= off + MemoryLayout<V>.size
}

public struct OperatorInfo: Sendable {
    public var outC, outH, outW: Int
    public var params, macs, weightElems, biasElems, activationBytes: Int64
    public init(outC: Int, outH: Int, outW: Int, params: Int64, macs: Int64, weightElems: Int64, biasElems: Int64, activationBytes: Int64) {
        self.outC = outC; self.outH = outH; self.outW = outW; self.params = params; self.macs = macs
        self.weightElems = weightElems; self.biasElems = biasElems; self.activationBytes = activationBytes
    }
}

/// Stateless operator definitions: shape inference and costs.
public protocol OperatorSet: AnyObject, Sendable {
    var opNames: [String] { get }
    /// nil for an unknown op; throw for an impossible shape.
    func infer(_ q: OperatorQuery) throws -> OperatorInfo?
}

public struct OperatorSetKind: @unchecked Sendable {
    public let descriptor: PluginDescriptor
    public let make: (PluginOptions) throws -> OperatorSet
    public init(_ descriptor: PluginDescriptor, make: @escaping (PluginOptions) throws -> OperatorSet) {
        self.descriptor = descriptor; self.make = make
    }
}

typealias OperatorSetBox = InstanceBox<(set: OperatorSet, names: [UnsafePointer<CChar>])>

extension PluginExport {
    func createOperatorSet(_ id: UnsafePointer<CChar>?, _ host: UnsafePointer<hwnas_host>?,
                           _ opts: UnsafePointer<hwnas_options>?,
                           _ out: UnsafeMutablePointer<UnsafeMutablePointer<hwnas_operator_set>?>?,
                           _ err: UnsafeMutablePointer<CChar>?, _ cap: UInt32) -> hwnas_status {
        guard let kind = find(operatorSets, id, { $0.descriptor }, err, cap) else { return HWNAS_ERR_UNKNOWN_ID }
        guard let out else { return HWNAS_ERR_INVALID_ARGUMENT }
        let set: OperatorSet
        do { set = try kind.make(PluginOptions(opts, specs: kind.descriptor.options, owner: "operator set '\(kind.descriptor.id)'")) } catch { writeError("\(error)", err, cap); return HWNAS_ERR_INVALID_ARGUMENT }
        let box = OperatorSetBox((set, set.opNames.map(permanentCString)), logger: HostLogger(host: host))
        let s = UnsafeMutablePointer<hwnas_operator_set>.allocate(capacity: 1)
        s.initialize(to: hwnas_operator_set(
            struct_size: UInt32(MemoryLayout<hwnas_operator_set>.size), reserved: 0,
            plugin_data: box.retainedOpaque(),
            op_count: { me in UInt32(OperatorSetBox.from(me!.pointee.plugin_data).value.names.count) },
            op_name: { me, i in
                let names = OperatorSetBox.from(me!.pointee.plugin_data).value.names
                return Int(i) < names.count ? names[Int(i)] : nil
            },
            infer: { me, query, info in
                guard let query, let info else { return HWNAS_ERR_INVALID_ARGUMENT }
                let set = OperatorSetBox.from(me!.pointee.plugin_data).value.set
                let oq = OperatorQuery(query)
                do {
                    guard let r = try set.infer(oq) else { return HWNAS_ERR_UNKNOWN_ID }
                    info.pointee.out_c = Int32(r.outC); info.pointee.out_h = Int32(r.outH); info.pointee.out_w = Int32(r.outW)
                    info.pointee.params = r.params; info.pointee.macs = r.macs
                    info.pointee.weight_elems = r.weightElems; info.pointee.bias_elems = r.biasElems
                    info.pointee.activation_bytes = r.activationBytes
                    return HWNAS_OK
                } catch { return HWNAS_ERR_INVALID_ARGUMENT }
            },
            destroy: { me in
                guard let me else { return }
                OperatorSetBox.release(me.pointee.plugin_data)
                UnsafeMutablePointer(mutating: me).deallocate()
            }))
        out.pointee = s
        return HWNAS_OK
    }
}
