// The four plugin kinds of ABI v1 and their factory ids.
import CHwnasABI

public enum PluginKind: String, CaseIterable, Sendable, Codable {
    case strategy
    case costModel = "cost-model"
    case operatorSet = "operator-set"
    case evaluator

    public var factoryID: String {
        switch self {
        case .strategy: return HWNAS_STRATEGY_FACTORY_ID
        case .costModel: return HWNAS_COST_MODEL_FACTORY_ID
        case .operatorSet: return HWNAS_OPERATOR_SET_FACTORY_ID
        case .evaluator: return HWNAS_EVALUATOR_FACTORY_ID
        }
    }
}

/// One creatable thing a library offers.
public struct PluginDescriptorInfo: Sendable {
    public let kind: PluginKind
    public let id, name, vendor, version, description: String
    public let file: String
    public let abiVersion: String
}
