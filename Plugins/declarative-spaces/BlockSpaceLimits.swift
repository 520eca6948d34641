// The largest values a block space may give (far above any deployable
// network, far below where sizes overflow): every number from a file, an
// option or an arch string is checked against them before it is used.
enum BlockSpaceLimits {
    /// Channels of any layer (stage, stem, head, hidden), classes, input channels.
    static let channels = 1 << 20
    /// Image side; sequence length.
    static let resolution = 1 << 13, length = 1 << 24
    static let kernel = 1023, stride = 64, expansion = 64, depth = 64, stages = 64, round = 1024
    /// Width multipliers (global and per stage).
    static let width: ClosedRange<Double> = (1.0 / 64)...16
    /// Elements of one tensor of the largest network.
    static let tensorElements = 1 << 40
}
