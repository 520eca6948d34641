// One-line, file-naming errors for everything that can go wrong while
// loading or using a plugin library.
public struct PluginLoadError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    public var description: String { "\(file): \(reason)" }
}

/// A user-facing error: one line, says what and where.
public struct HwnasError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
