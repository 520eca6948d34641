// The network IR as JSON: the field names of hwnas_layer (docs/network-ir.md),
// the same object the command evaluator sends as `network` in each request.
import Foundation
import HwnasOps

public enum NetworkIRJSON {
    public static func object(_ n: Network) -> [String: Any] {
        Dictionary(uniqueKeysWithValues: fields(n).map { ($0.0, $0.1.foundation) })
    }

    /// The network's fields, listed once for both forms (the object above
    /// and the document below).
    static func fields(_ n: Network) -> [(String, PrettyJSON.Value)] {
        [("spatial_dims", .int(n.spatialDims)), ("layers", .array(n.layers.map(layerValue))),
         ("tensors", .array(n.tensors.map { .object([("c", .int($0.c)), ("h", .int($0.h)), ("w", .int($0.w))]) }))]
    }

    /// The file `hwnas export --format json` writes: the IR plus `about`
    /// (space and arch, or model) and the network's params and MACs.
    /// Written by `PrettyJSON`, byte for byte what JSONSerialization's
    /// pretty-printed, sorted-keys output is, 100x faster (its key sort
    /// compares with the locale; a supernet asks for thousands of networks).
    public static func document(_ n: Network, about: [String: String]) throws -> Data {
        var top = fields(n)
        func set(_ key: String, _ value: PrettyJSON.Value) {
            if let i = top.firstIndex(where: { $0.0 == key }) { top[i].1 = value } else { top.append((key, value)) }
        }
        for (k, v) in about { set(k, .string(v)) }
        set("params", .int(Int(n.params)))
        set("macs", .int(Int(n.macs)))
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
