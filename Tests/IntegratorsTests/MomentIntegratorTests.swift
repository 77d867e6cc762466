// Mitsuba's `moment` integrator: channel names, the image, its XYZ channels and second moments.
import Foundation
import Testing

@testable import Integrators

@Suite struct MomentIntegratorTests {
    private func scene(_ integrator: String) throws -> Scene {
        let dir = try ImageTestDirectory()
        let url = dir.file("scene.xml")
        try """
            <scene version="3.0.0">
                \(integrator)
                <sensor type="perspective">
                    <transform name="to_world"><lookat origin="0, 0, 4" target="0, 0, 0" up="0, 1, 0"/></transform>
                    <film type="hdrfilm"><integer name="width" value="10"/><integer name="height" value="8"/></film>
                </sensor>
                <emitter type="constant"><rgb name="radiance" value="0.5, 0.6, 0.7"/></emitter>
                <emitter type="point"><point name="position" x="1" y="2" z="3"/><rgb name="intensity" value="9"/></emitter>
                <shape type="sphere"><bsdf type="diffuse"><rgb name="reflectance" value="0.7, 0.3, 0.2"/></bsdf></shape>
            </scene>
            """.write(to: url, atomically: true, encoding: .utf8)
        return try Scene(contentsOf: url)
    }

    @Test func channelsAreTheImageItsXYZAndTheirSecondMoments() throws {
        let moment = try scene(#"<integrator type="moment"><integrator type="path"/><integrator type="direct" name="d"/></integrator>"#)
        let image = moment.renderMoments(samplesPerPixel: 8, seed: 1)
        #expect(image.channels == ["R", "G", "B", "_arg_0.X", "_arg_0.Y", "_arg_0.Z", "d.X", "d.Y", "d.Z",
                                   "m2__arg_0.X", "m2__arg_0.Y", "m2__arg_0.Z", "m2_d.X", "m2_d.Y", "m2_d.Z"])
        // R, G, B: the first nested integrator's image, as `render` gives it.
        var path = moment
        path.integrator = moment.integrator.nested[0].settings
        let plain = path.render(samplesPerPixel: 8, seed: 1).values
        #expect(moment.render(samplesPerPixel: 8, seed: 1).values == plain)
        let count = image.channels.count
        for pixel in 0..<(image.width * image.height) {
            let v = Array(image.values[pixel * count..<(pixel + 1) * count])
            for c in 0..<3 { #expect(v[c] == plain[pixel * 3 + c]) }
            // The filter is linear, so the XYZ channels are the image's colour in XYZ.
            let x = 0.412453 * v[0] + 0.357580 * v[1] + 0.180423 * v[2]
            #expect(abs(v[3] - x) <= 1e-5 * max(1, abs(x)))
            // A weighted mean of squares is at least the square of the weighted mean (Jensen).
            for c in 3..<9 { #expect(v[c + 6] >= v[c] * v[c] * (1 - 1e-5) - 1e-7) }
        }
    }

    @Test func defaultsAndErrors() throws {
        let moment = try scene(#"<integrator type="moment"><integrator type="path"/></integrator>"#)
        #expect(moment.integrator.nested.map(\.name) == ["_arg_0"])
        #expect(moment.integrator.nested[0].settings.maxDepth == -1)
        for (xml, words) in [
            (#"<integrator type="moment"/>"#, "needs at least one nested integrator"),
            (#"<integrator type="moment"><integrator type="aov"><string name="aovs" value="d:depth"/></integrator></integrator>"#,
             "nests path, prb, prb_basic, direct or volpath integrators, not 'aov'"),
        ] {
            #expect { _ = try scene(xml) } throws: { "\($0)".contains(words) }
        }
    }
}
