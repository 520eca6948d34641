// Host-side handle of an operator-set instance.
import CHwnasABI
import Foundation

public final class LoadedOperatorSet: PluginInstance<hwnas_operator_set>, @unchecked Sendable {
    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, options: [String: String]) throws {
        try super.init(descriptor, library: library, kind: .operatorSet, what: "operator set", options: options,
                       destroy: { $0.pointee.destroy?($0) }) { (f: UnsafePointer<hwnas_operator_set_factory>, o, out, err) in
            f.pointee.create!(f, descriptor.id, HostInterface.shared, o, out, err, 1024)
        }
        guard raw.pointee.infer != nil else {
            throw HwnasError("operator set '\(descriptor.id)' (\(descriptor.file)): instance has a NULL infer")
        }
    }

    /// False for a 1.0 operator set: it reads square kernels with "same"
    /// padding only.
    public var readsExactWindows: Bool { descriptor.abiMinor >= 1 }

    public var opNames: [String] {
        guard let c = raw.pointee.op_count, let n = raw.pointee.op_name else { return [] }
        return (0..<c(raw)).compactMap { n(raw, $0).flatMap { String(validatingCString: $0) } }
    }
}
