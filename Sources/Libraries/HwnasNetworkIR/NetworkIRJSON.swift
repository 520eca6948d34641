// The network IR as JSON: the field names of hwnas_layer (docs/network-ir.md),
// the same object the command evaluator sends as `network` in each request.
import Foundation
import HwnasOps

public enum NetworkIRJSON {
    public static func object(_ n: Network) -> [String: Any] {
        [
            "spatial_dims": n.spatialDims,
            "layers": n.layers.map { l -> [String: Any] in
                let a = l.attrs
                return [
                    "op": l.op, "kernel": l.kernel, "stride": l.stride, "groups": l.groups, "expansion": l.expansion,
                    "input": l.input, "input2": l.input2, "output": l.output,
                    "in_c": l.inShape.c, "in_h": l.inShape.h, "in_w": l.inShape.w,
                    "out_c": l.outShape.c, "out_h": l.outShape.h, "out_w": l.outShape.w,
                    "residual": l.flags.contains(.residual), "inplace": l.flags.contains(.inPlace),
                    "params": Int(l.params), "macs": Int(l.macs), "weight_elems": Int(l.weightElems),
                    "bias_elems": Int(l.biasElems), "cell": l.cell,
                    "kernel_h": a.kernelH, "kernel_w": a.kernelW, "stride_h": a.strideH, "stride_w": a.strideW,
                    "dilation_h": a.dilationH, "dilation_w": a.dilationW,
                    "pad_top": a.padTop, "pad_left": a.padLeft, "pad_bottom": a.padBottom, "pad_right": a.padRight,
                    "pre_activation": a.preActivation.description, "activation": a.activation.description,
                    "batch_norm": a.batchNorm, "shuffle_groups": a.shuffleGroups,
                    "hidden_c": a.hiddenC, "hidden_activation": a.hiddenActivation.description,
                    "gate_activation": a.gateActivation.description,
                ]
            },
            "tensors": n.tensors.map { ["c": $0.c, "h": $0.h, "w": $0.w] },
        ]
    }

    /// The file `hwnas export --format json` writes: the IR plus `about`
    /// (space and arch, or model) and the network's params and MACs.
    public static func document(_ n: Network, about: [String: String]) throws -> Data {
        var object = object(n)
        for (k, v) in about { object[k] = v }
        object["params"] = Int(n.params)
        object["macs"] = Int(n.macs)
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
