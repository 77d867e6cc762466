// The curve file reader (linearcurve, bsplinecurve): segments and transforms as Mitsuba builds them, errors by line.
import Foundation
import Testing
@testable import Integrators

@Suite("Curve file reader")
struct CurveFileReaderTests {
    private func read(_ text: String, _ basis: CurveBasis = .linear, toWorld: Transform4 = .identity) throws -> CurveSet {
        try CurveFileReader.read(Data(text.utf8), name: "hair.txt", basis: basis, toWorld: toWorld)
    }

    /// The error `text` gives, as text.
    private func failure(_ text: String, _ basis: CurveBasis = .linear) -> String {
        do {
            _ = try read(text, basis)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("curves split at blank lines; segments start at each point but the last (linear) or last three (B-spline)")
    func segments() throws {
        let text = "0 0 0 0.5\n1 0 0 0.5\n2 0 0 0.25\n\n\n \t\r\n0 1 0 1\n0 2 0 1\r\n0 3 0 1\n0 4 0 2"
        let linear = try read(text)
        #expect(linear.controlPointCount == 7)
        #expect(linear.segmentIndices == [0, 1, 3, 4, 5])
        #expect(linear.curveFirstSegments == [0, 2, 5])
        #expect(Array(linear.controlPoints[8..<12]) == [2, 0, 0, 0.25])
        let error = failure(text, .bspline)
        #expect(error.contains("hair.txt") && error.contains("line 1") && error.contains("at least 4"), "\(error)")
        let spline = try read("0 0 0 1\n1 0 0 1\n2 0 0 1\n3 0 0 1\n4 0 0 1\n", .bspline)
        #expect(spline.segmentIndices == [0, 1])
        #expect(spline.curveFirstSegments == [0, 2])
    }

    @Test("to_world moves the positions; the radii stay as written, as in Mitsuba")
    func transform() throws {
        let toWorld = Transform4.translate(Vector3f(1, 2, 3)) * Transform4.scale(Vector3f(2, 2, 2))
        let curves = try read("1 0 0 0.5\n0 1 0 0.25\n", toWorld: toWorld)
        #expect(curves.controlPoints == [3, 2, 3, 0.5, 1, 4, 3, 0.25])
        let box = try #require(curves.bounds)
        #expect(box.min == Vector3f(0.75, 1.5, 2.5) && box.max == Vector3f(3.5, 4.25, 3.5))
    }

    @Test("bad files are errors naming the file and the line", arguments: [
        ("0 0 0 1\n1 1 1\n", "line 2", "found 3 values"),
        ("0 0 0 1\n1 x 1 1\n", "line 2", "y is not a number: 'x'"),
        ("0 0 0 1\n1 1 1 -0.5\n", "line 2", "radius must be finite and 0 or more"),
        ("0 0 0 nan\n1 1 1 1\n", "line 1", "radius must be finite"),
        ("0 inf 0 1\n1 1 1 1\n", "line 1", "position is not finite"),
        ("0 0 0 1\n1 1 1 1\n\n5 5 5 1\n", "line 4", "at least 2 control points"),
        ("\n \n\t\n", "hair.txt", "no control points"),
    ])
    func errors(text: String, location: String, reason: String) {
        let error = failure(text)
        #expect(error.hasPrefix("hair.txt") && error.contains(location) && error.contains(reason), "\(error)")
    }

    @Test("a missing file names the file")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/dir/fur.txt")
        #expect(throws: MeshLoadError.self) { try CurveFileReader.read(contentsOf: url, basis: .bspline) }
        do {
            _ = try CurveFileReader.read(contentsOf: url, basis: .bspline)
        } catch {
            #expect("\(error)".hasPrefix("fur.txt"))
        }
    }
}
