// The size of the .tflite flatbuffer holding a lowered network: what the
// MCU keeps in flash besides the runtime's code. Constant data (int8
// weights, int32 biases and op parameters) plus the flatbuffer's tables:
// per tensor its shape, type, name and quantisation (a float scale and an
// int64 zero point per channel), per op its operand lists and options.
// The table overheads were fitted to the files `hwnas export --format
// tflite` writes (60 networks of the shipped spaces and single-op probes:
// within 0.7% of every file; docs/operators-and-mcu.md).
import HwnasOps

extension TFLMGraph {
    /// Bytes per quantisation channel: a float32 scale and an int64 zero point.
    static let bytesPerScale: Int64 = 12
    static let bytesPerActivationTensor: Int64 = 152
    static let bytesPerConstantTensor: Int64 = 110
    static let bytesPerOp: Int64 = -6
    static let fileHeaderBytes: Int64 = 200

    /// Estimated .tflite size in bytes.
    public var fileBytes: Int64 {
        var bytes = Self.fileHeaderBytes + Int64(ops.count) * Self.bytesPerOp
        for t in tensors {
            bytes += Int64(t.scales) * Self.bytesPerScale
            bytes += t.constant ? t.bytes + Self.bytesPerConstantTensor : Self.bytesPerActivationTensor
        }
        return bytes
    }
}
