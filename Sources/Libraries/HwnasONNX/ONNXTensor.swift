// TensorProto and AttributeProto values: writing them for the exporter and
// reading them back (initializers, Constant nodes) for the importer.
import Foundation

enum ONNXTensor {
    static let floatType = Int32(Onnx_TensorProto.DataType.float.rawValue)
    static let int64Type = Int32(Onnx_TensorProto.DataType.int64.rawValue)

    /// Float32 values, little-endian raw_data (what ONNX's own tools write).
    static func float(name: String, dims: [Int], values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = floatType
        t.rawData = isLittleEndian ? values.withUnsafeBytes { Data($0) }
            : Data(values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        return t
    }

    static func int64(name: String, dims: [Int], values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = int64Type
        t.int64Data = values
        return t
    }

    static var isLittleEndian: Bool { 1.littleEndian == 1 }

    /// The float values of a FLOAT tensor (raw_data or float_data).
    static func floats(_ t: Onnx_TensorProto) throws -> [Float] {
        guard t.dataType == floatType else { throw ONNXError("tensor '\(t.name)': data type \(t.dataType), expected float (1)") }
        let n = t.dims.reduce(1, *)
        if !t.rawData.isEmpty {
            guard t.rawData.count == Int(n) * 4 else { throw ONNXError("tensor '\(t.name)': \(t.rawData.count) bytes for \(n) floats") }
            return t.rawData.withUnsafeBytes { raw in
                (0..<Int(n)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }
        guard t.floatData.count == Int(n) else {
            throw ONNXError(t.hasDataLocation && t.dataLocation == .external
                            ? "tensor '\(t.name)': external data is not supported (save the model with its weights inside)"
                            : "tensor '\(t.name)': \(t.floatData.count) values for dims \(t.dims)")
        }
        return t.floatData
    }

    /// The integer values of an INT64 (or INT32) tensor.
    static func ints(_ t: Onnx_TensorProto) throws -> [Int64] {
        let n = Int(t.dims.reduce(1, *))
        if t.dataType == int64Type {
            if !t.rawData.isEmpty {
                guard t.rawData.count == n * 8 else { throw ONNXError("tensor '\(t.name)': \(t.rawData.count) bytes for \(n) int64 values") }
                return t.rawData.withUnsafeBytes { raw in (0..<n).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) } }
            }
            return t.int64Data
        }
        if t.dataType == Int32(Onnx_TensorProto.DataType.int32.rawValue) {
            if !t.rawData.isEmpty {
                return t.rawData.withUnsafeBytes { raw in (0..<n).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) } }
            }
            return t.int32Data.map(Int64.init)
        }
        throw ONNXError("tensor '\(t.name)': data type \(t.dataType), expected int64 (7)")
    }
}

enum ONNXAttr {
    static func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(v); return a
    }
    static func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = v.map(Int64.init); return a
    }
    static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = v; return a
    }
    static func tensor(_ name: String, _ t: Onnx_TensorProto) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .tensor; a.t = t; return a
    }
}
