// A network as MCUNet's TinyEngine runs it. TinyEngine's code generator
// reads the converter's .tflite file (TFLMGraph is that graph) and writes C
// with one static buffer; hwnas follows its rules (mit-han-lab/tinyengine,
// code_generator/TfliteConvertor.py, GeneralMemoryScheduler.py and the
// operators' buffer sizes; MCUNet, NeurIPS 2020, section 3.2):
//   PAD            fused into the convolution after it (its output is never
//                  allocated; the kernel pads as it reads)
//   RESHAPE        nothing (the tensor keeps its buffer)
//   MEAN           an average pool;  FULLY_CONNECTED: a 1x1 convolution
//   DEPTHWISE_CONV_2D  in place: the output overwrites the input, channel by
//                  channel through a 2 x (h + 2p) x (w + 2p) byte buffer;
//                  after a stride-2 one the tensor needs only a quarter.
//                  hwnas keeps a separate output where the input is read
//                  again later (a residual), which TinyEngine does not check.
//   other ops      element-wise kernels with their own output (TinyEngine's
//                  TFLite parser has no stand-alone activation, MUL or
//                  CONCATENATION; its operator library does)
// Memory: the activation tensors placed by FirstFitPlanner, plus two static
// buffers sized for the largest need of any op: im2col (a convolution: 2
// columns of int16, k x k x cin x 4 bytes) and the kernel buffer (the
// weights as int16 of a convolution whose kernel is more than one row tall:
// small for a MobileNet's stem, large for a network of full 3x3
// convolutions such as NAS-Bench-201's). Flash: per convolution its int8 weights,
// an int32 bias and an int32 requantisation scale per output channel, plus
// other constant data; the runtime's code is the profile's runtime_flash_kb.
import HwnasOps

public struct TinyEngineSchedule: Sendable {
    public struct Op: Sendable {
        public var kernel: TFLMKernel
        /// Planner tensor indices read and written (an in-place op writes its input).
        public var inputs: [Int]
        public var output: Int
        public var inPlace: Bool
        public var layer: Int
        public var im2colBytes: Int64
        public var kernelBufferBytes: Int64
    }

    public private(set) var ops: [Op] = []
    public private(set) var tensors: [PlannedTensor] = []
    /// Flash data: int8 weights, int32 biases and scales, other constants.
    public private(set) var weightBytes: Int64 = 0
    public private(set) var biasAndScaleBytes: Int64 = 0
    public private(set) var constantBytes: Int64 = 0

    public init(_ g: TFLMGraph) {
        var buffer = [Int](repeating: -1, count: g.tensors.count)   // TFLM tensor -> planner tensor
        // PAD and RESHAPE outputs are their input's data.
        var view = Array(0..<g.tensors.count)
        // The last op reading each tensor's data, to know whether a depthwise
        // convolution may overwrite its input.
        var lastReader = [Int](repeating: -1, count: g.tensors.count)
        for (k, op) in g.ops.enumerated() {
            if op.kernel == .pad || op.kernel == .reshape { view[op.output] = view[op.inputs[0]]; continue }
            for t in op.inputs where !g.tensors[t].constant { lastReader[view[t]] = k }
        }
        if !g.ops.isEmpty { lastReader[view[g.output]] = g.ops.count }
        var alias = view   // and in-place outputs are their input's buffer

        func tensor(_ t: Int, at k: Int) -> Int {
            let a = alias[t]
            if buffer[a] < 0 {
                buffer[a] = tensors.count
                tensors.append(PlannedTensor(size: g.tensors[a].bytes, start: k, end: k + 1))
            }
            return buffer[a]
        }
        var opIndex = 0
        for (k, op) in g.ops.enumerated() {
            if op.kernel == .pad || op.kernel == .reshape { continue }
            let activations = op.inputs.filter { !g.tensors[$0].constant && g.tensors[$0].bytes > 0 }
            let inputs = activations.map { tensor($0, at: opIndex) }
            let w = op.window
            var im2col: Int64 = 0, kernelBuffer: Int64 = 0, inPlace = false
            switch op.kernel {
            case .conv2D:
                let window = Int64(w?.kernelH ?? 1) * Int64(w?.kernelW ?? 1)
                im2col = window * Int64(w?.channels ?? 0) * 4
                // TinyEngine's rule: kernels taller than one row keep their
                // weights as int16 (a 1-D network's 1 x k kernels do not).
                if (w?.kernelH ?? 1) > 1 { kernelBuffer = 2 * g.tensors[op.inputs[1]].bytes }
            case .depthwiseConv2D:
                inPlace = !inputs.isEmpty && lastReader[view[op.inputs[0]]] == k   // (a constant input is not a buffer)
                if let w {
                    let padH = Int64(w.kernelH / 2), padW = Int64(w.kernelW / 2)
                    im2col = inPlace ? 2 * (Int64(w.inH) + 2 * padH) * (Int64(w.inW) + 2 * padW)
                                     : 2 * Int64(w.kernelH) * Int64(w.kernelW) * Int64(w.channels)
                    if inPlace && w.strideH == 2 && w.strideW == 2 { tensors[inputs[0]].quarterAfter = opIndex }
                }
            case .fullyConnected:
                im2col = 4 * g.tensors[activations.first ?? op.inputs[0]].bytes
            default:
                break
            }
            switch op.kernel {
            case .conv2D, .depthwiseConv2D, .fullyConnected:   // int8 weights, an int32 bias and scale per channel
                weightBytes += g.tensors[op.inputs[1]].bytes
                biasAndScaleBytes += 8 * Int64(op.perChannel)
            case .mean, .transpose:                             // axes and permutations are code
                break
            default:
                for t in op.inputs where g.tensors[t].constant { constantBytes += g.tensors[t].bytes }
            }
            let output: Int
            if inPlace, let i = inputs.first {
                output = i
                alias[op.output] = alias[op.inputs[0]]
            } else {
                output = tensor(op.output, at: opIndex)
            }
            for t in inputs + [output] { tensors[t].end = max(tensors[t].end, opIndex + 1) }
            ops.append(Op(kernel: op.kernel, inputs: inputs, output: output, inPlace: inPlace, layer: op.layer,
                          im2colBytes: im2col, kernelBufferBytes: kernelBuffer))
            opIndex += 1
        }
        // The network's output stays until the end.
        if let last = ops.last { tensors[last.output].end = max(tensors[last.output].end, ops.count) }
    }
}

