// Tool render and info on a scene of curves (linearcurve, bsplinecurve): Mitsuba's image from the command line.
import Foundation
import Integrators
import Testing

@Suite("Tool on curve scenes", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct CurveCommandTests {
    static let scene = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../IntegratorsTests/Fixtures/Curves/curves.xml").standardizedFileURL

    @Test("render writes Mitsuba's same-seed image of the curve scene; info counts its curves")
    func renderAndInfo() throws {
        let directory = try makeTemporaryDirectory("refract-curves-")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("curves.npy")
        let (status, text) = try runTool(["render", "--scene", Self.scene.path, "--spp", "16", "--seed", "5",
                                          "--output", output.path])
        #expect(status == 0, "\(text)")
        let ours = try Bitmap(contentsOf: output).pixels
        let theirs = try Bitmap(contentsOf: Self.scene.deletingLastPathComponent()
            .appendingPathComponent("curves_mitsuba_spp16.npy")).pixels
        #expect(ours.count == theirs.count)
        let error = zip(ours, theirs).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } / Double(theirs.count)
        #expect(error < 2e-4, "mean absolute difference \(error)")
        let info = try runTool(["info", "--scene", Self.scene.path])
        #expect(info.status == 0 && info.output.contains("curves:        2 shapes, 7 segments (15 control points)"),
                "\(info.output)")
    }
}
