// The plugin kinds of ABI 1.1 and their factory ids.
import CHwnasABI
import HwnasOptionSpecs

public enum PluginKind: String, CaseIterable, Sendable, Codable {
    case strategy
    case costModel = "cost-model"
    case operatorSet = "operator-set"
    case evaluator
    case searchSpace = "search-space"

    public var factoryID: String {
        switch self {
        case .strategy: return HWNAS_STRATEGY_FACTORY_ID
        case .costModel: return HWNAS_COST_MODEL_FACTORY_ID
        case .operatorSet: return HWNAS_OPERATOR_SET_FACTORY_ID
        case .evaluator: return HWNAS_EVALUATOR_FACTORY_ID
        case .searchSpace: return HWNAS_SEARCH_SPACE_FACTORY_ID
        }
    }
}

/// One creatable thing a library offers.
public struct PluginDescriptorInfo: Sendable {
    public let kind: PluginKind
    public let id, name, vendor, version, description: String
    public let file: String
    public let abiVersion: String
    /// The minor version of the header the library was built with: the
    /// layout of networks it is handed follows it.
    public let abiMinor: UInt32
    /// The options create() understands; nil when the plugin does not
    /// declare them (a 1.0 plugin): then any option passes unchecked.
    public let options: [OptionSpec]?

    public init(kind: PluginKind, id: String, name: String, vendor: String, version: String, description: String, file: String,
                abiVersion: String, abiMinor: UInt32, options: [OptionSpec]?) {
        self.kind = kind; self.id = id; self.name = name; self.vendor = vendor; self.version = version
        self.description = description; self.file = file; self.abiVersion = abiVersion; self.abiMinor = abiMinor
        self.options = options
    }
}
