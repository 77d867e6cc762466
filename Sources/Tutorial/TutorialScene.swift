// The scene of the "PyTorch and Mitsuba interoperability" tutorial, built in code (SCENE-SPEC).
import Foundation
import Integrators
import Tracer

/// A glass sphere in front of a textured plane under a white environment, rendered with PRB.
public enum TutorialScene {
    /// The key of the plane's texture data, as Mitsuba names it.
    public static let textureKey = "textured_plane.bsdf.brdf_0.reflectance.data"

    /// A texture for the plane: (size, size, 3) row-major values used as linear reflectance.
    public struct TextureData {
        public var size: Int
        public var values: [Float]

        public init(size: Int, values: [Float]) throws {
            guard values.count == size * size * 3 else {
                throw RenderError("a tutorial texture must have \(size)x\(size)x3 values, got \(values.count)")
            }
            self.size = size
            self.values = values
        }
    }

    /// Reads a texture file: PNG/JPEG through the bitmap plugin's conversion (sRGB linearised), NPY as raw
    /// values. It must be square with 1 (gray), 3 or 4 (alpha dropped) channels.
    public static func textureData(contentsOf url: URL) throws -> TextureData {
        var bitmap = try Bitmap(inputContentsOf: url)
        if bitmap.isSRGB { bitmap = bitmap.linearized() }
        if bitmap.hasAlpha { bitmap = bitmap.droppingAlpha() }
        if bitmap.channelCount == 1 { bitmap = bitmap.expandingGrayToRGB() }
        guard bitmap.width == bitmap.height else {
            throw RenderError("\(url.lastPathComponent): the texture must be square, got \(bitmap.width)x\(bitmap.height)")
        }
        return try TextureData(size: bitmap.width, values: bitmap.pixels)
    }

    /// The tutorial scene with a film of `resolution`² pixels and the given texture (default: Refract's own
    /// checker texture at 128x128).
    public static func make(resolution: Int = 128, texture: TextureData? = nil,
                            integrator: IntegratorSettings = IntegratorSettings()) throws -> Scene {
        guard resolution > 0 else { throw RenderError("the film resolution must be positive, got \(resolution)") }
        let data = try texture ?? TextureData(size: 128, values: ProceduralTextures.texture(named: "checker", size: 128)!)
        let bitmap = BitmapTexture(data: FloatArray(data.values), width: data.size, height: data.size)
        let plane = SceneShape(
            id: "textured_plane", shape: RectangleShape(toWorld: .scale(1.2)),
            bsdf: TwoSidedBSDF(DiffuseBSDF(reflectance: bitmap)))
        let sphere = SceneShape(
            id: "glass_sphere", shape: SphereShape(center: Vector3f(0, 0, -1), radius: 0.45),
            bsdf: DielectricBSDF(interiorIOR: 1.06, exteriorIOR: 1.000277))
        let box = (min: Vector3f(-1.2, -1.2, -1.45), max: Vector3f(1.2, 1.2, 0))
        return try Scene(sensor: .tutorial(resolution: resolution), shapes: [plane, sphere],
                     emitters: [SceneEmitter(id: "emitter_0", emitter: ConstantEmitter(radiance: Vector3f(1, 1, 1)))],
                     integrator: integrator,
                     boundingSphere: Scene.boundingSphere(of: box))
    }
}
