// Swift owner of a C hwnas_executor (Sources/Libraries/HwnasExecutor) running one
// expanded network with real float32 kernels on this CPU.
import HwnasCore
import CHwnasABI
import HwnasExecutor
import HwnasLUT
import HwnasOps

public final class CPUExecutor {
    public let network: CNetwork
    private let raw: OpaquePointer

    public init(_ network: Network, batch: Int = 1, seed: UInt64 = 0, batchNorm: Bool = false) throws {
        self.network = CNetwork(network)
        var err = [CChar](repeating: 0, count: 512)
        var opts = hwnas_executor_options(batch: Int32(batch), bn_mode: batchNorm ? HWNAS_EXEC_BN_BATCH : HWNAS_EXEC_BN_FOLDED, seed: seed)
        guard let ex = hwnas_executor_create(self.network.pointer, &opts, &err, err.count) else {
            throw HwnasError("executor: \(FactoryCall.errorText(err))")
        }
        raw = ex
    }
    deinit { hwnas_executor_destroy(raw) }

    public func run() throws {
        if hwnas_executor_run(raw) != 0 { throw HwnasError("executor: \(String(cString: hwnas_executor_last_error(raw)))") }
    }

    /// Latency samples (ms) of one layer (nil: the whole network).
    public func time(layer: Int? = nil, warmup: Int, repeats: Int) throws -> [Double] {
        var samples = [Double](repeating: 0, count: repeats)
        if hwnas_executor_time(raw, Int32(layer ?? -1), Int32(warmup), Int32(repeats), &samples) != 0 {
            throw HwnasError("executor: \(String(cString: hwnas_executor_last_error(raw)))")
        }
        return samples
    }

    public static func setThreads(_ n: Int) { hwnas_executor_set_threads(Int32(n)) }
    public static var threads: Int { Int(hwnas_executor_get_threads()) }
    public static var blasConfig: String { String(cString: hwnas_executor_blas_config()) }
}

extension OperatorKey {
    /// The lookup key of an expanded layer.
    public init(_ l: Layer) {
        let a = l.attrs
        self.init(op: l.op, inC: l.inShape.c, inH: l.inShape.h, inW: l.inShape.w, outC: l.outShape.c, outH: l.outShape.h,
                  outW: l.outShape.w, kernel: l.kernel, stride: l.stride, groups: l.groups, expansion: l.expansion,
                  residual: l.flags.contains(.residual),
                  attrs: OperatorKey.attributes(kernelH: a.kernelH, kernelW: a.kernelW, strideH: a.strideH, strideW: a.strideW,
                                                dilationH: a.dilationH, dilationW: a.dilationW,
                                                pads: (a.padTop, a.padLeft, a.padBottom, a.padRight),
                                                preActivation: a.preActivation.rawValue, activation: a.activation.rawValue,
                                                batchNorm: a.batchNorm, shuffleGroups: a.shuffleGroups, hiddenC: a.hiddenC,
                                                hiddenActivation: a.hiddenActivation.rawValue, gateActivation: a.gateActivation.rawValue))
    }
}

extension CPUExecutor {
    /// The values of tensor `id` (batch x c x h x w floats) after the last run.
    public func tensor(_ id: Int) -> [Float] {
        var n = 0
        guard let p = hwnas_executor_tensor(raw, UInt32(id), &n) else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    func param(_ layer: Int, _ which: Int) -> [Float]? {
        var n = 0
        guard let p = hwnas_executor_param(raw, UInt32(layer), UInt32(which), &n) else { return nil }
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    /// The parameters of layer `index` as deployed (batch norm folded into
    /// the weights and bias before it), in the order docs/network-ir.md's
    /// export section gives: a convolution [weight, bias] (no bias when the
    /// layer has neither BN nor one), inverted_residual three such pairs,
    /// linear [weight, bias], batchnorm [scale, shift], squeeze_excite
    /// [W1, b1, W2, b2]; nothing for ops without parameters. Read from the
    /// executor's buffers (hwnas_executor_param's layout), in its inference
    /// form (HWNAS_EXEC_BN_FOLDED).
    public func deployedParameters(_ index: Int) -> [[Float]] {
        let l = network.layer(index)
        let p = (0..<9).map { param(index, $0) }
        /// A convolution's (weight, scale, shift) triple at `k`, folded or not.
        func conv(_ k: Int, folded: Bool, bias: Bool) -> [[Float]] {
            let w = p[k]!, scale = p[k + 1]!, shift = p[k + 2]!
            guard folded else { return bias ? [w, shift] : [w] }
            let perOut = w.count / scale.count
            return [(0..<w.count).map { w[$0] * scale[$0 / perOut] }, shift]
        }
        if p[8] != nil { return conv(0, folded: true, bias: true) + conv(3, folded: true, bias: true) + conv(6, folded: true, bias: true) }
        if p[3] != nil { return p[0..<4].map { $0! } }                     // squeeze_excite
        if p[0] == nil { return p[1].map { [$0, p[2]!] } ?? [] }           // batchnorm, or no parameters
        if p[2] == nil { return [p[0]!, p[1]!] }                           // linear
        return conv(0, folded: l.batch_norm == HWNAS_BN_FOLDED, bias: l.bias_elems > 0)
    }
}
