/// An activation tensor's shape, channels x height x width (batch 1).
public struct TensorShape: Sendable, Hashable, CustomStringConvertible {
    public var c, h, w: Int
    public init(c: Int, h: Int, w: Int) { self.c = c; self.h = h; self.w = w }
    public var elements: Int64 { Int64(c) * Int64(h) * Int64(w) }
    public var description: String { "\(c)x\(h)x\(w)" }
}
