// `hwnas profile cpu`'s calibration: measured = constant + scale x table sum.
// A free fit with a negative constant predicts negative latencies for small
// networks; it must be refused and refitted through the origin, loudly.
import HwnasTestSupport
import HwnasTools
import Testing

@Suite(.tags(.unit)) struct CalibrationFitTests {
    @Test func aCleanFitIsKept() throws {
        let sums = [1.0, 2, 4, 8, 16]
        let fit = try CPULatencyProfiler.fitCalibration(sums: sums, medians: sums.map { 0.3 + 1.5 * $0 })
        #expect(abs(fit.constant - 0.3) < 1e-9 && abs(fit.scale - 1.5) < 1e-9 && fit.warning == nil)
    }

    @Test func aNegativeConstantIsRefittedThroughTheOrigin() throws {
        // What a busy machine gave: scale 2.26, constant -1.55 ms.
        let sums = [1.0, 2, 4, 8, 16]
        let fit = try CPULatencyProfiler.fitCalibration(sums: sums, medians: sums.map { max(0.05, -1.55 + 2.26 * $0) + 0.01 * $0 })
        #expect(fit.constant == 0 && fit.scale > 0)
        #expect(sums.allSatisfy { fit.constant + fit.scale * $0 > 0 })
        let warning = try #require(fit.warning)
        #expect(warning.contains("predicts negative latencies") && warning.contains("through the origin"), "\(warning)")
    }

    @Test func impossibleInputIsRefused() {
        #expect(throws: (any Error).self) { try CPULatencyProfiler.fitCalibration(sums: [1, 2], medians: [1, 2]) }
        #expect(throws: (any Error).self) { try CPULatencyProfiler.fitCalibration(sums: [1, 2, 3], medians: [1, -2, 3]) }
    }
}
