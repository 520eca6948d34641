// What an ONNX file must be before hwnas prices it: its own spec (opset,
// domains, one writer per tensor, nodes in topological order, initializers
// whose data matches their dims and type) and sizes hwnas can count without
// overflow. Every size that comes from the file passes through ONNXLimits.
import Foundation
import HwnasOps

public enum ONNXLimits {
    /// One dimension, kernel, stride, pad, dilation or group (the ABI's int32).
    public static let maxDim = Int(Int32.max)
    /// Elements of one tensor (activation or weight).
    public static let maxElements = 1 << 40
    /// Multiply-accumulates of one layer, and of the whole network.
    public static let maxLayerMACs = 1 << 52
    public static let maxNetworkMACs = 1 << 58
    /// The newest default-domain opset this reader knows (ONNX 1.23).
    public static let maxOpset: Int64 = 28

    /// Opset in which each supported op appeared in the default domain
    /// (as hwnas reads it: Reshape with a shape input, HardSwish at all).
    static let sinceVersion: [String: Int64] = ["HardSwish": 14, "Reshape": 5]

    /// The attributes ONNX defines for each op hwnas reads (any opset); an
    /// unknown one makes the file invalid (ONNX Runtime refuses it).
    static let attributes: [String: Set<String>] = {
        let window: Set<String> = ["auto_pad", "dilations", "kernel_shape", "pads", "strides"]
        let old: Set<String> = ["consumed_inputs"]
        return [
            "Conv": window.union(["group"]),
            "Gemm": ["alpha", "beta", "transA", "transB", "broadcast"],
            "MatMul": [],
            "BatchNormalization": old.union(["epsilon", "momentum", "spatial", "training_mode", "is_test"]),
            "Relu": old, "Sigmoid": old, "HardSwish": [],
            "HardSigmoid": old.union(["alpha", "beta"]),
            "Clip": old.union(["min", "max"]),
            "Mul": old.union(["axis", "broadcast"]), "Add": old.union(["axis", "broadcast"]),
            "Concat": ["axis"],
            "AveragePool": window.union(["ceil_mode", "count_include_pad"]),
            "MaxPool": window.union(["ceil_mode", "storage_order"]),
            "GlobalAveragePool": [],
            "ReduceMean": ["axes", "keepdims", "noop_with_empty_axes"],
            "Flatten": ["axis"], "Reshape": ["allowzero", "shape"], "Identity": [],
            "Dropout": old.union(["ratio", "is_test", "seed"]),
            "Constant": ["value", "value_float", "value_floats", "value_int", "value_ints", "value_string",
                         "value_strings", "sparse_value"],
            "Transpose": ["perm"],
        ]
    }()
}

extension ONNXTensor {
    static let floatTypes: Set<Int32> = Set([Onnx_TensorProto.DataType.float, .float16, .double, .bfloat16].map { Int32($0.rawValue) })

    /// The element count of a tensor's dims, checked.
    static func count(_ t: Onnx_TensorProto) throws -> Int {
        guard t.dims.allSatisfy({ $0 <= Int64(ONNXLimits.maxDim) }),
              let n = CheckedSize.product(t.dims.map { Int($0) }, atMost: ONNXLimits.maxElements) else {
            throw ONNXError("tensor '\(t.name)': dims \(t.dims) are negative, above 2^31 - 1 or hold more than 2^40 elements")
        }
        return n
    }

