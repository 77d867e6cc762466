// Mitsuba's `rawconstant` texture: a value used as given (Mitsuba's test scenes feed normal maps with it).
import Foundation
import Testing

@testable import Integrators

@Suite struct RawConstantTextureTests {
    private func textures(_ body: String) throws -> (SceneDocument, [PluginDescription]) {
        let dir = try ImageTestDirectory()
        let url = dir.file("scene.xml")
        try "<scene version=\"3.0.0\">\(body)</scene>".write(to: url, atomically: true, encoding: .utf8)
        let document = try SceneDocument(contentsOf: url)
        return (document, document.plugins)
    }

    @Test func valuesAreKeptAsGiven() throws {
        let (document, plugins) = try textures("""
            <texture type="rawconstant" id="n"><vector name="value" value="0.5, 0.5, 1.0"/></texture>
            <texture type="rawconstant" id="f"><float name="value" value="2.5"/></texture>
            """)
        let vector = try #require(try PluginFactory.makeTexture(plugins[0], document: document) as? ConstantTexture)
        #expect(vector.rgb == Vector3f(0.5, 0.5, 1))
        let scalar = try #require(try PluginFactory.makeTexture(plugins[1], document: document) as? UniformTexture)
        #expect(scalar.value.value.values == [2.5])
        #expect(vector.parameters.map(\.key) == ["value"])
    }

    @Test func aStringIsAnError() throws {
        let (document, plugins) = try textures(#"<texture type="rawconstant"><string name="value" value="x"/></texture>"#)
        #expect { _ = try PluginFactory.makeTexture(plugins[0], document: document) } throws: {
            "\($0)".contains("'value' must be a float, or an rgb, vector or point, found string")
        }
    }
}
