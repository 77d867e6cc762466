// Area emitters declared at the top level and referenced from shapes, as Mitsuba's cbox-rgb.xml declares its light.
import Foundation
import Testing

@testable import Integrators

@Suite struct TopLevelAreaEmitterTests {
    private func scene(_ body: String) throws -> Scene {
        let dir = try ImageTestDirectory()
        let url = dir.file("scene.xml")
        let xml = """
            <scene version="3.0.0">
                <sensor type="perspective"><film type="hdrfilm">
                    <integer name="width" value="8"/><integer name="height" value="8"/>
                </film></sensor>
            \(body)
            </scene>
            """
        try xml.write(to: url, atomically: true, encoding: .utf8)
        return try Scene(contentsOf: url)
    }

    @Test func aReferencedDefinitionLightsTheShapesThatReferenceIt() throws {
        // The reference comes first and the definition after it, as in cbox-rgb.xml (through its includes).
        let scene = try scene("""
            <shape type="rectangle" id="lamp"><ref id="glow"/></shape>
            <shape type="sphere" id="ball"/>
            <emitter type="area" id="glow"><rgb name="radiance" value="3, 2, 1"/></emitter>
            """)
        let lamp = try #require(scene.shapes.first { $0.id == "lamp" })
        let emitter = try #require(lamp.emitter)
        #expect((emitter.radiance as? ConstantTexture)?.rgb == Vector3f(3, 2, 1))
        #expect(scene.shapes.first { $0.id == "ball" }?.emitter == nil)
        // The definition is not a light of its own: the lamp's is the only one.
        #expect(scene.emitters.filter { $0.emitter is AreaEmitter }.count == 1)
    }

    @Test func anUnreferencedTopLevelAreaEmitterIsAnError() {
        #expect {
            _ = try scene(#"<emitter type="area" id="glow"/><shape type="sphere"/>"#)
        } throws: { error in
            "\(error)".contains("an area emitter belongs inside a <shape>")
        }
    }
}
