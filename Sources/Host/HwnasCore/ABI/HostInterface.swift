// The hwnas_host struct every plugin receives: identity, ABI version, and a
// thread-safe log callback routed to stderr.
import CHwnasABI
import Foundation

public enum HostInterface {
    /// Minimum level printed by plugin logs (HWNAS_LOG_*). Set once at start-up.
    nonisolated(unsafe) public static var minimumLogLevel: Int32 = HWNAS_LOG_INFO

    /// One process-wide host struct; plugins may keep the pointer.
    nonisolated(unsafe) public static let shared: UnsafePointer<hwnas_host> = {
        let p = UnsafeMutablePointer<hwnas_host>.allocate(capacity: 1)
        p.initialize(to: hwnas_host(
            struct_size: UInt32(MemoryLayout<hwnas_host>.size), reserved: 0,
            abi_version: currentVersion,
            host_name: UnsafePointer(strdup("hwnas")), host_version: UnsafePointer(strdup(HwnasVersion.string)),
            host_data: nil,
            log: { _, level, message in
                guard level >= HostInterface.minimumLogLevel, let message else { return }
                let tag = ["debug", "info", "warning", "error"][Int(max(0, min(3, level)))]
                FileHandle.standardError.write(Data("hwnas: plugin \(tag): \(String(cString: message))\n".utf8))
            }))
        return UnsafePointer(p)
    }()

    public static let currentVersion = hwnas_version(major: HWNAS_ABI_VERSION_MAJOR, minor: HWNAS_ABI_VERSION_MINOR,
                                                     patch: HWNAS_ABI_VERSION_PATCH)
}
