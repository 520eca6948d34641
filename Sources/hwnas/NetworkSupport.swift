// Chooses the network expander for a space: genotype -> whole network, with
// operator shapes, params and MACs from the "core" operator-set plugin when
// it is installed (the host has no built-in operator knowledge).
import HwnasCore

enum NetworkSupport {
    static func expander(space: SearchSpace, profile: HardwareProfile, registry: PluginRegistry) throws -> GenotypeNetworkExpander? {
        try expander(space: space, input: profile.input, registry: registry)
    }

    static func expander(space: SearchSpace, input: HardwareProfile.InputShape?, registry: PluginRegistry) throws -> GenotypeNetworkExpander? {
        var set: LoadedOperatorSet? = nil
        if registry.ids(of: .operatorSet).contains("core") {
            let (descriptor, library) = try registry.lookup(.operatorSet, "core")
            set = try LoadedOperatorSet(descriptor, library: library, options: [:])
        }
        return GenotypeNetworkExpander(space: space, operatorSet: set, input: input)
    }
}
