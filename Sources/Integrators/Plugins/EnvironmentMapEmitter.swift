// Mitsuba's `envmap` emitter: an equirectangular (latitude-longitude) image of the radiance at infinity.
import Foundation
import Tracer

/// Radiance from every direction, read from a latitude-longitude image as Mitsuba's `envmap` reads it: direction d
/// (in the emitter's frame) has u = atan2(d.x, −d.z) / 2π and v = acos(d.y) / π; the image is interpolated
/// bilinearly, periodic in u, with its rows at v = y / (H − 1), and multiplied by `scale`.
///
/// Importance sampling picks an image cell with probability proportional to its luminance times sin θ (a
/// piecewise-constant density over the cells, with its exact pdf), then a uniform point in the cell. Mitsuba warps a
/// piecewise-bilinear density instead: the estimates agree, the noise differs. The distribution is built from the
/// image at load; a new `data` value changes the radiance, not the sampling.
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
    /// The cells' sampling distribution (cell j·W + i is column i of row j).
    let cells: DiscreteDistribution

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
        var weights = [Float](repeating: 0, count: width * height)
        for j in 0..<height {
            let sinTheta = Foundation.sin((Double(j) + 0.5) / Double(height) * Double.pi)
            for i in 0..<width {
                let texel = 3 * (j * width + i)
                let luminance = 0.212671 * texels[texel] + 0.715160 * texels[texel + 1] + 0.072169 * texels[texel + 2]
                weights[j * width + i] = Float(Double(Swift.max(luminance, 0)) * sinTheta)
            }
        }
        // An all-black image is sampled uniformly (its radiance is 0 anyway).
        if !weights.contains(where: { $0 > 0 }) { weights = [Float](repeating: 1, count: weights.count) }
        cells = try DiscreteDistribution(weights)
    }

    public var flags: EmitterFlags { .infinite }

    /// A cell by its weight and a uniform point in it; the pdf per solid angle is pmf · W · H / (2π² sin θ).
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let (cell, reused) = cells.sampleReuse(sample.x, active: active)
        let row = cell / UInt32(width)
        let column = cell - row * UInt32(width)
        let u = (FloatArray(column) + reused) * (1 / Float(width))
        let v = (FloatArray(row) + sample.y) * (1 / Float(height))
        let theta = v * .pi, phi = u * (2 * .pi)
        let sinTheta = sin(theta)
        let local = Vector3Array(x: sin(phi) * sinTheta, y: cos(theta), z: -cos(phi) * sinTheta)
        let d = toWorld.applyVector(local)
        let pdf = cells.evalPMFNormalized(cell, active: active) * Float(width * height)
            / (max(sinTheta, .constant(Float.ulpOfOne)) * (2 * Float.pi * Float.pi))
        let usable = active & (pdf .> 0)
        let reach = max((reference - .constant(bounds.center)).length, .constant(bounds.radius))
        let dist = 2 * reach
        let emitterSample = EmitterSample(p: fma(d, dist, reference), n: -d, d: d, dist: dist,
                                          pdf: select(usable, pdf, .constant(0)),
                                          isDelta: BoolArray(repeating: false, count: Swift.max(reference.count, sample.count)))
        let radiance = radiance(local: local, active: usable, bindings: bindings)
        return (emitterSample, select(usable, radiance / pdf, .constant(.zero)))
    }

    /// The density of `sampleDirection` for the direction of `sample`.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        let local = Transform4(matrix: toWorld.inverse, inverse: toWorld.matrix).applyVector(sample.d).normalized()
        let (u, v) = Self.coordinates(local)
        let column = min(UInt32Array(u * Float(width)), UInt32Array(repeating: UInt32(width - 1)))
        let row = min(UInt32Array(v * Float(height)), UInt32Array(repeating: UInt32(height - 1)))
        let sinTheta = sqrt(max(local.x * local.x + local.z * local.z, .constant(0)))
        let pmf = cells.evalPMFNormalized(row * UInt32(width) + column, active: active)
        return select(active, pmf * Float(width * height)
                      / (max(sinTheta, .constant(Float.ulpOfOne)) * (2 * Float.pi * Float.pi)), .constant(0))
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
