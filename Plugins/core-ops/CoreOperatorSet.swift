// Operator set "core": the built-in operator math of HwnasOps (conv2d,
// depthwise / pointwise conv, FBNet inverted residual, ReLU-Conv-BN, pools,
// identity, zero, add, batchnorm, squeeze-excite, global pool, linear)
// behind the C ABI; windows of any size, stride, dilation and padding.
import CHwnasABI
import HwnasOps
import HwnasPluginSupport

final class CoreOperatorSet: OperatorSet {
    let ops = BuiltinOperators()
    var opNames: [String] { BuiltinOperators.opNames }

    func infer(_ q: OperatorQuery) throws -> OperatorInfo? {
        var query = OpQuery(op: q.op, inC: q.inC, inH: q.inH, inW: q.inW, outC: q.outC, kernel: q.kernel,
                            stride: q.stride, groups: q.groups, expansion: q.expansion)
        query.kernelH = q.kernelH; query.kernelW = q.kernelW; query.strideH = q.strideH; query.strideW = q.strideW
        query.dilationH = q.dilationH; query.dilationW = q.dilationW
        query.padTop = q.padTop; query.padLeft = q.padLeft; query.padBottom = q.padBottom; query.padRight = q.padRight
        query.hiddenC = q.hiddenC
        do {
            let r = try ops.infer(query)
            return OperatorInfo(outC: r.outC, outH: r.outH, outW: r.outW, params: r.params, macs: r.macs,
                                weightElems: r.weightElems, biasElems: r.biasElems, activationBytes: r.activationBytes)
        } catch OpError.unknownOp {
            return nil
        }
    }
}

private let plugin = PluginExport(operatorSets: [
    OperatorSetKind(PluginDescriptor(id: "core", name: "Core operators",
                                     description: "conv2d, dw/pw conv, inverted residual, ReLU-Conv-BN, pools, identity, zero, add, batchnorm, squeeze_excite, linear")) { _ in
        CoreOperatorSet()
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
