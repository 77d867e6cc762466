// Mitsuba's `envmap` emitter: an equirectangular (latitude-longitude) image of the radiance at infinity.
import Foundation
import Tracer

/// Radiance from every direction, read from a latitude-longitude image as Mitsuba's `envmap` reads it: direction d
/// (in the emitter's frame) has u = atan2(d.x, −d.z) / 2π and v = acos(d.y) / π; the image is interpolated
/// bilinearly, periodic in u, with its rows at v = y / (H − 1), and multiplied by `scale`.
///
/// Importance sampling is Mitsuba's: a piecewise-bilinear density (`Hierarchical2D`) through the texels'
/// luminance times sin θ on a grid of W + 1 columns (the first column repeated after the last, so that u wraps),
/// the sampled u shifted by half a texel; its density per solid angle is the warp's / (2π² sin θ). The same random
/// numbers give Mitsuba's directions. The distribution is built from the image at load; a new `data` value changes
/// the radiance, not the sampling.
public struct EnvironmentMapEmitter: Emitter {
    /// The image, H x W x 3 linear RGB, a parameter under "data".
    public let data: ParameterSlot
    /// The radiance scale, a parameter under "scale".
    public let scale: ParameterSlot
    public let width: Int
    public let height: Int
    public let toWorld: Transform4
    public let samplingWeight: Float
    /// `toWorld` as `mi.traverse` lists it.
    private let toWorldListing: ParameterSlot
    /// The sampling density over (u − half a texel, v), a grid of W + 1 by H luminances.
    let warp: Hierarchical2D

    /// An environment of `texels` (H x W x 3, linear RGB, row 0 at the top: θ = 0).
    public init(texels: [Float], width: Int, height: Int, scale: Float = 1, toWorld: Transform4 = .identity,
                samplingWeight: Float = 1) throws {
        precondition(width >= 1 && height >= 2 && texels.count == width * height * 3,
                     "EnvironmentMapEmitter: \(width)x\(height)x3 texels needed, got \(texels.count)")
        data = ParameterSlot(value: FloatArray(texels), shape: [height, width, 3])
        self.scale = ParameterSlot(value: FloatArray([scale]), shape: [1])
        self.width = width
        self.height = height
        self.toWorld = toWorld
        toWorldListing = .listing(toWorld)
        self.samplingWeight = samplingWeight
        // Mitsuba's warp grid: column x is texel column x, and column W the first again; each luminance times
        // sin θ of its row (rows at θ = π·y / (H − 1)), in float as Mitsuba computes them.
        let columns = width + 1
        var grid = [Float](repeating: 0, count: columns * height)
        let thetaScale = 1 / Float(height - 1) * Float.pi
        for y in 0..<height {
            let sinTheta = Foundation.sin(Float(y) * thetaScale)
            for x in 0..<columns {
                let texel = 3 * (y * width + x % width)
                let luminance = texels[texel] * 0.212671 + texels[texel + 1] * 0.715160 + texels[texel + 2] * 0.072169
                grid[y * columns + x] = Swift.max(luminance, 0) * sinTheta
            }
        }
        warp = Hierarchical2D(grid, width: columns, height: height)
    }

    public var flags: EmitterFlags { .infinite }

