// Turns a genotype of a known search space into the whole network, macro
// skeleton included. See docs/operators-and-mcu.md for the skeletons.

public struct ExpansionOptions: Sendable, Hashable {
    /// Network input (channels x height x width); nil: the space's default, 3x32x32.
    public var input: TensorShape?
    /// Classifier outputs; nil: 10 for nb201 (CIFAR-10), 100 for fbnet (CIFAR-100).
    public var classes: Int?
    /// fbnet: how many of the leading stride-2 positions (stem, then the
    /// 24-, 32-, 64- and 184-channel stages) run at stride 1 instead.
    /// nil: 2 for inputs up to 64 pixels (CIFAR style: stem and 24-channel
    /// stage keep the resolution), 0 for larger inputs (FBNet table).
    public var fbnetDroppedStrides: Int?

    public init(input: TensorShape? = nil, classes: Int? = nil, fbnetDroppedStrides: Int? = nil) {
        self.input = input; self.classes = classes; self.fbnetDroppedStrides = fbnetDroppedStrides
    }
}

public enum ExpansionError: Error, Equatable, CustomStringConvertible {
    case unknownSpace(String)
    case badGenotype(String)

    public var description: String {
        switch self {
        case .unknownSpace(let s): return "no network expansion for search space '\(s)' (known: nb201, fbnet)"
        case .badGenotype(let why): return "bad genotype: \(why)"
        }
    }
}

public struct NetworkExpander: Sendable {
    public let ops: any OperatorInference
    public let options: ExpansionOptions

    public init(ops: any OperatorInference = BuiltinOperators(), options: ExpansionOptions = ExpansionOptions()) {
        self.ops = ops; self.options = options
    }

    public static let supportedSpaces = ["nb201", "fbnet"]

    /// The choices of every dimension, in genotype order, for a known space.
    public static func choiceNames(space: String) -> [[String]]? {
        switch space {
        case "nb201": return Array(repeating: NB201Expansion.choices, count: NB201Expansion.edges.count)
        case "fbnet": return Array(repeating: FBNetExpansion.choices, count: FBNetExpansion.layerCount)
        default: return nil
        }
    }

    /// Expands a genotype (choice indices in the order of choiceNames(space:)).
    public func expand(space: String, genotype: [Int32]) throws -> Network {
        guard let names = Self.choiceNames(space: space) else { throw ExpansionError.unknownSpace(space) }
        guard genotype.count == names.count else {
            throw ExpansionError.badGenotype("\(space) has \(names.count) dimensions, genotype has \(genotype.count)")
        }
        let choices = try genotype.enumerated().map { d, v -> String in
            guard v >= 0, Int(v) < names[d].count else {
                throw ExpansionError.badGenotype("dimension \(d): value \(v) not in 0..<\(names[d].count)")
            }
            return names[d][Int(v)]
        }
        return try expand(space: space, choices: choices)
    }

    /// Expands a genotype given by choice names (robust to reordered choices).
    public func expand(space: String, choices: [String]) throws -> Network {
        switch space {
        case "nb201":
            return try NB201Expansion(ops: ops, input: options.input ?? TensorShape(c: 3, h: 32, w: 32),
                                      classes: options.classes ?? 10).expand(choices)
        case "fbnet":
            let input = options.input ?? TensorShape(c: 3, h: 32, w: 32)
            let drops = options.fbnetDroppedStrides ?? (max(input.h, input.w) <= 64 ? 2 : 0)
            return try FBNetExpansion(ops: ops, input: input, classes: options.classes ?? 100,
                                      droppedStrides: drops).expand(choices)
        default:
            throw ExpansionError.unknownSpace(space)
        }
    }
}
