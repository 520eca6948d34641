// One line naming the model, node or layer and the reason.
public struct ONNXError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