    /// Mitsuba's `sample_direction`: (u, v) from the warp, u shifted by half a texel, the direction there, and the
    /// warp's density / (2π² sin θ).
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let (point, warpPDF) = warp.sample(sample, active: active)
        let u = point.x + 0.5 / Float(width), v = point.y
        let theta = v * .pi, phi = u * (2 * .pi)
        let sinTheta = sin(theta)
        let local = Vector3Array(x: sin(phi) * sinTheta, y: cos(theta), z: -cos(phi) * sinTheta)
        let d = toWorld.applyVector(local)
        let inverseSinTheta = 1 / max(sinTheta, .constant(Float.ulpOfOne / 2))
        let usable = active & (warpPDF .> 0)
        let pdf = warpPDF * inverseSinTheta * Float(1 / (2 * Double.pi * Double.pi))
        let reach = max((reference - .constant(bounds.center)).length, .constant(bounds.radius))
        let dist = 2 * reach
        let emitterSample = EmitterSample(p: fma(d, dist, reference), n: -d, d: d, dist: dist,
                                          pdf: select(usable, pdf, .constant(0)),
                                          isDelta: BoolArray(repeating: false, count: Swift.max(reference.count, sample.count)))
        let radiance = radiance(local: local, active: usable, bindings: bindings)
        return (emitterSample, select(usable, radiance / pdf, .constant(.zero)))
    }

    /// Mitsuba's `pdf_direction`: the warp's density at the direction's (u − half a texel, v), wrapped into
    /// [0, 1), / (2π² sin θ).
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        let local = Transform4(matrix: toWorld.inverse, inverse: toWorld.matrix).applyVector(sample.d)
        let turns = atan2(local.x, -local.z) * Float(1 / (2 * Double.pi)) - 0.5 / Float(width)
        // acos(y) / π, as atan2 (the Tracer has no acos).
        let y = min(max(local.y, .constant(-1)), .constant(1))
        let v = atan2(sqrt(max(1 - y * y, .constant(0))), y) * Float(1 / Double.pi)
        let u = turns - floor(turns)
        let epsilon = Float.ulpOfOne / 2
        let inverseSinTheta = 1 / sqrt(max(local.x * local.x + local.z * local.z, .constant(epsilon * epsilon)))
        let density = warp.eval(Point2Array(x: u, y: v - floor(v)), active: active)
        return select(active, density * inverseSinTheta * Float(1 / (2 * Double.pi * Double.pi)), .constant(0))
    }

    /// The radiance toward the reference point along the sample's direction.
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        radiance(local: Transform4(matrix: toWorld.inverse, inverse: toWorld.matrix).applyVector(sample.d).normalized(),
                 active: active, bindings: bindings)
    }

    /// The radiance arriving along a ray that left the scene in `direction`.
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        radiance(local: Transform4(matrix: toWorld.inverse, inverse: toWorld.matrix).applyVector(direction).normalized(),
                 active: active, bindings: bindings)
    }

    public var parameters: [(key: String, slot: ParameterSlot)] {
        [("scale", scale), ("data", data), ("to_world", toWorldListing)]
    }

    /// (u, v) of a unit direction in the emitter's frame, u wrapped into [0, 1).
    static func coordinates(_ d: Vector3Array) -> (u: FloatArray, v: FloatArray) {
        let turns = atan2(d.x, -d.z) * Float(1 / (2 * Double.pi))
        let u = turns - floor(turns)
        let y = min(max(d.y, .constant(-1)), .constant(1))
        let v = atan2(sqrt(max(1 - y * y, .constant(0))), y) * Float(1 / Double.pi)
        return (u, v)
    }

    /// The bilinearly interpolated image times `scale` in local direction `d`: columns wrap, rows clamp.
    func radiance(local d: Vector3Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let (u, v) = Self.coordinates(d)
        let x = u * Float(width) - 0.5
        let y = v * Float(height - 1)
        let x0f = floor(x), y0f = min(floor(y), .constant(Float(height - 2)))
        let fx = x - x0f, fy = y - y0f
        let w = Int32(width)
        let column0 = Int32Array(x0f)
        // x0 is in [-1, W - 1]: wrap it and its right neighbour into [0, W).
        let c0 = select(column0 .< 0, column0 + w, column0)
        let c1 = select(column0 + 1 .>= w, column0 + 1 - w, column0 + 1)
        let r0 = Int32Array(y0f)
        func texel(_ r: Int32Array, _ c: Int32Array, _ channel: Int32) -> FloatArray {
            bindings.value(of: data).gather(UInt32Array((r * w + c) * 3 + channel), mask: active)
        }
        let s = bindings.value(of: scale).gather(UInt32Array(repeating: 0), mask: active)
        func channel(_ k: Int32) -> FloatArray {
            let top = fma(fx, texel(r0, c1, k) - texel(r0, c0, k), texel(r0, c0, k))
            let bottom = fma(fx, texel(r0 + 1, c1, k) - texel(r0 + 1, c0, k), texel(r0 + 1, c0, k))
            return fma(fy, bottom - top, top) * s
        }
        return Vector3Array(x: channel(0), y: channel(1), z: channel(2))
    }
}

extension EnvironmentMapEmitter {
    /// From `<emitter type="envmap">`: `filename` (EXR, HDR, PNG, JPEG, NPY; 8-bit images are linearised), `scale`
    /// (default 1), `to_world`, `sampling_weight`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "envmap", description)
        try description.requireKnownProperties(["filename", "scale", "to_world", "sampling_weight", "mis_compensation"])
        try PluginFactory.rejectNestedPlugins(description, instead: "give the image as 'filename'")
        if try description.boolean("mis_compensation", default: false) {
            throw description.error("mis_compensation = true is not supported", property: "mis_compensation")
        }
        let url = try document.resolveFile(description)
        let bitmap = try Bitmap(inputContentsOf: url)
        guard let texels = BitmapTexture.rgbTexels(of: bitmap, raw: false) else {
            throw description.error("image '\(url.lastPathComponent)' has \(bitmap.channelCount) channels; an envmap "
                                    + "needs gray or RGB (with or without alpha)", property: "filename")
        }
        guard texels.height >= 2 else {
            throw description.error("image '\(url.lastPathComponent)' must be at least 2 pixels high", property: "filename")
        }
        let toWorld = try description.transform("to_world", default: .identity)
        guard toWorld.isInvertible else { throw description.error("'to_world' must be invertible", property: "to_world") }
        try self.init(texels: texels.pixels, width: texels.width, height: texels.height,
                      scale: Float(try description.float("scale", default: 1)), toWorld: toWorld,
                      samplingWeight: try PluginFactory.samplingWeight(description))
    }
}
