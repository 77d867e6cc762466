// Helpers for the plugin tests: a seeded random source, surface interactions built from directions, comparisons.
import Foundation
import RefractSupport
import Tracer

@testable import Integrators

/// Random test values drawn from the project's generator.
extension SplitMix64 {
    /// Uniform in `range`.
    mutating func float(in range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitFloat()
    }

    /// A point uniform in the cube [-extent, extent]³.
    mutating func point(extent: Float) -> Vector3f {
        Vector3f(float(in: -extent...extent), float(in: -extent...extent), float(in: -extent...extent))
    }

    /// A uniformly distributed unit vector.
    mutating func direction() -> Vector3f {
        while true {
            let v = point(extent: 1)
            let length = v.length
            if length > 0.1 && length <= 1 { return v / length }
        }
    }
}

enum PluginFixtures {
    /// A surface interaction with the given local wi and uv per lane, shading frame = world axes.
    static func interaction(wi: [Vector3f], uv: [SIMD2<Float>]? = nil) -> SurfaceInteraction {
        let lanes = wi.count
        let zero = Vector3Array(repeating: .zero, count: lanes)
        let normal = Vector3Array(repeating: Vector3f(0, 0, 1), count: lanes)
        let frame = Frame(s: Vector3Array(repeating: Vector3f(1, 0, 0), count: lanes),
                          t: Vector3Array(repeating: Vector3f(0, 1, 0), count: lanes), n: normal)
        let coordinates = uv ?? Array(repeating: SIMD2<Float>(0.5, 0.5), count: lanes)
        return SurfaceInteraction(isValid: BoolArray(repeating: true, count: lanes),
                                  t: FloatArray(repeating: 1, count: lanes), p: zero, n: normal, frame: frame,
                                  uv: Point2Array(coordinates), dpdu: frame.s, dpdv: frame.t, wi: Vector3Array(wi),
                                  shapeIndex: UInt32Array(repeating: 0, count: lanes))
    }

    /// A ray array from host rays.
    static func rays(origins: [Vector3f], directions: [Vector3f], maxT: [Float]) -> RayArray {
        RayArray(origin: Vector3Array(origins), direction: Vector3Array(directions), maxT: FloatArray(maxT))
    }

    /// A fresh temporary directory holding `scene.xml` with `xml`, plus a parsed document.
    static func document(_ body: String, in directory: ImageTestDirectory) throws -> SceneDocument {
        let xml = "<scene version=\"3.0.0\">\n" + body + "\n</scene>\n"
        let url = directory.file("scene.xml")
        try xml.write(to: url, atomically: true, encoding: .utf8)
        return try SceneDocument(xml: xml, url: url)
    }
}

/// |a − b| ≤ tolerance·max(1, |b|) per component.
func pluginClose(_ a: Vector3f, _ b: Vector3f, _ tolerance: Float = 1e-5) -> Bool {
    pluginClose(a.x, b.x, tolerance) && pluginClose(a.y, b.y, tolerance) && pluginClose(a.z, b.z, tolerance)
}

/// |a − b| ≤ tolerance·max(1, |b|).
func pluginClose(_ a: Float, _ b: Float, _ tolerance: Float = 1e-5) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tolerance * Swift.max(1, abs(b))
}

/// d mean(image) / d `key` for the scene file at `url`, rendered with `integrator` at `spp`, seed 0 (the adjoint
/// pass with seed 100, as the fixture scripts' seed_grad), on the LLVM backend.
func sceneGradient(of key: String, scene url: URL, samplesPerPixel spp: Int,
                   integrator: IntegratorSettings.Kind = .prb) throws -> [Float] {
    try TraceContext.with(CompileOptions(variant: .llvm)) {
        var scene = try Scene(contentsOf: url)
        scene.integrator.kind = integrator
        let parameters = scene.parameters
        var value = try parameters.value(key).detached()
        value.enableGradient()
        try parameters.set(key, to: value)
        scene.render(samplesPerPixel: spp, seed: 0, seedGrad: 100).array.mean().backward()
        return value.gradient.values
    }
}
