// Area lights with a spatially varying radiance: bitmap uv sampling against its density, shapes placed by uv, and
// the light's samples, densities and weights against each other and against uniform area sampling.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("area lights sampled by their radiance texture")
struct TexturedEmitterTests {
    /// A 6 × 4 RGB radiance with one black texel (no mass) and a bright one.
    static let width = 6, height = 4
    static var texels: [Float] {
        var values: [Float] = []
        for index in 0..<(width * height) {
            let base = Float(index % 5) + 0.5
            values += index == 9 ? [0, 0, 0] : index == 14 ? [9, 7, 8] : [base, 0.5 * base, 1.5]
        }
        return values
    }

    static func bitmap(filter: BitmapFilter = .bilinear, wrap: BitmapWrapMode = .repeat) -> BitmapTexture {
        BitmapTexture(data: FloatArray(texels), width: width, height: height, filter: filter, wrapMode: wrap)
    }

    @Test("a bitmap's uv samples follow pdfPosition (chi-square over a grid of cells), which integrates to 1",
          arguments: [(BitmapFilter.bilinear, BitmapWrapMode.repeat), (.bilinear, .clamp), (.bilinear, .mirror),
                      (.nearest, .repeat)])
    func bitmapSampling(filter: BitmapFilter, wrap: BitmapWrapMode) throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let texture = Self.bitmap(filter: filter, wrap: wrap)
            let count = 200_000
            var sampler = Sampler(seed: 5, laneCount: count)
            let (uv, pdf) = texture.samplePosition(sampler.next2D(), active: true)
            let again = texture.pdfPosition(uv, active: true).values
            let (us, vs, pdfs) = (uv.x.values, uv.y.values, pdf.values)
            #expect(pdfs == again, "the sampled density is pdfPosition's")
            // A texel's sample can round onto its border with the next texel (as in Mitsuba): if that texel is
            // black, the sample has density 0 and an area light drops it. Very rarely.
            #expect(pdfs.filter { $0 <= 0 }.count <= count / 10_000, "samples of density 0")
            #expect(us.allSatisfy { (0...1).contains($0) } && vs.allSatisfy { (0...1).contains($0) })

