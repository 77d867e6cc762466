// CurveFileReader: Mitsuba's curve text format (one control point "x y z radius" per line, blank lines between curves).
import Foundation

/// Reads the curve files of Mitsuba's `linearcurve` and `bsplinecurve` (3.9.1 reads only this text format): each
/// non-blank line is one control point, four numbers x, y, z and radius (anything after them is ignored, as
/// Mitsuba's reader ignores it); one or more blank lines end a curve. Positions go through `toWorld`, radii stay as
/// written. Errors are `MeshLoadError`s naming the file and the line.
public enum CurveFileReader {
    /// The curves in the file at `url`.
    public static func read(contentsOf url: URL, basis: CurveBasis, toWorld: Transform4 = .identity) throws -> CurveSet {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw MeshLoadError(fileName: name, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try read(data, name: name, basis: basis, toWorld: toWorld)
    }

    /// The curves in `bytes`, named `name` in errors.
    public static func read(_ bytes: Data, name: String, basis: CurveBasis, toWorld: Transform4 = .identity) throws
        -> CurveSet {
        let transform = MeshTransformer(toWorld)
        var points: [Float] = []
        var curveStarts: [Int] = []      // first control point of each curve
        var curveStartLines: [Int] = []  // the line it starts on, for messages
        var inCurve = false
        var lineNumber = 0

        // A curve that ended must have enough points for one segment.
        func finishCurve() throws {
            guard inCurve, let start = curveStarts.last else { return }
            let count = points.count / 4 - start
            if count < basis.minimumPointsPerCurve {
                throw MeshLoadError(fileName: name, location: "line \(curveStartLines.last!)",
                                    reason: "a \(basis.rawValue) needs at least \(basis.minimumPointsPerCurve) "
                                        + "control points per curve; the curve starting here has \(count)")
            }
        }

        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return }
            let end = raw.count
            var lineStart = 0
            while lineStart < end {
                lineNumber += 1
                var lineEnd = lineStart
                while lineEnd < end && base[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                var tokens: [(Int, Int)] = []
                var i = lineStart
                while i < lineEnd {
                    while i < lineEnd && isBlank(base[i]) { i += 1 }
                    let tokenStart = i
                    while i < lineEnd && !isBlank(base[i]) { i += 1 }
                    if i > tokenStart { tokens.append((tokenStart, i)) }
                }
                defer { lineStart = lineEnd + 1 }
                if tokens.isEmpty {
                    try finishCurve()
                    inCurve = false
                    continue
                }
                let location = "line \(lineNumber)"
                guard tokens.count >= 4 else {
                    throw MeshLoadError(fileName: name, location: location,
                                        reason: "expected a control point 'x y z radius', found \(tokens.count) "
                                            + "value\(tokens.count == 1 ? "" : "s")")
                }
                var values: [Float] = []
                for (index, (start, stop)) in tokens.prefix(4).enumerated() {
                    guard let value = MeshNumberParser.float(base, start, stop) else {
                        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: min(stop - start, 40)),
                                          as: UTF8.self)
                        throw MeshLoadError(fileName: name, location: location,
                                            reason: "\(["x", "y", "z", "radius"][index]) is not a number: '\(text)'")
                    }
                    values.append(value)
                }
                guard values[0].isFinite, values[1].isFinite, values[2].isFinite else {
                    throw MeshLoadError(fileName: name, location: location,
                                        reason: "the control point's position is not finite")
                }
                guard values[3].isFinite, values[3] >= 0 else {
                    throw MeshLoadError(fileName: name, location: location,
                                        reason: "the radius must be finite and 0 or more, found \(values[3])")
                }
                if !inCurve {
                    curveStarts.append(points.count / 4)
                    curveStartLines.append(lineNumber)
                    inCurve = true
                }
                let (x, y, z) = transform.point(values[0], values[1], values[2])
                guard x.isFinite, y.isFinite, z.isFinite else {
                    throw MeshLoadError(fileName: name, location: location,
                                        reason: "the control point is not finite after to_world")
                }
                points += [x, y, z, values[3]]
            }
        }
        guard !curveStarts.isEmpty else {
            throw MeshLoadError(fileName: name, reason: "no control points (an empty curve file)")
        }
        try finishCurve()

        // Each curve of n points has n - 1 linear or n - 3 cubic segments, each named by its first point.
        let total = points.count / 4
        var segments: [UInt32] = []
        var firstSegments: [UInt32] = []
        for (curve, start) in curveStarts.enumerated() {
            let next = curve + 1 < curveStarts.count ? curveStarts[curve + 1] : total
            firstSegments.append(UInt32(segments.count))
            for point in start..<(next - basis.pointsPerSegment + 1) { segments.append(UInt32(point)) }
        }
        firstSegments.append(UInt32(segments.count))
        guard total <= Int(UInt32.max) else {
            throw MeshLoadError(fileName: name, reason: "\(total) control points are more than 2^32 - 1")
        }
        return CurveSet(name: name, basis: basis, controlPoints: points, segmentIndices: segments,
                        curveFirstSegments: firstSegments)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
