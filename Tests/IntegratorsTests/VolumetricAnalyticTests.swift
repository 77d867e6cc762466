// volpath on scenes with known answers: the transmittance of an absorbing ball, a white furnace, and media that
// other integrators ignore.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Volumetric path tracer: analytic cases")
struct VolumetricAnalyticTests {
    /// A ball of radius 1 at the origin holding `medium` (XML inside <medium>), behind a null boundary, seen by a
    /// narrow camera at distance 5 against a constant environment of radiance `environment`.
    static func ballScene(medium: String, environment: String = "1, 1, 1", integrator: String = "volpath",
                          depth: Int = -1) throws -> Scene {
        let xml = """
        <scene version="3.0.0">
            <integrator type="\(integrator)"><integer name="max_depth" value="\(depth)"/></integrator>
            <sensor type="perspective">
                <float name="fov" value="1"/>
                <transform name="to_world"><lookat origin="0, 0, 5" target="0, 0, 0" up="0, 1, 0"/></transform>
                <film type="hdrfilm"><integer name="width" value="4"/><integer name="height" value="4"/>
                    <rfilter type="box"/></film>
            </sensor>
            <emitter type="constant"><rgb name="radiance" value="\(environment)"/></emitter>
            <shape type="sphere">
                <bsdf type="null"/>
                <medium type="homogeneous" name="interior">\(medium)</medium>
            </shape>
        </scene>
        """
        let document = try SceneDocument(xml: xml, url: URL(fileURLWithPath: "/tmp/volumetric-analytic.xml"))
        return try Scene(document: document)
    }

    /// The mean colour of an image.
    static func mean(_ values: [Float]) -> [Double] {
        (0..<3).map { c in stride(from: c, to: values.count, by: 3).reduce(0.0) { $0 + Double(values[$1]) } / Double(values.count / 3) }
    }

    @Test("an absorbing ball transmits exp(-σt d) of the environment (per channel with spectral weights)",
          arguments: [true, false])
    func absorbingBall(spectral: Bool) throws {
        // σt = (0.25, 0.5, 1) x 2; every camera ray crosses the ball within 2e-4 of its diameter 2.
        let sigma: [Double] = [0.5, 1, 2]
        let values = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Self.ballScene(medium: """
                <float name="albedo" value="0"/><rgb name="sigma_t" value="0.25, 0.5, 1"/>
                <float name="scale" value="2"/>
                <boolean name="has_spectral_extinction" value="\(spectral)"/>
                """).render(samplesPerPixel: 4096, seed: 1).values
        }
        let mean = Self.mean(values)
        for c in 0..<3 {
            // With spectral weights the estimate is tr/tr[channel] on survival, else 0: unbiased. Without them
            // (Mitsuba's shortcut for a grey extinction) a survival counts 1 in every channel, so each channel sees
            // the average transmittance over the channel the path sampled with.
            let expected = spectral ? exp(-2 * sigma[c]) : sigma.map { exp(-2 * $0) }.reduce(0, +) / 3
            // The standard error over 65536 samples stays under 0.004.
            #expect(abs(mean[c] - expected) < 0.012, "channel \(c): \(mean[c]) vs exp(-2 σt) = \(expected)")
        }
    }

    @Test("a white furnace: a non-absorbing ball in a uniform environment of radiance 1 looks uniform, 1",
          arguments: ["<phase type=\"isotropic\"/>", "<phase type=\"hg\"><float name=\"g\" value=\"0.7\"/></phase>"])
    func whiteFurnace(phase: String) throws {
        let values = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Self.ballScene(medium: """
                <float name="albedo" value="1"/><rgb name="sigma_t" value="0.5, 1, 0.8"/><float name="scale" value="2"/>
                \(phase)
                """).render(samplesPerPixel: 1024, seed: 2).values
        }
        for (c, value) in Self.mean(values).enumerated() {
            #expect(abs(value - 1) < 0.02, "channel \(c): \(value)")
        }
    }

    @Test("with albedo 0 nothing scatters: the ball's colour is the transmitted environment only, at any depth")
    func noScattering() throws {
        let medium = #"<float name="albedo" value="0"/><float name="sigma_t" value="1"/>"#
        let (deep, shallow) = try TraceContext.with(CompileOptions(variant: .llvm)) {
            (try Self.ballScene(medium: medium).render(samplesPerPixel: 256, seed: 5).values,
             try Self.ballScene(medium: medium, depth: 1).render(samplesPerPixel: 256, seed: 5).values)
        }
        // max_depth 1 ends paths at their first real event; null boundaries do not count, so the ball shows the
        // same transmitted light bit for bit.
        #expect(deep == shallow)
        #expect(abs(Self.mean(deep)[0] - exp(-2)) < 0.03)
    }

    @Test("path ignores media as Mitsuba's does: a null ball is invisible (the environment through it keeps its full weight)")
    func pathIgnoresMedia() throws {
        let values = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Self.ballScene(medium: #"<float name="sigma_t" value="5"/>"#, environment: "0.5, 0.25, 1",
                               integrator: "path").render(samplesPerPixel: 4, seed: 1).values
        }
        #expect(Self.mean(values).map { ($0 * 1e4).rounded() / 1e4 } == [0.5, 0.25, 1])
    }
}
