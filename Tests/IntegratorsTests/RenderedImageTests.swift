// What `render` returns: the pixels with their shape, (H, W, C) or (N, H, W, C), pixel access and bitmaps.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Rendered images")
struct RenderedImageTests {
    /// A 12x8 film (width and height differ, so that their order shows) of a sphere under a constant sky.
    func scene() throws -> Scene {
        let xml = """
        <scene version="3.0.0">
            <sensor type="perspective">
                <float name="fov" value="45"/>
                <transform name="to_world"><lookat origin="0, 0, -3" target="0, 0, 0" up="0, 1, 0"/></transform>
                <film type="hdrfilm"><integer name="width" value="12"/><integer name="height" value="8"/></film>
            </sensor>
            <shape type="sphere"><bsdf type="diffuse"><rgb name="reflectance" value="0.2, 0.5, 0.8"/></bsdf></shape>
            <emitter type="constant"/>
        </scene>
        """
        return try Scene(document: SceneDocument(xml: xml, url: URL(fileURLWithPath: "/tmp/image.xml")))
    }

    @Test("a render has the film's shape (H, W, 3), pixels by (y, x, c), and converts to a bitmap")
    func single() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let image = try scene().render(samplesPerPixel: 2, seed: 3)
            #expect(image.shape == [8, 12, 3])
            #expect(image.height == 8 && image.width == 12 && image.channels == 3 && image.imageCount == 1)
            let values = image.values
            #expect(values.count == 8 * 12 * 3)
            let pixels: [(y: Int, x: Int, c: Int)] = [(0, 0, 0), (3, 7, 1), (7, 11, 2), (5, 2, 0)]
            for pixel in pixels {
                let index = (pixel.y * 12 + pixel.x) * 3 + pixel.c
                #expect(image[y: pixel.y, x: pixel.x, c: pixel.c] == values[index])
            }
            let bitmap = image.bitmap()
            #expect(bitmap.width == 12 && bitmap.height == 8 && bitmap.channelCount == 3)
            #expect(bitmap.pixels == values)
        }
    }

    @Test("a batched render has shape (N, H, W, 3); each image slices out as an image of its own")
    func batch() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let size = 4
            let textures = Array(ProceduralTextures.all(size: size).prefix(2))
            let scene = try TutorialScene.make(resolution: 6, texture: .init(size: size, values: textures[0]))
            let images = try scene.render(samplesPerPixel: 2, seeds: [1, 2], batching: TutorialScene.textureKey,
                                          values: FloatArray(textures.flatMap { $0 }))
            #expect(images.shape == [2, 6, 6, 3])
            let values = images.values
            let pixels = 6 * 6 * 3
            for index in 0..<2 {
                let slice = Array(values[index * pixels..<(index + 1) * pixels])
                #expect(images.image(index).shape == [6, 6, 3])
                #expect(images.image(index).values == slice)
                #expect(images.bitmap(image: index).pixels == slice)
                #expect(images[image: index, y: 4, x: 1, c: 2] == slice[(4 * 6 + 1) * 3 + 2])
            }
        }
    }
}
