// What TensorFlow Lite Micro allocates in its arena for a network:
//   head (the tensor arena): every non-constant tensor, 16-byte aligned,
//        laid out by TFLM's greedy planner over the op-index lifetimes TFLM
//        gives them (inputs from op 0, outputs to the end);
//   tail (persistent): a TfLiteEvalTensor per tensor (constants too), a
//        node + registration per op, each kernel's op data and builtin
//        parameters, per-channel output multipliers and shifts (2 x int32
//        per output channel of a convolution), and the interpreter's fixed
//        part (allocator and planner objects, the input/output tensors).
// The tail's structs hold pointers, so their sizes depend on the target:
// `TFLMLayout.mcu32` is a 32-bit Cortex-M, `TFLMLayout.host64` the 64-bit
// host interpreter the tests run (tflite-micro's Python wheel), where each
// figure was measured. The head does not depend on the pointer size.
// docs/operators-and-mcu.md lists every figure and its source.
import HwnasOps

/// Byte sizes of TFLM's persistent structures on one target.
public struct TFLMLayout: Sendable, Hashable {
    public var pointerBytes: Int
    /// Per tensor (TfLiteEvalTensor: data and dims pointers, type).
    public var evalTensor: Int64
    /// Per op (TfLiteNode + registration pointer).
    public var node: Int64
    /// Interpreter, allocator, planner, persistent input/output tensors.
    public var fixed: Int64
    /// Per op by kernel: op data + builtin parameters (alignment included).
    public var kernel: [TFLMKernel: Int64] { didSet { byIndex = Self.index(kernel) } }
    /// `kernel` by TFLMKernel.index (estimates price thousands of networks a second).
    private(set) var byIndex: [Int64]

    public init(pointerBytes: Int, evalTensor: Int64, node: Int64, fixed: Int64, kernel: [TFLMKernel: Int64]) {
        self.pointerBytes = pointerBytes; self.evalTensor = evalTensor; self.node = node; self.fixed = fixed
        self.kernel = kernel; byIndex = Self.index(kernel)
    }

    static func index(_ k: [TFLMKernel: Int64]) -> [Int64] { TFLMKernel.allCases.map { k[$0] ?? 0 } }

    /// The host interpreter the tests run (tflite-micro 0.dev20261023182759,
    /// its RecordingMicroAllocator, built with TFLM's compression support):
    /// per-op figures fitted over 60 networks and single-op probes (within
    /// 16 B of every one), rounded up to 8 B, as alignment padding moves
    /// with each allocation's position. Fixed: the recording allocator's
    /// objects (488 B), the input and output TfLiteTensor (2 x 64 B), their
    /// quantisation (2 x 32 B) and pointer arrays (2 x 16 B).
    public static let host64 = TFLMLayout(pointerBytes: 8, evalTensor: 24, node: 64, fixed: 712, kernel: [
        .conv2D: 112, .depthwiseConv2D: 112, .fullyConnected: 112, .add: 72, .mul: 56, .relu: 32, .relu6: 24,
        .hardSwish: 40, .logistic: 24, .averagePool2D: 80, .maxPool2D: 80, .mean: 80, .pad: 64, .concatenation: 96,
        .reshape: 40, .transpose: 8,
    ])

    /// A 32-bit MCU build (Cortex-M, AAPCS; no compression support): the
    /// same structures with 4-byte pointers, from TFLM's headers. Per op:
    /// builtin parameters (conv 28, depthwise 28, fully connected 16, add 8,
    /// mul 4, pool 40, mean 1, concat 8, reshape 36 B) + the kernel's op data,
    /// 16-byte aligned (OpDataConv 56, OpDataFullyConnected 48, OpDataAdd 60,
    /// OpDataMul 36, ReLU 28, ReLU6 8, HardSwish 20, Logistic 16, pooling 32,
    /// reduce 40 + a scratch handle, pad 56, concatenation 24 B). Fixed:
    /// MicroAllocator's default tail (132 B: allocator, planner, subgraph
    /// records), input and output TfLiteTensor (2 x 40 B), quantisation
    /// (2 x 20 B), pointer arrays (2 x 16 B).
    public static let mcu32 = TFLMLayout(pointerBytes: 4, evalTensor: 12, node: 32, fixed: 288, kernel: [
        .conv2D: 96, .depthwiseConv2D: 96, .fullyConnected: 64, .add: 72, .mul: 56, .relu: 32, .relu6: 16,
        .hardSwish: 32, .logistic: 16, .averagePool2D: 72, .maxPool2D: 72, .mean: 56, .pad: 64, .concatenation: 40,
        .reshape: 40, .transpose: 8,
    ])

    public static func forPointerBytes(_ p: Int) -> TFLMLayout? {
        p == 4 ? .mcu32 : p == 8 ? .host64 : nil
    }
}

