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
    /// Written by `PrettyJSON`, byte for byte what JSONSerialization's
    /// pretty-printed, sorted-keys output is, 100x faster (its key sort
    /// compares with the locale; a supernet asks for thousands of networks).
    public static func document(_ n: Network, about: [String: String]) throws -> Data {
        var top: [(String, PrettyJSON.Value)] = about.map { ($0.key, .string($0.value)) }
        top.removeAll { ["layers", "tensors", "spatial_dims", "params", "macs"].contains($0.0) }
        top += [("spatial_dims", .int(n.spatialDims)), ("params", .int(Int(n.params))), ("macs", .int(Int(n.macs))),
                ("layers", .array(n.layers.map(layerValue))),
                ("tensors", .array(n.tensors.map { .object([("c", .int($0.c)), ("h", .int($0.h)), ("w", .int($0.w))]) }))]
        var w = PrettyJSON()
        w.write(.object(top), indent: 0)
        return Data(w.bytes)
    }

    static func layerValue(_ l: Layer) -> PrettyJSON.Value {
        let a = l.attrs
        return .object([
            ("op", .string(l.op)), ("kernel", .int(l.kernel)), ("stride", .int(l.stride)), ("groups", .int(l.groups)),
            ("expansion", .int(l.expansion)), ("input", .int(l.input)), ("input2", .int(l.input2)), ("output", .int(l.output)),
            ("in_c", .int(l.inShape.c)), ("in_h", .int(l.inShape.h)), ("in_w", .int(l.inShape.w)),
            ("out_c", .int(l.outShape.c)), ("out_h", .int(l.outShape.h)), ("out_w", .int(l.outShape.w)),
            ("residual", .bool(l.flags.contains(.residual))), ("inplace", .bool(l.flags.contains(.inPlace))),
            ("params", .int(Int(l.params))), ("macs", .int(Int(l.macs))), ("weight_elems", .int(Int(l.weightElems))),
            ("bias_elems", .int(Int(l.biasElems))), ("cell", .string(l.cell)),
            ("kernel_h", .int(a.kernelH)), ("kernel_w", .int(a.kernelW)), ("stride_h", .int(a.strideH)), ("stride_w", .int(a.strideW)),
            ("dilation_h", .int(a.dilationH)), ("dilation_w", .int(a.dilationW)),
            ("pad_top", .int(a.padTop)), ("pad_left", .int(a.padLeft)), ("pad_bottom", .int(a.padBottom)), ("pad_right", .int(a.padRight)),
            ("pre_activation", .string(a.preActivation.description)), ("activation", .string(a.activation.description)),
            ("batch_norm", .bool(a.batchNorm)), ("shuffle_groups", .int(a.shuffleGroups)),
            ("hidden_c", .int(a.hiddenC)), ("hidden_activation", .string(a.hiddenActivation.description)),
            ("gate_activation", .string(a.gateActivation.description)),
        ])
    }
}
