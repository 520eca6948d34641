// The JSON-lines protocol between the command evaluator and a user program
// (docs/evaluator-protocol.md is the reference). One JSON object per line
// each way: hello, then evaluate requests answered by result/error replies.
import CHwnasABI
import Foundation
import HwnasPluginSupport

/// A worker's answer to one evaluate request.
enum WorkerReply {
    /// `checkpoint`: the reply's token to resume this candidate from (a
    /// higher fidelity's request carries it back as "resume").
    case result(objective: Double, metrics: [String: Double], checkpoint: String?)
    case error(String)
}

enum EvaluatorProtocol {
    static let version = 1
    static let maxLineBytes = 16 << 20

    static func parseObject(_ line: String) -> Result<[String: Any], PluginError> {
        guard let data = line.data(using: .utf8),
              let any = try? JSONSerialization.jsonObject(with: data),
              let object = any as? [String: Any] else { return .failure(PluginError("not a JSON object")) }
        return .success(object)
    }

    /// A reply carrying this request's id: objective (or metrics[metric]) must
    /// be a finite number; extra metrics that are not finite numbers are dropped.
    static func parseReply(_ m: [String: Any], metric: String = "accuracy") -> Result<WorkerReply, PluginError> {
        if let error = m["error"] {
            return .success(.error(error as? String ?? "\(error)"))
        }
        var metrics: [String: Double] = [:]
        if let raw = m["metrics"] as? [String: Any] {
            for (k, v) in raw { if let d = number(v), d.isFinite { metrics[k] = d } }
        } else if m["metrics"] != nil && !(m["metrics"] is NSNull) {
            return .failure(PluginError("'metrics' must be an object"))
        }
        let objective: Double?
        if let o = m["objective"] { objective = number(o) } else { objective = metrics[metric] }
        guard let objective, objective.isFinite else {
            return .failure(PluginError("'objective' is missing or not a finite number"))
        }
        var checkpoint: String?
        if let c = m["checkpoint"], !(c is NSNull) {
            guard let text = c as? String else { return .failure(PluginError("'checkpoint' must be a string")) }
            checkpoint = text
        }
        return .success(.result(objective: objective, metrics: metrics, checkpoint: checkpoint))
    }

    /// JSON numbers only (JSONSerialization turns true/false into NSNumber too).
    private static func number(_ v: Any) -> Double? {
        guard let n = v as? NSNumber else { return nil }
        if String(cString: n.objCType) == "c" { return nil }   // a JSON boolean
        return n.doubleValue
    }

    static func cancelLine(id: Int) -> String { #"{"type":"cancel","id":\#(id)}"# }

    static func encode(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func helloLine(worker: Int, space: SearchSpaceView, metricNames: [String]) -> String {
        encode([
            "type": "hello", "protocol": version, "host": "hwnas", "worker": worker,
            "metrics": metricNames,
            "space": ["name": space.name, "dims": space.dimNames, "choices": space.choiceNames] as [String: Any],
        ])
    }

    /// `extra`: the host's request fields for this candidate (ABI 1.2's
    /// "fidelity" and "resume"), added to the line as they are.
    static func requestLine(id: Int, arch: String, genotype: [Int32], space: SearchSpaceView, network: NetworkView?,
                            extra: [String: Any] = [:]) -> String {
        let choices: [String] = genotype.enumerated().map { d, c in
            d < space.choiceNames.count && Int(c) < space.choiceNames[d].count ? space.choiceNames[d][Int(c)] : "\(c)"
        }
        var line: [String: Any] = [
            "type": "evaluate", "id": id, "arch": arch,
            "genotype": genotype.map { Int($0) }, "choices": choices,
            "network": network.map(networkObject) ?? NSNull(),
        ]
        for key in ["fidelity", "resume"] { if let v = extra[key] { line[key] = v } }
        return encode(line)
    }

    static let activationNames = ["none", "relu", "relu6", "hswish", "hsigmoid", "sigmoid", "swish"]
    static func activation(_ a: Int32) -> String { a >= 0 && Int(a) < activationNames.count ? activationNames[Int(a)] : "unknown(\(a))" }

    /// Field names follow hwnas_layer in hwnas/network.h (docs/network-ir.md).
    static func networkObject(_ n: NetworkView) -> [String: Any] {
        [
            "spatial_dims": n.spatialDims,
            "layers": n.layers.map { l -> [String: Any] in
                [
                    "op": l.op, "kernel": l.kernel, "stride": l.stride, "groups": l.groups, "expansion": l.expansion,
                    "input": l.input, "input2": l.input2, "output": l.output,
                    "in_c": l.inC, "in_h": l.inH, "in_w": l.inW, "out_c": l.outC, "out_h": l.outH, "out_w": l.outW,
                    "residual": l.isResidual, "inplace": l.isInPlace,
                    "params": Int(l.params), "macs": Int(l.macs), "weight_elems": Int(l.weightElems),
                    "bias_elems": Int(l.biasElems), "cell": l.cell,
                    "kernel_h": l.kernelH, "kernel_w": l.kernelW, "stride_h": l.strideH, "stride_w": l.strideW,
                    "dilation_h": l.dilationH, "dilation_w": l.dilationW,
                    "pad_top": l.padTop, "pad_left": l.padLeft, "pad_bottom": l.padBottom, "pad_right": l.padRight,
                    "pre_activation": activation(l.preActivation), "activation": activation(l.activation),
                    "batch_norm": l.batchNorm == HWNAS_BN_FOLDED, "shuffle_groups": l.shuffleGroups,
                    "hidden_c": l.hiddenC, "hidden_activation": activation(l.hiddenActivation),
                    "gate_activation": activation(l.gateActivation),
                ]
            },
            "tensors": n.tensors.map { ["c": $0.c, "h": $0.h, "w": $0.w] },
        ]
    }
}