/// Which kernels TFLM is built with: they decide the scratch buffers.
public enum TFLMKernels: String, Sendable, Hashable, CaseIterable {
    /// The portable reference kernels (what tflite-micro's Python wheel runs).
    case reference
    /// CMSIS-NN's optimised kernels on a Cortex-M with DSP extension.
    case cmsisNN = "cmsis-nn"
}

public struct TFLMArenaEstimate: Sendable {
    /// The tensor arena as TFLM's greedy planner lays it out.
    public var headBytes: Int64
    /// The most bytes alive at one op (perfect packing would need this).
    public var liveBytes: Int64
    /// The TFLM op (and the IR layer it comes from) where that happens.
    public var liveAtOp: Int, liveAtLayer: Int, liveKernel: TFLMKernel?
    /// Persistent allocations and their parts.
    public var tailBytes: Int64
    public var evalTensorBytes: Int64, nodeBytes: Int64, opDataBytes: Int64, perChannelBytes: Int64, fixedBytes: Int64
    public var tensorCount: Int, opCount: Int, plannedCount: Int, scratchCount: Int
    public var totalBytes: Int64 { headBytes + tailBytes }
}

public enum TFLMArena {
    public static let alignment: Int64 = 16
    static func align(_ b: Int64) -> Int64 { (b + alignment - 1) / alignment * alignment }

    /// The planner's buffers: non-constant tensors with TFLM's lifetimes
    /// (scope 0 = before the first op, op k = scope k + 1), and the tensor
    /// each buffer holds.
    /// Scratch buffers follow the tensors (tensor -1 in `tensors`).
    public static func buffers(_ g: TFLMGraph, kernels: TFLMKernels = .reference) -> (buffers: [ArenaBuffer], tensors: [Int]) {
        var first = [Int](repeating: -1, count: g.tensors.count), last = first
        first[g.input] = 0; last[g.input] = 0
        first[g.output] = 0; last[g.output] = 0
        for (k, op) in g.ops.enumerated() {
            let scope = k + 1
            first[op.output] = scope; last[op.output] = scope
            for t in op.inputs { last[t] = scope }
        }
        last[g.output] = g.ops.count
        var out: [ArenaBuffer] = [], ids: [Int] = []
        for (i, t) in g.tensors.enumerated() where !t.constant && t.bytes > 0 && first[i] >= 0 {
            out.append(ArenaBuffer(size: align(t.bytes), first: first[i], last: last[i]))
            ids.append(i)
        }
        if kernels == .cmsisNN {
            for (k, op) in g.ops.enumerated() where op.cmsisScratch > 0 {
                out.append(ArenaBuffer(size: align(op.cmsisScratch), first: k + 1, last: k + 1))
                ids.append(-1)
            }
        }
        return (out, ids)
    }

    public static func estimate(_ g: TFLMGraph, layout: TFLMLayout, kernels: TFLMKernels = .reference) -> TFLMArenaEstimate {
        let (bufs, ids) = buffers(g, kernels: kernels)
        let head = GreedyArenaPlanner.plan(bufs).size
        // Bytes alive per scope, by a sweep over lifetime starts and ends.
        var delta = [Int64](repeating: 0, count: g.ops.count + 2)
        for b in bufs { delta[b.first] += b.size; delta[b.last + 1] -= b.size }
        var live: Int64 = 0, liveAt = 0, running: Int64 = 0
        for scope in 0...g.ops.count {
            running += delta[scope]
            if running > live { live = running; liveAt = max(scope - 1, 0) }
        }
        let liveOp = g.ops.isEmpty ? nil : g.ops[min(liveAt, g.ops.count - 1)]
        let evalTensors = Int64(g.tensors.count) * layout.evalTensor
        let nodes = Int64(g.ops.count) * layout.node
        var opData: Int64 = 0, perChannel: Int64 = 0
        for op in g.ops {
            opData += layout.byIndex[op.kernel.index]
            perChannel += 2 * align(4 * Int64(op.perChannel))   // multipliers and shifts, int32, 16-byte aligned each
        }
        // One ScratchBufferHandle (a pointer) per scratch buffer, in a 16-byte aligned array.
        let scratchCount = Int64(ids.filter { $0 < 0 }.count)
        let handles = scratchCount > 0 ? align(scratchCount * Int64(layout.pointerBytes)) : 0
        opData += handles
        let tail = layout.fixed + evalTensors + nodes + opData + perChannel
        return TFLMArenaEstimate(headBytes: head, liveBytes: live, liveAtOp: liveAt, liveAtLayer: liveOp?.layer ?? 0,
                                 liveKernel: liveOp?.kernel, tailBytes: tail,
                                 evalTensorBytes: evalTensors, nodeBytes: nodes, opDataBytes: opData,
                                 perChannelBytes: perChannel, fixedBytes: layout.fixed,
                                 tensorCount: g.tensors.count, opCount: g.ops.count, plannedCount: bufs.count,
                                 scratchCount: Int(scratchCount))
    }
}
