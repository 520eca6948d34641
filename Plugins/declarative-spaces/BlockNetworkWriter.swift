// Writes the layers of a block space's network through the host's builder:
// one function per block kind, 1-D or 2-D windows from the space's input.
import CHwnasABI
import HwnasCoreOpNames
import HwnasPluginSupport

struct BlockNetworkWriter {
    let spec: BlockSpaceSpec
    let builder: NetworkBuilder

    /// One layer with a k-wide window (k x k, or 1 x k for sequences).
    func layer(_ op: OpName, _ x: Int32, outC: Int = 0, kernel: Int, stride: Int = 1, groups: Int = 1,
               activation: Int32 = HWNAS_ACT_NONE, batchNorm: Bool = false, cell: OpName? = nil) -> LayerSpec {
        var l = LayerSpec(op, x, outC: outC, kernel: kernel, stride: stride)
        if spec.spatialDims == 1 { l.kernelH = 1; l.strideH = 1 }
        l.groups = groups; l.activation = activation; l.batchNorm = batchNorm; l.cell = cell
        return l
    }

    func conv(_ op: OpName, _ x: Int32, outC: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
              activation: Int32, batchNorm: Bool, cell: OpName? = nil) throws -> Int32 {
        try builder.add(layer(op, x, outC: outC, kernel: kernel, stride: stride, groups: groups, activation: activation,
                              batchNorm: batchNorm, cell: cell))
    }

    func block(_ st: StageSpec, _ x: Int32, outC: Int, kernel k: Int, stride s: Int, expansion e: Int, se: Bool) throws -> Int32 {
        let inC = try builder.shape(x).c
        let act = st.activation
        switch st.kind {
        case .conv:
            return try conv(CoreOps.conv2d, x, outC: outC, kernel: k, stride: s, activation: act, batchNorm: true)
        case .dwsep:
            let d = try conv(CoreOps.dwconv2d, x, outC: inC, kernel: k, stride: s, groups: inC, activation: act, batchNorm: true)
            return try conv(CoreOps.pwconv2d, d, outC: outC, kernel: 1, activation: act, batchNorm: true)
        case .mbconv:
            let mid = inC * e
            var h = x
            if e > 1 { h = try conv(CoreOps.pwconv2d, x, outC: mid, kernel: 1, activation: act, batchNorm: true) }
            h = try conv(CoreOps.dwconv2d, h, outC: mid, kernel: k, stride: s, groups: mid, activation: act, batchNorm: true)
            if se {
                var l = LayerSpec(CoreOps.squeezeExcite, h)
                l.hiddenC = spec.channels(Double(mid) * st.seRatio)
                l.hiddenActivation = st.seActivation; l.gateActivation = st.seGate; l.inPlace = true
                h = try builder.add(l)
            }
            var p = layer(CoreOps.pwconv2d, h, outC: outC, kernel: 1, batchNorm: true)
            if s == 1 && inC == outC { p.input2 = x; p.residual = true }
            return try builder.add(p)
        case .resblock:
            let a = try conv(CoreOps.conv2d, x, outC: outC, kernel: k, stride: s, activation: act, batchNorm: true)
            let shortcut = s == 1 && inC == outC ? x
                : try conv(CoreOps.conv2d, x, outC: outC, kernel: 1, stride: s, activation: HWNAS_ACT_NONE, batchNorm: true)
            // The activation follows the residual add (the IR's order).
            var b = layer(CoreOps.conv2d, a, outC: outC, kernel: k, activation: act, batchNorm: true)
            b.input2 = shortcut; b.residual = true
            return try builder.add(b)
        }
    }

    func pool(_ p: PoolSpec, _ x: Int32, cell: String) throws -> Int32 {
        try builder.block(key: SIMD8(-1, Int32(p.kernel), Int32(p.stride), p.isMax ? 1 : 0, 0, 0, 0, 0), cell: cell, input: x) {
            var l = layer(p.isMax ? CoreOps.maxpool : CoreOps.avgpool, x, kernel: p.kernel, stride: p.stride)
            l.padding = (0, 0, 0, 0)
            return try builder.add(l)
        }
    }

    func head(_ input: Int32, width w: Double) throws {
        var x = input
        let h = spec.head
        if let c = h.channels {
            x = try conv(CoreOps.conv2d, x, outC: h.scaled ? spec.channels(Double(c) * w) : c, kernel: 1,
                         activation: h.activation, batchNorm: true, cell: CoreOps.head)
        }
        var pool = LayerSpec(CoreOps.globalAvgpool, x); pool.cell = CoreOps.head
        x = try builder.add(pool)
        if let hidden = h.hidden {
            // After pooling the tensor is c x 1 x 1: a 1x1 conv is a linear layer.
            x = try conv(h.hiddenBias ? CoreOps.conv2d : CoreOps.conv2dNoBias, x, outC: hidden, kernel: 1,
                         activation: h.hiddenActivation, batchNorm: false, cell: CoreOps.head)
        }
        var fc = LayerSpec(CoreOps.linear, x, outC: spec.classes); fc.cell = CoreOps.head
        try builder.add(fc)
    }
}
