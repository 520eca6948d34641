// Chooses the network expander for a space (filled in when an operator set
// and expander exist for it).
import HwnasCore

enum NetworkSupport {
    static func expander(space: SearchSpace, profile: HardwareProfile, registry: PluginRegistry) throws -> NetworkExpanding? {
        nil
    }
}
