// Swift owner of a C hwnas_executor (Sources/HwnasExecutor) running one
// expanded network with real float32 kernels on this CPU.
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
