// Tags by kind, beside the targets by kind: `swift test --filter` picks a
// target, the tags travel into Swift Testing's reports.
import Testing

extension Tag {
    /// In-process checks of one type or formula.
    @Tag public static var unit: Tag
    /// Through the C ABI: layouts, old headers, fixture plugins, faults.
    @Tag public static var pluginABI: Tag
    /// The hwnas executable end to end.
    @Tag public static var cli: Tag
    /// Statistical and slow: regret over seeds, rank correlations, benches.
    @Tag public static var slow: Tag
}