    /// The data matches the dims and the type (what ONNX Runtime checks when it loads the file).
    /// `directory`: the model's folder, where external data files lie (nil: not checked).
    static func checkData(_ t: Onnx_TensorProto, directory: String?) throws {
        let n = try count(t)
        typealias DT = Onnx_TensorProto.DataType
        guard let type = DT(rawValue: Int(t.dataType)), type != .undefined else {
            throw ONNXError("tensor '\(t.name)': unknown data type \(t.dataType)")
        }
        let (bytes, typed): (Int?, Int)
        switch type {
        case .float: (bytes, typed) = (4, t.floatData.count)
        case .double: (bytes, typed) = (8, t.doubleData.count)
        case .int64: (bytes, typed) = (8, t.int64Data.count)
        case .uint64, .uint32: (bytes, typed) = (type == .uint64 ? 8 : 4, t.uint64Data.count)
        case .int32: (bytes, typed) = (4, t.int32Data.count)
        case .int16, .uint16, .float16, .bfloat16: (bytes, typed) = (2, t.int32Data.count)
        case .int8, .uint8, .bool: (bytes, typed) = (1, t.int32Data.count)
        case .string: (bytes, typed) = (nil, t.stringData.count)
        default:
            throw ONNXError("tensor '\(t.name)': data type \(type) is not supported")
        }
        if t.hasDataLocation && t.dataLocation == .external || !t.externalData.isEmpty {
            if let directory, let bytes { try checkExternal(t, bytes: n * bytes, directory: directory) }
            return
        }
        if !t.rawData.isEmpty, let bytes {
            guard t.rawData.count == n * bytes else {
                throw ONNXError("tensor '\(t.name)': \(t.rawData.count) bytes of raw_data for dims \(t.dims) (\(n) x \(bytes) bytes)")
            }
        } else if typed != n {
            throw ONNXError("tensor '\(t.name)': \(typed) values for dims \(t.dims) (\(n) elements)")
        }
    }

    /// External data (torch's dynamo exporter writes it): a relative file
    /// next to the model that holds the tensor's bytes where it says.
    static func checkExternal(_ t: Onnx_TensorProto, bytes: Int, directory: String) throws {
        let entry = Dictionary(t.externalData.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard let location = entry["location"], !location.isEmpty, !location.hasPrefix("/"),
              !location.split(separator: "/").contains("..") else {
            throw ONNXError("tensor '\(t.name)': external data without a relative location in the model's folder")
        }
        let offset = Int(entry["offset"] ?? "0") ?? -1, length = Int(entry["length"] ?? "\(bytes)") ?? -1
        guard offset >= 0, length == bytes else {
            throw ONNXError("tensor '\(t.name)': external data offset \(entry["offset"] ?? "0") and length \(entry["length"] ?? "-") do not hold its \(bytes) bytes")
        }
        let path = (directory as NSString).appendingPathComponent(location)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw ONNXError("tensor '\(t.name)': its external data file \(location) is not next to the model") }
        guard offset + bytes <= size else {
            throw ONNXError("tensor '\(t.name)': its external data file \(location) has \(size) bytes, the tensor needs \(offset + bytes)")
        }
    }
}

extension GraphReader {
    /// The graph as ONNX defines it, before any node is read: known domains
    /// and opset, one producer per tensor, each input available when its
    /// node runs (so no cycles), initializers that hold what their dims say.
    func validateGraph(opset: Int64) throws {
        guard opset >= 1 else { throw ONNXError("\(name): the model imports default-domain opset \(opset); ONNX opsets start at 1") }
        guard opset <= ONNXLimits.maxOpset else {
            throw ONNXError("\(name): opset \(opset) is newer than the ONNX opsets hwnas knows (1-\(ONNXLimits.maxOpset))")
        }
        var available = Set<String>()
        for t in graph.initializer {
            guard !available.contains(t.name) else { throw ONNXError("\(name): initializer '\(t.name)' is given twice") }
            try checked(t)
            available.insert(t.name)
        }
        for i in graph.input { available.insert(i.name) }
        var writtenBy: [String: Int] = [:]
        for (k, n) in graph.node.enumerated() {
            guard n.domain.isEmpty || n.domain == "ai.onnx" else {
                throw fail(k, "domain '\(n.domain)' is not the standard ONNX domain; hwnas reads standard ops only")
            }
            if let known = ONNXLimits.attributes[n.opType], let bad = n.attribute.first(where: { !known.contains($0.name) }) {
                throw fail(k, "attribute '\(bad.name)' is not one of \(n.opType)'s (\(known.sorted().joined(separator: ", ")))")
            }
            if let since = ONNXLimits.sinceVersion[n.opType], opset < since {
                throw fail(k, "\(n.opType) needs opset \(since); the model imports opset \(opset)")
            }
            for input in n.input where !input.isEmpty && !available.contains(input) {
                if let later = producer(of: input, after: k) {
                    throw fail(k, "reads '\(input)' before node '\(nodeName(later))' writes it (a cycle, or nodes out of topological order)")
                }
                throw fail(k, "reads '\(input)', which no node, graph input or initializer provides")
            }
            for o in n.output where !o.isEmpty {
                if let first = writtenBy[o] { throw fail(k, "writes '\(o)', which node '\(nodeName(first))' writes too") }
                if available.contains(o) { throw fail(k, "writes '\(o)', which is a graph input or an initializer") }
                writtenBy[o] = k
                available.insert(o)
            }
            if n.opType == "Constant", let a = n.attribute.first(where: { $0.name == "value" }) {
                try checked(a.t)
            }
        }
    }

