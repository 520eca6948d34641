// A search-space plugin's side of building a network: Swift values in,
// hwnas_network_builder calls out. The host does the operator math, owns
// the network, and keeps the reason of any failure (BuilderFailure carries
// only the status to hand back).
import CHwnasABI
#if canImport(Glibc)
import Glibc
#endif

/// An operator name as a C string that lives as long as the plugin: make
/// one per operator once (a global `let`), not per layer.
public struct OpName: @unchecked Sendable, Hashable {
    public let pointer: UnsafePointer<CChar>
    public let name: String
    public init(_ name: String) { self.name = name; pointer = UnsafePointer(strdup(name)!) }
    public static func == (a: OpName, b: OpName) -> Bool { a.pointer == b.pointer }
    public func hash(into h: inout Hasher) { h.combine(pointer) }
}

/// One layer as a space describes it: the host fills shapes and costs.
/// Activations take HWNAS_ACT_* values; padding nil means "same".
public struct LayerSpec {
    public var op: OpName
    public var input: Int32
    public var input2: Int32 = -1
    /// Requested output channels; 0: the input's.
    public var outC = 0
    public var kernelH = 0, kernelW = 0
    public var strideH = 1, strideW = 1
    public var dilationH = 1, dilationW = 1
    public var padding: (top: Int, left: Int, bottom: Int, right: Int)? = nil
    public var groups = 1
    public var expansion = 0
    public var residual = false
    public var inPlace = false
    public var preActivation: Int32 = HWNAS_ACT_NONE
    public var activation: Int32 = HWNAS_ACT_NONE
    public var batchNorm = false
    public var shuffleGroups = 0
    public var hiddenC = 0
    public var hiddenActivation: Int32 = HWNAS_ACT_NONE
    public var gateActivation: Int32 = HWNAS_ACT_NONE
    /// Label outside blocks (inside a block the block's label wins).
    public var cell: OpName? = nil

    /// A square window (a 1-D space gives kernelH 1 itself, or the host sets it).
    public init(_ op: OpName, _ input: Int32, outC: Int = 0, kernel: Int = 0, stride: Int = 1) {
        self.op = op; self.input = input; self.outC = outC
        kernelH = kernel; kernelW = kernel; strideH = stride; strideW = stride
    }

    var raw: hwnas_layer {
        var l = hwnas_layer()
        l.struct_size = UInt32(MemoryLayout<hwnas_layer>.size)
        l.op = op.pointer
        l.kernel = Int32(kernelW); l.stride = Int32(strideW)
        l.groups = Int32(groups); l.expansion = Int32(expansion)
        l.input = input; l.input2 = input2; l.output = -1
        l.out_c = Int32(outC)
        l.flags = (residual ? HWNAS_LAYER_RESIDUAL : 0) | (inPlace ? HWNAS_LAYER_INPLACE : 0)
            | (padding != nil ? HWNAS_LAYER_EXPLICIT_PADDING : 0)
        l.cell = cell.map { $0.pointer }
        l.kernel_h = Int32(kernelH); l.kernel_w = Int32(kernelW)
        l.stride_h = Int32(strideH); l.stride_w = Int32(strideW)
        l.dilation_h = Int32(dilationH); l.dilation_w = Int32(dilationW)
        if let p = padding {
            l.pad_top = Int32(p.top); l.pad_left = Int32(p.left); l.pad_bottom = Int32(p.bottom); l.pad_right = Int32(p.right)
        }
        l.pre_activation = preActivation; l.activation = activation
        l.batch_norm = batchNorm ? HWNAS_BN_FOLDED : HWNAS_BN_NONE
        l.shuffle_groups = Int32(shuffleGroups)
        l.hidden_c = Int32(hiddenC); l.hidden_activation = hiddenActivation; l.gate_activation = gateActivation
        return l
    }
}

/// A builder call failed; the host holds the reason.
public struct BuilderFailure: Error {
    public let status: hwnas_status
}

public struct TensorShape3: Sendable, Hashable {
    public let c, h, w: Int
}

public struct NetworkBuilder {
    let raw: UnsafePointer<hwnas_network_builder>

    init(_ raw: UnsafePointer<hwnas_network_builder>) { self.raw = raw }

    private func check(_ st: hwnas_status) throws {
        if st != HWNAS_OK { throw BuilderFailure(status: st) }
    }

    /// Tensor 0: channels x height x width, or channels x length (spatialDims 1, h = 1).
    public func setInput(c: Int, h: Int, w: Int, spatialDims: Int = 2) throws {
        try check(raw.pointee.set_input(raw, Int32(c), Int32(h), Int32(w), UInt32(spatialDims)))
    }

    /// Appends one layer; returns the tensor it writes.
    @discardableResult
    public func add(_ spec: LayerSpec) throws -> Int32 {
        var l = spec.raw
        var out: Int32 = -1
        try check(raw.pointee.add_layer(raw, &l, &out))
        return out
    }

    public func shape(_ tensor: Int32) throws -> TensorShape3 {
        var t = hwnas_tensor()
        try check(raw.pointee.tensor_shape(raw, tensor, &t))
        return TensorShape3(c: Int(t.c), h: Int(t.h), w: Int(t.w))
    }

    /// A block whose layers depend only on `key` and the input's shape: the
    /// host replays it when it has seen the same block before, else `body`
    /// adds the layers and returns the block's output tensor. Up to 8 key
    /// values (unused ones 0); a SIMD value, so no allocation per block.
    public func block(key: SIMD8<Int32>, cell: String, input: Int32, _ body: () throws -> Int32) throws -> Int32 {
        var output: Int32 = -1
        let r = withUnsafeBytes(of: key) { k in
            cell.withCString { c in
                raw.pointee.begin_block(raw, k.baseAddress, UInt32(k.count), c, input, &output)
            }
        }
        if r == 1 { return output }
        if r < 0 { throw BuilderFailure(status: r) }
        let out = try body()
        try check(raw.pointee.end_block(raw, out))
        return out
    }
}