/// TinyEngine's memory for one network, in its own terms.
public struct TinyEngineMemory: Sendable {
    /// The activation tensors as the planner lays them out.
    public var activationBytes: Int64
    /// The most activation bytes alive at one op, and that op.
    public var liveBytes: Int64
    public var liveAtOp: Int, liveAtLayer: Int, liveKernel: TFLMKernel?
    /// The static buffers: the largest need of any op, and which op.
    public var im2colBytes: Int64, im2colLayer: Int
    public var kernelBufferBytes: Int64, kernelBufferLayer: Int
    public var opCount: Int, tensorCount: Int, inPlaceCount: Int
    public var weightBytes: Int64, biasAndScaleBytes: Int64, constantBytes: Int64
    public var totalBytes: Int64 { activationBytes + im2colBytes + kernelBufferBytes }
    public var dataFlashBytes: Int64 { weightBytes + biasAndScaleBytes + constantBytes }

    public static func estimate(_ s: TinyEngineSchedule) -> TinyEngineMemory {
        let planned = FirstFitPlanner.plan(s.tensors).size
        var delta = [Int64](repeating: 0, count: s.ops.count + 1)
        for t in s.tensors { delta[t.start] += t.size; delta[min(t.end, s.ops.count)] -= t.size }
        var live: Int64 = 0, liveAt = 0, running: Int64 = 0
        for k in 0..<s.ops.count {
            running += delta[k]
            if running > live { live = running; liveAt = k }
        }
        var im2col: Int64 = 0, im2colLayer = 0, kbuf: Int64 = 0, kbufLayer = 0
        for op in s.ops {
            if op.im2colBytes > im2col { im2col = op.im2colBytes; im2colLayer = op.layer }
            if op.kernelBufferBytes > kbuf { kbuf = op.kernelBufferBytes; kbufLayer = op.layer }
        }
        let at = s.ops.isEmpty ? nil : s.ops[liveAt]
        return TinyEngineMemory(activationBytes: planned, liveBytes: live, liveAtOp: liveAt, liveAtLayer: at?.layer ?? 0,
                                liveKernel: at?.kernel, im2colBytes: im2col, im2colLayer: im2colLayer,
                                kernelBufferBytes: kbuf, kernelBufferLayer: kbufLayer, opCount: s.ops.count,
                                tensorCount: s.tensors.count, inPlaceCount: s.ops.filter(\.inPlace).count,
                                weightBytes: s.weightBytes, biasAndScaleBytes: s.biasAndScaleBytes, constantBytes: s.constantBytes)
    }
}
