// Host-side handle of an operator-set instance.
import CHwnasABI
import Foundation

public final class LoadedOperatorSet: @unchecked Sendable {
    public let descriptor: PluginDescriptorInfo
    let library: PluginLibrary
    public let raw: UnsafeMutablePointer<hwnas_operator_set>
    let options: COptions

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, options: [String: String]) throws {
        self.descriptor = descriptor
        self.library = library
        let (s, o): (UnsafeMutablePointer<hwnas_operator_set>, _) = try createInstance(descriptor, library, .operatorSet, "operator set",
                                                                                      options: options) { (f: UnsafePointer<hwnas_operator_set_factory>, o, out, err) in
            f.pointee.create!(f, descriptor.id, HostInterface.shared, o, out, err, 1024)
        }
        guard s.pointee.infer != nil else {
            throw HwnasError("operator set '\(descriptor.id)' (\(descriptor.file)): instance has a NULL infer")
        }
        raw = s; self.options = o
    }

    deinit { raw.pointee.destroy?(raw) }

    /// False for a 1.0 operator set: it reads square kernels with "same"
    /// padding only.
    public var readsExactWindows: Bool { descriptor.abiMinor >= 1 }

    public var opNames: [String] {
        guard let c = raw.pointee.op_count, let n = raw.pointee.op_name else { return [] }
        return (0..<c(raw)).compactMap { n(raw, $0).flatMap { String(validatingCString: $0) } }
    }
}