    private func checked(_ t: Onnx_TensorProto) throws {
        do { try ONNXTensor.checkData(t, directory: directory) } catch let e as ONNXError { throw ONNXError("\(name): \(e.description)") }
    }

    func nodeName(_ k: Int) -> String { graph.node[k].name.isEmpty ? "#\(k)" : graph.node[k].name }

    private func producer(of value: String, after k: Int) -> Int? {
        graph.node.indices.first { $0 >= k && graph.node[$0].output.contains(value) }
    }

    // MARK: attributes, typed and bounded

    /// An INT attribute within `range`, else `d`.
    func int(_ k: Int, _ key: String, _ d: Int, _ range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let a = attr(graph.node[k], key) else { return d }
        guard a.type == .int || a.type == .undefined && a.ints.isEmpty && a.floats.isEmpty else {
            throw fail(k, "attribute '\(key)' must be an integer")
        }
        guard a.i >= Int64(range.lowerBound), a.i <= Int64(range.upperBound) else {
            throw fail(k, "attribute '\(key)' is \(a.i); expected \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(a.i)
    }

    /// An INTS attribute of `count` values within `range` (nil when absent).
    func ints(_ k: Int, _ key: String, count: Int? = nil, _ range: ClosedRange<Int> = Int.min...Int.max) throws -> [Int]? {
        guard let a = attr(graph.node[k], key) else { return nil }
        guard a.type == .ints || a.type == .undefined && a.floats.isEmpty else {
            throw fail(k, "attribute '\(key)' must be a list of integers")
        }
        if let count, a.ints.count != count {
            throw fail(k, "attribute '\(key)' has \(a.ints.count) values; a \(spatialDims)-D input needs \(count)")
        }
        for v in a.ints where v < Int64(range.lowerBound) || v > Int64(range.upperBound) {
            throw fail(k, "attribute '\(key)' holds \(v); expected \(range.lowerBound)...\(range.upperBound)")
        }
        return a.ints.map(Int.init)
    }

    /// A constant's element count (nil when its dims are out of range).
    func elements(_ t: Onnx_TensorProto) -> Int? { try? ONNXTensor.count(t) }

    /// A tensor shape whose element count hwnas can hold.
    func shape(_ k: Int, c: Int, h: Int, w: Int) throws -> TensorShape {
        guard [c, h, w].allSatisfy({ $0 >= 1 && $0 <= ONNXLimits.maxDim }), CheckedSize.product([c, h, w], atMost: ONNXLimits.maxElements) != nil else {
            throw fail(k, "output \(c) x \(h) x \(w) is larger than hwnas counts (2^31 - 1 per dimension, 2^40 elements)")
        }
        return TensorShape(c: c, h: h, w: w)
    }
}
