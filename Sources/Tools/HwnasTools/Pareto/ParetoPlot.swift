// An SVG scatter plot of a two-objective search: every evaluated point, the
// Pareto front as a step line, constraint limits as dashed lines, axes with
// ticks and labels, and a legend. Pure Swift text output, no dependencies.
import HwnasCore
import Foundation

public struct ParetoPlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xDirection: ObjectiveDirection
    public var yDirection: ObjectiveDirection
    /// All evaluated points (x, y).
    public var points: [(x: Double, y: Double)]
    /// Hard limits drawn as dashed lines (e.g. latency <= 20 ms on x).
    public var xLimits: [(value: Double, label: String)] = []
    public var yLimits: [(value: Double, label: String)] = []
    public var width = 720.0, height = 480.0

    public init(title: String, xLabel: String, yLabel: String, xDirection: ObjectiveDirection, yDirection: ObjectiveDirection,
                points: [(x: Double, y: Double)]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.xDirection = xDirection; self.yDirection = yDirection; self.points = points
    }

    /// The non-dominated points, sorted by x.
    public var front: [(x: Double, y: Double)] {
        ParetoFront.indices(points.map { [$0.x, $0.y] }, [xDirection, yDirection]).map { points[$0] }.sorted { $0.x < $1.x }
    }

    /// "Nice" tick values (1, 2, 5 x 10^k steps) covering lo...hi.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = ceil(lo / step) * step, out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return String(format: abs(v) >= 100 ? "%.0f" : abs(v) >= 1 ? "%.1f" : "%.3g", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    public func svg() -> String {
        let left = 70.0, right = 20.0, top = 40.0, bottom = 55.0
        let pw = width - left - right, ph = height - top - bottom
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        var xs = finite.map(\.x) + xLimits.map(\.value), ys = finite.map(\.y) + yLimits.map(\.value)
        if xs.isEmpty { xs = [0, 1] }
        if ys.isEmpty { ys = [0, 1] }
        var (x0, x1, y0, y1) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
        if x1 == x0 { x0 -= 1; x1 += 1 }
        if y1 == y0 { y0 -= 1; y1 += 1 }
        let padX = (x1 - x0) * 0.04, padY = (y1 - y0) * 0.04
        x0 -= padX; x1 += padX; y0 -= padY; y1 += padY
        func sx(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func sy(_ y: Double) -> Double { top + ph - (y - y0) / (y1 - y0) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>\n"
        // Axes, ticks, grid.
        s += "<g stroke=\"#333\"><line x1=\"\(f(left))\" y1=\"\(f(top + ph))\" x2=\"\(f(left + pw))\" y2=\"\(f(top + ph))\"/><line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + ph))\"/></g>\n"
        for t in Self.ticks(x0, x1) {
            s += "<line x1=\"\(f(sx(t)))\" y1=\"\(f(top))\" x2=\"\(f(sx(t)))\" y2=\"\(f(top + ph + 5))\" stroke=\"#ddd\"/>"
            s += "<text class=\"xtick\" x=\"\(f(sx(t)))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        for t in Self.ticks(y0, y1) {
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(sy(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(t)))\" stroke=\"#ddd\"/>"
            s += "<text class=\"ytick\" x=\"\(f(left - 8))\" y=\"\(f(sy(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\(f(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(top + ph / 2)))\">\(Self.escape(yLabel))</text>\n"
        // Constraint lines.
        for l in xLimits {
            s += "<line class=\"limit\" x1=\"\(f(sx(l.value)))\" y1=\"\(f(top))\" x2=\"\(f(sx(l.value)))\" y2=\"\(f(top + ph))\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>"
            s += "<text x=\"\(f(sx(l.value) + 4))\" y=\"\(f(top + 12))\" fill=\"#c00\">\(Self.escape(l.label))</text>\n"
        }
        for l in yLimits {
            s += "<line class=\"limit\" x1=\"\(f(left))\" y1=\"\(f(sy(l.value)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(l.value)))\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>"
            s += "<text x=\"\(f(left + pw - 4))\" y=\"\(f(sy(l.value) - 4))\" fill=\"#c00\" text-anchor=\"end\">\(Self.escape(l.label))</text>\n"
        }
        // Points, then the front on top.
        s += "<g class=\"points\" fill=\"#4a78b5\" fill-opacity=\"0.45\">"
        for p in finite { s += "<circle cx=\"\(f(sx(p.x)))\" cy=\"\(f(sy(p.y)))\" r=\"3\"/>" }
        s += "</g>\n"
        let fr = front
        if !fr.isEmpty {
            var path = "M\(f(sx(fr[0].x))),\(f(sy(fr[0].y)))"
            for k in 1..<fr.count { path += " H\(f(sx(fr[k].x))) V\(f(sy(fr[k].y)))" }
            s += "<path class=\"front-line\" d=\"\(path)\" fill=\"none\" stroke=\"#e07b00\" stroke-width=\"1.5\"/>\n<g class=\"front\" fill=\"#e07b00\">"
            for p in fr { s += "<circle cx=\"\(f(sx(p.x)))\" cy=\"\(f(sy(p.y)))\" r=\"4.5\"/>" }
            s += "</g>\n"
        }
        // Legend.
        let lx = left + pw - 170, ly = top + 10
        s += "<g class=\"legend\"><rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"160\" height=\"\(xLimits.isEmpty && yLimits.isEmpty ? 44 : 62)\" fill=\"white\" stroke=\"#999\"/>"
        s += "<circle cx=\"\(f(lx + 12))\" cy=\"\(f(ly + 14))\" r=\"3\" fill=\"#4a78b5\"/><text x=\"\(f(lx + 24))\" y=\"\(f(ly + 18))\">evaluated (\(finite.count))</text>"
        s += "<circle cx=\"\(f(lx + 12))\" cy=\"\(f(ly + 32))\" r=\"4.5\" fill=\"#e07b00\"/><text x=\"\(f(lx + 24))\" y=\"\(f(ly + 36))\">Pareto front (\(fr.count))</text>"
        if !(xLimits.isEmpty && yLimits.isEmpty) {
            s += "<line x1=\"\(f(lx + 4))\" y1=\"\(f(ly + 50))\" x2=\"\(f(lx + 20))\" y2=\"\(f(ly + 50))\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/><text x=\"\(f(lx + 24))\" y=\"\(f(ly + 54))\">constraint</text>"
        }
        s += "</g>\n</svg>\n"
        return s
    }

    public func write(to path: String) throws {
        try OutputFile.write(svg(), to: path, flag: "--plot")
    }
}

extension ParetoPlot {
    /// Tick positions the plot would use for lo...hi (exposed for tests).
    public static func ticksForTesting(_ lo: Double, _ hi: Double) -> [Double] { ticks(lo, hi) }
}
