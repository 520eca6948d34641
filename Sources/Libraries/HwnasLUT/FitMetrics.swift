// Accuracy of a latency predictor, in the terms nn-Meter reports:
import Foundation
// MAPE and the share of predictions within +-10% and +-5% of the measurement.
public struct FitMetrics: Sendable, CustomStringConvertible {
    public let count: Int
    /// Mean absolute percentage error, in percent.
    public let mape: Double
    /// Share of predictions with |pred - true| / true <= 10% (5%), in percent.
    public let within10: Double
    public let within5: Double
    /// Root mean square error in the target's unit.
    public let rmse: Double

    public init(predicted: [Double], measured: [Double]) {
        precondition(predicted.count == measured.count)
        let rel = zip(predicted, measured).map { abs($0 - $1) / abs($1) }
        count = rel.count
        let n = Double(max(count, 1))
        mape = 100 * rel.reduce(0, +) / n
        within10 = 100 * Double(rel.filter { $0 <= 0.10 }.count) / n
        within5 = 100 * Double(rel.filter { $0 <= 0.05 }.count) / n
        rmse = (zip(predicted, measured).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / n).squareRoot()
    }

    public var description: String {
        String(format: "n=%d MAPE %.2f%%  within10 %.1f%%  within5 %.1f%%  RMSE %.4g", count, mape, within10, within5, rmse)
    }
}
