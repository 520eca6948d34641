// Routes HwnasOps' operator questions through a loaded operator-set plugin
// (hwnas_operator_set.infer), so a third-party operator set defines the math.
import CHwnasABI
import HwnasOps

public struct PluginOperatorInference: OperatorInference, @unchecked Sendable {
    public let set: LoadedOperatorSet
    public init(_ set: LoadedOperatorSet) { self.set = set }

    public func infer(_ q: OpQuery) throws -> OpInfo {
        var info = hwnas_op_info()
        info.struct_size = UInt32(MemoryLayout<hwnas_op_info>.size)
        let st = q.op.withCString { op -> hwnas_status in
            var query = hwnas_op_query(
                struct_size: UInt32(MemoryLayout<hwnas_op_query>.size), reserved: 0, op: op,
                in_c: Int32(q.inC), in_h: Int32(q.inH), in_w: Int32(q.inW), out_c: Int32(q.outC),
                kernel: Int32(q.kernel), stride: Int32(q.stride), groups: Int32(q.groups), expansion: Int32(q.expansion))
            return set.raw.pointee.infer!(set.raw, &query, &info)
        }
        switch st {
        case HWNAS_OK:
            return OpInfo(outC: Int(info.out_c), outH: Int(info.out_h), outW: Int(info.out_w), params: info.params,
                          macs: info.macs, weightElems: info.weight_elems, biasElems: info.bias_elems,
                          activationBytes: info.activation_bytes)
        case HWNAS_ERR_UNKNOWN_ID:
            throw OpError.unknownOp("\(q.op) (operator set '\(set.descriptor.id)')")
        default:
            throw OpError.invalidShape("operator set '\(set.descriptor.id)' rejected \(q.op) on \(q.input) (status \(st))")
        }
    }
}
