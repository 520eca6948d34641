// One spatial accelerator's design point: the PE array, its storage, its
// dataflow, its clock and its memory interface. Defaults are Eyeriss v1
// (Chen et al., ISSCC 2016 / JSSC 2017): 12 x 14 PEs, 0.5 KB of scratch pads
// per PE, a 108 KB global buffer, row stationary, 16-bit data, 200 MHz.
public struct AcceleratorConfig: Sendable, Equatable {
    public enum Dataflow: String, Sendable, CaseIterable {
        /// Eyeriss's row stationary: a filter row stays in a PE, a 1-D
        /// convolution per PE; R filter rows x E output rows form a PE set.
        case rowStationary = "rs"
        /// Weights stay: input channels on rows, output channels on columns.
        case weightStationary = "ws"
        /// Partial sums stay: output pixels on the array.
        case outputStationary = "os"

        public init?(name: String) {
            switch name {
            case "rs", "row-stationary", "row_stationary": self = .rowStationary
            case "ws", "weight-stationary", "weight_stationary": self = .weightStationary
            case "os", "output-stationary", "output_stationary": self = .outputStationary
            default: return nil
            }
        }
    }

    public var peRows = 12
    public var peCols = 14
    /// Register file (scratch pads) per PE.
    public var rfBytes = 512
    public var glbKB = 108.0
    public var dataflow = Dataflow.rowStationary
    public var clockMHz = 200.0
    /// Off-chip bandwidth in bytes per core clock cycle.
    public var dramBytesPerCycle = 16.0
    /// Bits per weight and activation.
    public var bits = 16
    /// Price a k x k pooling like a dense k x k convolution over all its
    /// channels, as DNN-Chip Predictor (the simulator behind HW-NAS-Bench's
    /// Eyeriss column) does; false: like a depthwise one.
    public var poolAsDenseConv = true
    /// Fuse a sum of two tensors into the producer's write-back (read the
    /// other operand, no array cycles); false: a separate element-wise pass.
    public var fuseAdd = true

    public init() {}

    /// The parameters a profile or a co-design space may set, by name.
    public static let parameterNames = ["pe_rows", "pe_cols", "rf_bytes", "glb_kb", "dataflow", "clock_mhz",
                                        "dram_bytes_per_cycle", "bits", "pool_as_dense_conv", "fuse_add"]

    /// Sets one named parameter from its text (a profile option or a
    /// co-design dim's choice); throws a one-line reason.
    public mutating func set(_ name: String, _ text: String) throws {
        func int(_ range: ClosedRange<Int>) throws -> Int {
            guard let v = Int(text), range.contains(v) else { throw AcceleratorError("\(name) = '\(text)': expected an integer in \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        func double(_ range: ClosedRange<Double>) throws -> Double {
            guard let v = Double(text), v.isFinite, range.contains(v) else {
                throw AcceleratorError("\(name) = '\(text)': expected a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }
        switch name {
        case "pe_rows": peRows = try int(1...4096)
        case "pe_cols": peCols = try int(1...4096)
        case "rf_bytes": rfBytes = try int(2...1 << 20)
        case "glb_kb": glbKB = try double(0.001...1_048_576)
        case "clock_mhz": clockMHz = try double(0.001...100_000)
        case "dram_bytes_per_cycle": dramBytesPerCycle = try double(0.001...1_048_576)
        case "bits":
            guard let b = Int(text), [4, 8, 16, 32].contains(b) else { throw AcceleratorError("bits = '\(text)': expected 4, 8, 16 or 32") }
            bits = b
        case "dataflow":
            guard let d = Dataflow(name: text) else {
                throw AcceleratorError("dataflow = '\(text)': expected rs (row stationary), ws (weight stationary) or os (output stationary)")
            }
            dataflow = d
        case "pool_as_dense_conv":
            guard let b = ["true": true, "false": false][text] else { throw AcceleratorError("pool_as_dense_conv = '\(text)': expected true or false") }
            poolAsDenseConv = b
        case "fuse_add":
            guard let b = ["true": true, "false": false][text] else { throw AcceleratorError("fuse_add = '\(text)': expected true or false") }
            fuseAdd = b
        default:
            throw AcceleratorError("unknown accelerator parameter '\(name)' (known: \(Self.parameterNames.joined(separator: ", ")))")
        }
    }

    public var peCount: Int { peRows * peCols }
    public var bytesPerElement: Double { Double(bits) / 8 }
}

public struct AcceleratorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
