// The mutable side of building networks: the network in progress, the
// operator answers, the block memo. A struct reached through a pointer, so
// the builder callbacks (tens of thousands a second while screening) pay no
// dynamic exclusivity checks; NetworkBuilder's lock serialises builds.
import CHwnasABI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct NetworkBuildState {
    let operatorSet: OperatorSetView
    var blockMemo = true
    // The build in progress.
    var layers: [hwnas_layer] = []
    var tensors: [hwnas_tensor] = []
    var spatialDims = 2
    var failure: String?
    var open: OpenBlock?
    // Caches.
    var answers: [OpKey: hwnas_op_info] = [:]
    /// Two generations: a block found in the older one moves to the newer;
    /// when the newer is full the older is dropped. Bounded memory (a space
    /// like nb201 meets each cell in one network only), recent blocks kept.
    var memo: [BlockKey: RecordedBlock] = [:]
    var olderMemo: [BlockKey: RecordedBlock] = [:]
    var memoLayers = 0
    /// Interned copies of the op names and labels this space passes: a few
    /// distinct strings, looked up by the address the plugin passed them at
    /// (checked with strcmp), before the process-wide interner.
    var recent: [(from: UnsafeRawPointer, to: UnsafePointer<CChar>)] = []

    init(operatorSet: OperatorSetView) { self.operatorSet = operatorSet }

    struct OpenBlock {
        let key: BlockKey, cell: UnsafePointer<CChar>, input: Int32, firstTensor: Int32, firstLayer: Int
        var repeatable = true
    }
    /// Keys up to 32 bytes are kept inline (no allocation per block); the
    /// hash is one mixed word (Hasher on 8 fields costs more than the lookup).
    struct BlockKey: Hashable {
        let inline: SIMD4<UInt64>; let size: UInt32; let extra: [UInt8]; let c, h, w: Int32
        func hash(into h: inout Hasher) {
            var x = inline[0] &* 0x9E37_79B9_7F4A_7C15 ^ inline[1]
            x = (x &* 0xBF58_476D_1CE4_E5B9) ^ inline[2]
            x = (x &* 0x94D0_49BB_1331_11EB) ^ inline[3]
            x = (x &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(UInt32(bitPattern: c)) << 32 | UInt64(UInt32(bitPattern: self.h)))
            x = (x &* 0xBF58_476D_1CE4_E5B9) ^ (UInt64(UInt32(bitPattern: w)) << 32 | UInt64(size))
            h.combine(x)
            if !extra.isEmpty { h.combine(extra) }
        }
    }
    /// Layers with tensor ids relative to the block: -2 is its input, k >= 0 the k-th tensor it made.
    struct RecordedBlock { let layers: [hwnas_layer]; let tensors: [hwnas_tensor]; let output: Int32 }
    struct OpKey: Hashable {
        let op: UnsafeRawPointer
        let inC, inH, inW, outC, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups, expansion, hiddenC: Int32
        /// One mixed word instead of 18 Hasher rounds (equality compares all fields).
        func hash(into h: inout Hasher) {
            var x = UInt64(UInt(bitPattern: op))
            func mix(_ v: Int32) { x = (x ^ UInt64(UInt32(bitPattern: v))) &* 0x0000_0100_0000_01B3 }
            mix(inC); mix(inH); mix(inW); mix(outC); mix(kh); mix(kw); mix(sh); mix(sw); mix(dh); mix(dw)
            mix(pt); mix(pl); mix(pb); mix(pr); mix(groups); mix(expansion); mix(hiddenC)
            h.combine(x)
        }
    }

    mutating func reset() {
        layers.removeAll(keepingCapacity: true)
        tensors.removeAll(keepingCapacity: true)
        failure = nil; open = nil; spatialDims = 2
    }

    mutating func intern(_ p: UnsafePointer<CChar>) -> UnsafePointer<CChar> {
        let key = UnsafeRawPointer(p)
        for e in recent where e.from == key && strcmp(e.to, p) == 0 { return e.to }
        let owned = CStringInterner.shared.intern(p)
        if recent.count >= 64 { recent.removeFirst(32) }
        recent.append((key, owned))
        return owned
    }

    mutating func fail(_ why: String) -> hwnas_status {
        if failure == nil { failure = why }
        return HWNAS_ERR_INVALID_ARGUMENT
    }

    mutating func setInput(_ c: Int32, _ h: Int32, _ w: Int32, _ dims: UInt32) -> hwnas_status {
        guard tensors.isEmpty else { return fail("set_input called twice") }
        guard c > 0, h > 0, w > 0 else { return fail("input \(c)x\(h)x\(w) must be positive") }
        guard dims == 1 || dims == 2 else { return fail("spatial_dims must be 1 or 2, got \(dims)") }
        guard dims == 2 || h == 1 else { return fail("a 1-D input has height 1, got \(h)") }
        spatialDims = Int(dims)
        tensors.append(hwnas_tensor(c: c, h: h, w: w, reserved: 0))
        return HWNAS_OK
    }

    mutating func tensorShape(_ t: Int32, _ out: UnsafeMutablePointer<hwnas_tensor>?) -> hwnas_status {
        guard t >= 0, Int(t) < tensors.count, let out else { return fail("tensor_shape: no tensor \(t)") }
        out.pointee = tensors[Int(t)]
        return HWNAS_OK
    }

    mutating func addLayer(_ specPointer: UnsafePointer<hwnas_layer>?, _ out: UnsafeMutablePointer<Int32>?) -> hwnas_status {
        guard let specPointer, let out else { return fail("add_layer: NULL spec or output") }
        guard !tensors.isEmpty else { return fail("add_layer before set_input") }
        // Fields past the spec's struct_size read as 0.
        var spec = hwnas_layer()
        let size = min(Int(specPointer.pointee.struct_size), MemoryLayout<hwnas_layer>.size)
        guard size >= layerSize10 else { return fail("add_layer: spec struct_size \(size) is too small") }
        withUnsafeMutableBytes(of: &spec) { $0.baseAddress!.copyMemory(from: specPointer, byteCount: size) }
        guard let opName = spec.op else { return fail("layer \(layers.count): NULL op") }
        let op = intern(opName)
        let index = layers.count
        let cell = open?.cell ?? spec.cell.map { intern($0) } ?? NetworkBuilder.noLabel
        func where_() -> String { "layer \(index) (\(String(cString: op))\(cell.pointee == 0 ? "" : ", \(String(cString: cell))"))" }
        let nt = Int32(tensors.count)
        guard spec.input >= 0, spec.input < nt else { return fail("\(where_()): input tensor \(spec.input) does not exist") }
        guard spec.input2 == -1 || (spec.input2 >= 0 && spec.input2 < nt) else {
            return fail("\(where_()): second input tensor \(spec.input2) does not exist")
        }
        let x = tensors[Int(spec.input)]
        // The window: kernel_h/w, or the square `kernel`; 1-D layers have height 1.
        var kh = spec.kernel_h != 0 ? spec.kernel_h : spec.kernel
        let kw = spec.kernel_w != 0 ? spec.kernel_w : spec.kernel
        var sh = spec.stride_h != 0 ? spec.stride_h : (spec.stride != 0 ? spec.stride : 1)
        let sw = spec.stride_w != 0 ? spec.stride_w : (spec.stride != 0 ? spec.stride : 1)
        var dh = spec.dilation_h > 0 ? spec.dilation_h : 1
        let dw = spec.dilation_w > 0 ? spec.dilation_w : 1
        if spatialDims == 1 {
            guard spec.kernel_h <= 1, spec.stride_h <= 1, spec.dilation_h <= 1 else {
                return fail("\(where_()): a 1-D network's windows have height 1 (kernel_h \(spec.kernel_h), stride_h \(spec.stride_h))")
            }
            kh = kw > 0 ? 1 : 0; sh = 1; dh = 1
        }
        guard kh >= 0, kw >= 0, sh >= 1, sw >= 1 else { return fail("\(where_()): kernel \(kh)x\(kw) and stride \(sh)x\(sw) must be positive") }
        var pt = spec.pad_top, pl = spec.pad_left, pb = spec.pad_bottom, pr = spec.pad_right
        if spec.flags & HWNAS_LAYER_EXPLICIT_PADDING == 0 {
            pt = kh > 0 ? (kh - 1) / 2 * dh : 0; pb = pt
            pl = kw > 0 ? (kw - 1) / 2 * dw : 0; pr = pl
        } else {
            guard pt >= 0, pl >= 0, pb >= 0, pr >= 0 else { return fail("\(where_()): negative padding") }
            if spatialDims == 1 { guard pt == 0, pb == 0 else { return fail("\(where_()): a 1-D layer has no top/bottom padding") } }
        }
        let groups = spec.groups > 0 ? spec.groups : 1
        let key = OpKey(op: UnsafeRawPointer(op), inC: x.c, inH: x.h, inW: x.w, outC: spec.out_c, kh: kh, kw: kw, sh: sh, sw: sw,
                        dh: dh, dw: dw, pt: pt, pl: pl, pb: pb, pr: pr, groups: groups, expansion: spec.expansion,
                        hiddenC: spec.hidden_c)
        let info: hwnas_op_info
        if let hit = answers[key] { info = hit } else {
            switch infer(key) {
            case .success(let i): info = i; if answers.count < 1_000_000 { answers[key] = i }
            case .failure(let why): return fail("\(where_()) on \(x.c)x\(x.h)x\(x.w): \(why)")
            }
        }
        guard info.out_c > 0, info.out_h > 0, info.out_w > 0 else {
            return fail("\(where_()): operator set '\(operatorSet.id)' gave output \(info.out_c)x\(info.out_h)x\(info.out_w)")
        }
        if spec.input2 != -1 {
            let y = tensors[Int(spec.input2)]
            guard y.c == info.out_c, y.h == info.out_h, y.w == info.out_w else {
                return fail("\(where_()): second input \(y.c)x\(y.h)x\(y.w) does not match the output \(info.out_c)x\(info.out_h)x\(info.out_w)")
            }
        }
        if var b = open {
            for t in [spec.input, spec.input2] where t != -1 && t != b.input && t < b.firstTensor { b.repeatable = false }
            open = b
        }
        var l = spec
        l.struct_size = UInt32(MemoryLayout<hwnas_layer>.size); l.reserved = 0
        l.op = op; l.cell = cell
        l.kernel = kw; l.stride = sw; l.groups = groups
        l.output = nt
        l.in_c = x.c; l.in_h = x.h; l.in_w = x.w
        l.out_c = info.out_c; l.out_h = info.out_h; l.out_w = info.out_w
        l.flags = spec.flags | HWNAS_LAYER_EXPLICIT_PADDING
        l.params = info.params; l.macs = info.macs; l.weight_elems = info.weight_elems; l.bias_elems = info.bias_elems
        l.kernel_h = kh; l.kernel_w = kw; l.stride_h = sh; l.stride_w = sw; l.dilation_h = dh; l.dilation_w = dw
        l.pad_top = pt; l.pad_left = pl; l.pad_bottom = pb; l.pad_right = pr
        l.reserved2 = 0
        tensors.append(hwnas_tensor(c: info.out_c, h: info.out_h, w: info.out_w, reserved: 0))
        layers.append(l)
        out.pointee = nt
        return HWNAS_OK
    }

    /// Asks the operator set; a 1.0 set only understands square "same" windows.
    func infer(_ k: OpKey) -> Result<hwnas_op_info, BuildFailure> {
        let set = operatorSet
        if !set.readsExactWindows {
            let same = k.kh == k.kw && k.sh == k.sw && k.dh == 1 && k.dw == 1 && k.pt == k.pb && k.pl == k.pr && k.pt == k.pl
                && k.pt == (k.kh > 0 ? (k.kh - 1) / 2 : 0) && k.hiddenC == 0
            guard same else {
                return .failure(BuildFailure("operator set '\(set.id)' (ABI 1.0) reads square kernels with \"same\" padding only; this layer has kernel \(k.kh)x\(k.kw), stride \(k.sh)x\(k.sw), dilation \(k.dh)x\(k.dw)"))
            }
        }
        var q = hwnas_op_query()
        q.struct_size = UInt32(MemoryLayout<hwnas_op_query>.size)
        q.op = k.op.assumingMemoryBound(to: CChar.self)
        q.in_c = k.inC; q.in_h = k.inH; q.in_w = k.inW; q.out_c = k.outC
        q.kernel = k.kw; q.stride = k.sw; q.groups = k.groups; q.expansion = k.expansion
        q.kernel_h = k.kh; q.kernel_w = k.kw; q.stride_h = k.sh; q.stride_w = k.sw; q.dilation_h = k.dh; q.dilation_w = k.dw
        q.pad_top = k.pt; q.pad_left = k.pl; q.pad_bottom = k.pb; q.pad_right = k.pr; q.hidden_c = k.hiddenC
        var info = hwnas_op_info()
        info.struct_size = UInt32(MemoryLayout<hwnas_op_info>.size)
        let st = set.raw.pointee.infer!(set.raw, &q, &info)
        switch st {
        case HWNAS_OK: return .success(info)
        case HWNAS_ERR_UNKNOWN_ID:
            return .failure(BuildFailure("operator set '\(set.id)' has no operator '\(String(cString: q.op))' (it has: \(set.opNames().joined(separator: ", ")))"))
        default:
            return .failure(BuildFailure("operator set '\(set.id)' rejects it (status \(st)): out_c \(k.outC), kernel \(k.kh)x\(k.kw), stride \(k.sh)x\(k.sw), dilation \(k.dh)x\(k.dw), padding \(k.pt),\(k.pl),\(k.pb),\(k.pr), groups \(k.groups), expansion \(k.expansion)\(k.hiddenC > 0 ? ", hidden_c \(k.hiddenC)" : "")"))
        }
    }

    mutating func beginBlock(_ key: UnsafeRawPointer?, _ size: UInt32, _ cell: UnsafePointer<CChar>?, _ input: Int32,
                            _ out: UnsafeMutablePointer<Int32>?) -> Int32 {
        guard open == nil else { return fail("begin_block inside another block") }
        guard input >= 0, Int(input) < tensors.count, let out else { return fail("begin_block: no input tensor \(input)") }
        guard size <= 4096, size == 0 || key != nil else { return fail("begin_block: key of \(size) bytes") }
        let x = tensors[Int(input)]
        var inline = SIMD4<UInt64>(repeating: 0)
        var extra: [UInt8] = []
        if size <= 32 {
            withUnsafeMutableBytes(of: &inline) { $0.baseAddress!.copyMemory(from: key ?? UnsafeRawPointer(bitPattern: 1)!, byteCount: Int(size)) }
        } else { extra = Array(UnsafeRawBufferPointer(start: key, count: Int(size))) }
        let bk = BlockKey(inline: inline, size: size, extra: extra, c: x.c, h: x.h, w: x.w)
        let label = cell.map { intern($0) } ?? NetworkBuilder.noLabel
        if blockMemo, let rec = memo[bk] ?? olderMemo.removeValue(forKey: bk).map({ remember(bk, $0) }) {
            let base = Int32(tensors.count)
            func map(_ t: Int32) -> Int32 { t == -2 ? input : base + t }
            tensors.append(contentsOf: rec.tensors)
            for var l in rec.layers {
                l.input = map(l.input)
                if l.input2 != -1 { l.input2 = map(l.input2) }
                l.output = map(l.output)
                l.cell = label
                layers.append(l)
            }
            out.pointee = map(rec.output)
            return 1
        }
        open = OpenBlock(key: bk, cell: label, input: input, firstTensor: Int32(tensors.count), firstLayer: layers.count)
        return 0
    }

    mutating func endBlock(_ output: Int32) -> hwnas_status {
        guard let b = open else { return fail("end_block without begin_block") }
        open = nil
        guard output >= 0, Int(output) < tensors.count else { return fail("end_block: no tensor \(output)") }
        guard blockMemo, b.repeatable, output == b.input || output >= b.firstTensor else { return HWNAS_OK }
        func rel(_ t: Int32) -> Int32 { t == b.input ? -2 : t - b.firstTensor }
        let recorded = layers[b.firstLayer...].map { l -> hwnas_layer in
            var r = l
            r.input = rel(l.input)
            if l.input2 != -1 { r.input2 = rel(l.input2) }
            r.output = rel(l.output)
            return r
        }
        remember(b.key, RecordedBlock(layers: recorded, tensors: Array(tensors[Int(b.firstTensor)...]), output: rel(output)))
        return HWNAS_OK
    }

    @discardableResult
    mutating func remember(_ key: BlockKey, _ block: RecordedBlock) -> RecordedBlock {
        if memoLayers + block.layers.count > NetworkBuilder.memoCapacity { olderMemo = memo; memo = [:]; memoLayers = 0 }
        memo[key] = block
        memoLayers += block.layers.count
        return block
    }
}
