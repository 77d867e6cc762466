// Reading media from scene files: where they attach, how ids share them, and the clear errors for what is not supported.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Volumetric scene files")
struct VolumetricXMLTests {
    /// A scene with `body` after a sensor (whose extra children are `sensorExtra`) and the integrator `integrator`.
    static func scene(_ body: String, integrator: String = #"<integrator type="volpath"/>"#,
                      sensorExtra: String = "", pixelFormat: String = "rgb") throws -> Scene {
        let xml = """
        <scene version="3.0.0">
            \(integrator)
            <sensor type="perspective">
                <film type="hdrfilm"><integer name="width" value="4"/><integer name="height" value="4"/>
                    <string name="pixel_format" value="\(pixelFormat)"/></film>
                \(sensorExtra)
            </sensor>
            \(body)
        </scene>
        """
        let document = try SceneDocument(xml: xml, url: URL(fileURLWithPath: "/tmp/volumetric-xml.xml"))
        return try Scene(document: document)
    }

    /// The message of the error `body` throws.
    static func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("media attach to shapes by reference or inline, ids are shared, and the sensor may sit in one")
    func attachment() throws {
        let scene = try TraceContext.with(CompileOptions(variant: .scalar)) {
            try Self.scene("""
                <medium type="homogeneous" id="fog"><float name="sigma_t" value="0.5"/></medium>
                <shape type="sphere" id="a"><bsdf type="null"/><ref name="interior" id="fog"/></shape>
                <shape type="sphere" id="b">
                    <medium type="homogeneous" name="interior">
                        <rgb name="albedo" value="0.2, 0.4, 0.6"/><float name="sigma_t" value="2"/>
                        <float name="scale" value="3"/><phase type="hg"><float name="g" value="-0.3"/></phase>
                    </medium>
                    <ref name="exterior" id="fog"/>
                </shape>
                <shape type="sphere" id="c"/>
                """, sensorExtra: #"<ref id="fog"/>"#)
        }
        #expect(scene.media.count == 2)
        #expect(scene.sensorMedium == 0)
        #expect(scene.media[0] == HomogeneousMedium(sigmaT: Vector3f(repeating: 0.5), albedo: Vector3f(repeating: 0.75)))
        #expect(scene.media[1] == HomogeneousMedium(sigmaT: Vector3f(repeating: 6), albedo: Vector3f(0.2, 0.4, 0.6),
                                                    phase: .henyeyGreenstein(g: -0.3)))
        #expect(scene.shapes.map(\.interiorMedium) == [0, 1, nil])
        #expect(scene.shapes.map(\.exteriorMedium) == [nil, 0, nil])
        #expect(scene.shapes[0].bsdf is NullBSDF)
        // A shape that bounds a medium without a BSDF gets Mitsuba's default diffuse one.
        #expect(scene.shapes[1].bsdf is DiffuseBSDF)
        #expect(scene.integrator.kind == .volpath && scene.integrator.maxDepth == -1 && scene.integrator.rrDepth == 5)
    }

    @Test("unsupported and invalid media are refused with a message naming what is wrong", arguments: [
        (#"<medium type="heterogeneous" id="m"/>"#, "'heterogeneous' medium is not supported"),
        (#"<medium type="homogeneous" id="m"><volume type="gridvolume" name="albedo"><string name="filename" value="a.vol"/></volume></medium>"#,
         "'gridvolume' volume is not supported"),
        (#"<medium type="homogeneous" id="m"><float name="sigma_t" value="-1"/></medium>"#, "'sigma_t' must be finite and non-negative"),
        (#"<medium type="homogeneous" id="m"><rgb name="sigma_t" value="1, 2, 1"/></medium>"#, "'sigma_t' as an rgb must lie in [0, 1]"),
        (#"<medium type="homogeneous" id="m"><phase type="hg"><float name="g" value="1"/></phase></medium>"#, "'g' must lie in (-1, 1)"),
        (#"<medium type="homogeneous" id="m"><phase type="isotropic"/><phase type="isotropic"/></medium>"#, "one phase function"),
        (#"<medium type="homogeneous" id="m"><phase type="rayleigh"/></medium>"#, "unknown phase plugin 'rayleigh'"),
        (#"<medium type="homogeneous" id="m"><float name="density" value="1"/></medium>"#, "unexpected property 'density'"),
        (#"<medium type="homogeneous" id="m"/><shape type="sphere"><ref name="inside" id="m"/></shape>"#,
         "named \"interior\" or \"exterior\""),
    ])
    func refusedMedia(body: String, expected: String) {
        let message = Self.message { try TraceContext.with(CompileOptions(variant: .scalar)) { try Self.scene(body) } }
        #expect(message.contains(expected), "\(message)")
    }

    @Test("volpathmis is refused by name")
    func refusedIntegrators() {
        let mis = Self.message {
            try TraceContext.with(CompileOptions(variant: .scalar)) {
                try Self.scene("", integrator: #"<integrator type="volpathmis"/>"#)
            }
        }
        #expect(mis.contains("'volpathmis' integrator is not supported"), "\(mis)")
    }
}