            // Cells of half a texel; expected counts by the midpoint rule on an 8 × 8 grid per cell.
            let columns = 2 * Self.width, rows = 2 * Self.height, resolution = 8
            var observed = [Double](repeating: 0, count: columns * rows)
            for lane in 0..<count where pdfs[lane] > 0 {
                let (u, v) = (us[lane], vs[lane])
                observed[Swift.min(Int(v * Float(rows)), rows - 1) * columns + Swift.min(Int(u * Float(columns)), columns - 1)] += 1
            }
            var points: [SIMD2<Float>] = []
            for cell in 0..<(columns * rows) {
                for a in 0..<resolution {
                    for b in 0..<resolution {
                        let u = (Double(cell % columns) + (Double(b) + 0.5) / Double(resolution)) / Double(columns)
                        let v = (Double(cell / columns) + (Double(a) + 0.5) / Double(resolution)) / Double(rows)
                        points.append(SIMD2(Float(u), Float(v)))
                    }
                }
            }
            let density = texture.pdfPosition(Point2Array(points), active: true).values
            let perCell = resolution * resolution, cellArea = 1 / Double(columns * rows * perCell)
            var expected = [Double](repeating: 0, count: columns * rows)
            for cell in expected.indices {
                expected[cell] = density[(cell * perCell)..<((cell + 1) * perCell)].reduce(0) { $0 + Double($1) } * cellArea
            }
            #expect(abs(expected.reduce(0, +) - 1) < 1e-3, "∫ pdf = \(expected.reduce(0, +))")
            var statistic = 0.0, degrees = -1
            for cell in expected.indices {
                let e = expected[cell] * Double(count)
                if e < 5 {
                    #expect(e > 0 || observed[cell] == 0, "cell \(cell) has samples but no density")
                    continue
                }
                statistic += (observed[cell] - e) * (observed[cell] - e) / e
                degrees += 1
            }
            let p = regularizedGammaQ(Double(degrees) / 2, statistic / 2)
            #expect(p > 1e-3, "χ² = \(statistic), dof = \(degrees), p = \(p)")
        }
    }

    @Test("a bitmap whose texels sum to 0 is never sampled: density 0 everywhere")
    func blackBitmap() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let black = BitmapTexture(data: FloatArray(repeating: 0, count: 12), width: 2, height: 2)
            let (_, pdf) = black.samplePosition(Point2Array([SIMD2(0.3, 0.6), SIMD2(0.9, 0.1)]), active: true)
            #expect(pdf.values == [0, 0])
            #expect(AreaEmitter(shape: RectangleShape(), radiance: black).sampleDirection(
                from: Vector3Array([Vector3f(0, 0, 2)]), sample: Point2Array([SIMD2(0.3, 0.6)]),
                bounds: EmitterSceneBounds(center: .zero, radius: 2), active: true).weight.values == [.zero])
            #expect(black.pdfPosition(Point2Array([SIMD2(0.3, 0.6)]), active: true).values == [0])
        }
    }

    static func shapes() -> [(name: String, shape: any AreaSampling)] { [
        ("rectangle", RectangleShape(toWorld: .translate(0.2, 0, 0) * .rotate(axis: Vector3f(1, 0, 0), angleDegrees: 20)
                                     * .scale(1.5, 0.7, 1))),
        ("disk", DiskShape(toWorld: .translate(0, 0.3, 0) * .scale(0.9))),
        ("sphere", SphereShape(center: Vector3f(0, 0.1, -0.2), radius: 0.8)),
        ("cylinder", CylinderShape(p0: Vector3f(0, -0.5, -0.3), p1: Vector3f(0, 0.7, -0.3), radius: 0.6)),
    ] }

    @Test("a shape's point at uv has that uv (surface parameterizations)", arguments: [0, 1, 2, 3])
    func parameterizations(index: Int) throws {
        let (name, shape) = Self.shapes()[index]
        let parameterized = try #require(shape as? any SurfaceParameterization)
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            var sampler = Sampler(seed: 3, laneCount: 512)
            var uv = sampler.next2D()
            // Keep off the seams and poles, where uv is ambiguous.
            uv = Point2Array(x: 0.02 + 0.96 * uv.x, y: 0.02 + 0.96 * uv.y)
            let (surface, valid) = parameterized.surface(at: uv, active: true)
            let (u, v) = (uv.x.values, uv.y.values)
            let (gu, gv) = (surface.uv.x.values, surface.uv.y.values)
            let validity = valid.values
            for lane in 0..<512 {
                #expect(validity[validity.count == 1 ? 0 : lane], "\(name) lane \(lane): no point at uv (\(u[lane]), \(v[lane]))")
                #expect(abs(gu[lane] - u[lane]) < 2e-5 && abs(gv[lane] - v[lane]) < 2e-5,
                        "\(name) lane \(lane): uv (\(u[lane]), \(v[lane])) gives (\(gu[lane]), \(gv[lane]))")
            }
        }
    }

    /// Reference points around the shapes (outside them).
    static let references = [Vector3f(0.3, 2.5, 1.8), Vector3f(-2.2, -0.4, 2.4), Vector3f(1.9, 0.8, -2.6)]

    @Test("sampled by the texture, a light's density is pdfDirection at its point and uv, its weight radiance/pdf",
          arguments: [0, 1, 2, 3])
    func samplesAgainstDensity(index: Int) throws {
        let (name, shape) = Self.shapes()[index]
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let emitter = AreaEmitter(shape: shape, radiance: Self.bitmap())
            #expect(emitter.readsSurfaceCoordinates)
            let count = 4096
            var valid = 0, loose = 0
            for (r, reference) in Self.references.enumerated() {
                var sampler = Sampler(seed: UInt32(11 + r), laneCount: count)
                let origin = Vector3Array(repeating: reference, count: 1)
                let bounds = EmitterSceneBounds(center: .zero, radius: 3)
                let (sample, weight) = emitter.sampleDirection(from: origin, sample: sampler.next2D(), bounds: bounds,
                                                               active: true)
                let uv = try #require(sample.uv)
                let density = emitter.pdfDirection(from: origin, sample, active: true).values
                let radiance = emitter.radiance.eval(uv, active: true).values
                let (pdfs, weights) = (sample.pdf.values, weight.values)
                for lane in 0..<count where pdfs[lane] > 0 {
                    valid += 1
                    // Near a sphere's poles uv is ill-conditioned: the point's uv read back differs from the drawn
                    // one in the last digits, and the densities at the two with it (as in Mitsuba).
                    loose += pluginClose(density[lane], pdfs[lane], 1e-4) ? 0 : 1
                    #expect(pluginClose(density[lane], pdfs[lane], 1e-2), "\(name) lane \(lane): \(density[lane]) vs \(pdfs[lane])")
                    #expect(pluginClose(weights[lane], radiance[lane] / pdfs[lane], 1e-4), "\(name) weight lane \(lane)")
                }
                #expect((0..<count).allSatisfy { pdfs[$0] > 0 || weights[$0] == .zero }, "failed samples weigh 0")
            }
            #expect(valid > count / 2, "\(name): \(valid) valid samples")
            #expect(loose <= valid / 200, "\(name): \(loose) of \(valid) densities differ by more than 1e-4")
        }
    }

    @Test("the texture-sampled estimate of the light's radiance integral equals uniform area sampling's",
          arguments: [0, 1, 2, 3])
    func unbiased(index: Int) throws {
        let (name, shape) = Self.shapes()[index]
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let textured = AreaEmitter(shape: shape, radiance: Self.bitmap())
            let count = 400_000
            let reference = Self.references[0]
            let origin = Vector3Array(repeating: reference, count: 1)
            let bounds = EmitterSceneBounds(center: .zero, radius: 3)
            // ∫ L dω over the light's front side, seen from the reference point, by the light's own sampling...
            var sampler = Sampler(seed: 17, laneCount: count)
            let weight = textured.sampleDirection(from: origin, sample: sampler.next2D(), bounds: bounds,
                                                  active: true).weight.values
            let sampled = weight.reduce(0.0) { $0 + Double($1.x + $1.y + $1.z) } / Double(count)
            // ... and by points uniform in uv, weighted by the area element and the solid-angle conversion.
            let parameterized = try #require(shape as? any SurfaceParameterization)
            var uniform = Sampler(seed: 23, laneCount: count)
            let uv = uniform.next2D()
            let (surface, valid) = parameterized.surface(at: uv, active: true)
            let offset = surface.p - origin
            let d = offset.normalized()
            let cosine = -d.dot(surface.n)
            let jacobian = surface.dpdu.cross(surface.dpdv).length * cosine / offset.squaredLength
            let radiance = textured.radiance.eval(surface.uv, active: true)
            let front = valid & (cosine .> 0)
            let term = select(front, (radiance.x + radiance.y + radiance.z) * jacobian, .constant(0))
            let reference2 = term.values.reduce(0.0) { $0 + Double($1) } / Double(count)
            #expect(abs(sampled - reference2) < 0.03 * abs(reference2),
                    "\(name): texture sampling \(sampled), uniform uv \(reference2)")
        }
    }
}
