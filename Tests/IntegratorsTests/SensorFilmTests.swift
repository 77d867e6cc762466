// The perspective sensor, the film's filters, developing and its adjoint, against SCENE-SPEC §1–2 and scalar loops.
import Foundation
import Testing
import RefractSupport
import Tracer

@testable import Integrators

/// One wavefront's worth of test data: positions inside each lane's pixel and radiances.
private struct Samples {
    var positions: [SIMD2<Float>] = []
    var radiance: [Vector3f] = []

    /// Random samples for `film` with `spp` per pixel; some jitters sit exactly on the pixel's edges.
    init(film: Film, spp: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let edges: [Float] = [0, 0.99999994, 0.5]
        for lane in 0..<film.laneCount(samplesPerPixel: spp) {
            let pixel = lane / spp
            let column = Float(pixel % film.width), row = Float(pixel / film.width)
            var jitter = SIMD2<Float>(random.nextUnitFloat(), random.nextUnitFloat())
            if lane % 7 == 3 { jitter.x = edges[(lane / 7) % 3] }
            if lane % 5 == 1 { jitter.y = edges[(lane / 5) % 3] }
            positions.append(SIMD2(column + jitter.x, row + jitter.y))
            radiance.append(Vector3f(random.nextUnitFloat() * 2, random.nextUnitFloat(), random.nextUnitFloat() * 4 - 1))
        }
    }

    var tracedPositions: Point2Array { Point2Array(positions) }
    var tracedRadiance: Vector3Array { Vector3Array(radiance) }
}

/// SCENE-SPEC §2 as a loop over samples and every pixel (double accumulation): the (H, W, 3) image.
private func referenceDevelop(_ film: Film, _ samples: Samples, spp: Int) -> [Double] {
    let pixels = film.pixelCount
    var sums = [Double](repeating: 0, count: pixels * 3)
    var weights = [Double](repeating: 0, count: pixels)
    for (lane, (position, value)) in zip(samples.positions, samples.radiance).enumerated() {
        for p in 0..<pixels {
            let w = referenceWeight(film, pixel: p, lane: lane, position: position, spp: spp)
            weights[p] += w
            for c in 0..<3 { sums[p * 3 + c] += w * Double(value[c]) }
        }
    }
    return (0..<pixels * 3).map { i in weights[i / 3] == 0 ? sums[i] : sums[i] / weights[i / 3] }
}

/// The splat weight of one sample on pixel `p` (box: 1 on the lane's own pixel).
private func referenceWeight(_ film: Film, pixel p: Int, lane: Int, position: SIMD2<Float>, spp: Int) -> Double {
    if film.filter == .box { return p == lane / spp ? 1 : 0 }
    let i = p % film.width, j = p / film.width
    let wx = film.filter.weight(Float(i) + 0.5 - position.x)
    let wy = film.filter.weight(Float(j) + 0.5 - position.y)
    return Double(wx) * Double(wy)
}

/// SCENE-SPEC §8 step 2 as a loop: δL_s = Σ_p G[p]·w_p(s) / W_p.
private func referenceAdjoint(_ film: Film, _ samples: Samples, gradient: [Float], spp: Int) -> [Vector3f] {
    let pixels = film.pixelCount
    var weights = [Double](repeating: 0, count: pixels)
    for (lane, position) in samples.positions.enumerated() {
        for p in 0..<pixels { weights[p] += referenceWeight(film, pixel: p, lane: lane, position: position, spp: spp) }
    }
    return samples.positions.enumerated().map { lane, position in
        var sum = [Double](repeating: 0, count: 3)
        for p in 0..<pixels where weights[p] != 0 {
            let w = referenceWeight(film, pixel: p, lane: lane, position: position, spp: spp) / weights[p]
            for c in 0..<3 { sum[c] += Double(gradient[p * 3 + c]) * w }
        }
        return Vector3f(Float(sum[0]), Float(sum[1]), Float(sum[2]))
    }
}

private func close(_ a: Float, _ b: Double, _ tolerance: Double = 2e-5) -> Bool {
    abs(Double(a) - b) <= tolerance * max(1, abs(b))
}

private func close(_ a: Vector3f, _ b: Vector3f, _ tolerance: Float = 2e-5) -> Bool {
    let d = a - b
    let scale = max(1, max(abs(b.x), max(abs(b.y), abs(b.z))))
    return max(abs(d.x), max(abs(d.y), abs(d.z))) <= tolerance * scale
}

/// The films the develop tests run on: odd sizes, every filter reach from 0 to 3, negative lobes.
private let testFilms: [Film] = [
    Film(width: 7, height: 5),
    Film(width: 7, height: 5, filter: .box),
    Film(width: 5, height: 7, filter: .gaussian(standardDeviation: 0.3)),
    Film(width: 6, height: 4, filter: .gaussian(standardDeviation: 0.8)),
    Film(width: 3, height: 1, filter: .gaussian(standardDeviation: 0.1)),
    Film(width: 5, height: 6, filter: .tent(radius: 1.3)),
    Film(width: 6, height: 5, filter: .mitchell(b: 1 / 3, c: 1 / 3)),
    Film(width: 4, height: 7, filter: .catmullRom),
    Film(width: 8, height: 5, filter: .lanczos(lobes: 3)),
]

@Suite("Sensor and film")
struct SensorFilmTests {
    // MARK: Camera

    @Test("tutorial camera rays follow SCENE-SPEC §1's closed form", arguments: Variant.allCases)
    func tutorialRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let sensor = Sensor.tutorial(resolution: 128)
            #expect(sensor.film.width == 128 && sensor.film.height == 128 && sensor.film.filter == .standard)
            #expect(abs(sensor.tangentOfHalfAngle - 0.577350) < 1e-6)
            var points: [SIMD2<Float>] = []
            for x: Float in [0, 0.5, 1, 31.5, 64, 64.5, 100.25, 127.5, 128] {
                for y: Float in [0, 0.5, 17, 64, 127.5, 128] { points.append(SIMD2(x, y)) }
            }
            let rays = sensor.sampleRays(position: Point2Array(points))
            let origins = rays.origin.values, directions = rays.direction.values, maxT = rays.maxT.values
            let t = Float(tan(Double.pi / 6))
            for (k, point) in points.enumerated() {
                let sx = point.x / 128, sy = point.y / 128
                let expected = Vector3f((2 * sx - 1) * t, (2 * sy - 1) * t, 1).normalized
                #expect(close(directions[k], expected, 1e-6), "at \(point): \(directions[k]) vs \(expected)")
                // The origin lies on the near plane z = −2 + 0.01 along the ray through the eye (0, 0, −2).
                let eye = Vector3f(0, 0, -2)
                let nearPoint = eye + expected * (0.01 / expected.z)
                #expect(close(origins[k], nearPoint, 1e-6), "origin at \(point): \(origins[k])")
                #expect(abs(origins[k].z - -1.99) < 1e-6)
                #expect(abs(maxT[k] - (10000 - 0.01) / expected.z) <= 1e-6 * maxT[k])
            }
            // Column → world +x, row (downward) → world +y; the centre looks straight ahead.
            #expect(directions[0].x < 0 && directions[0].y < 0)
            let centre = sensor.sampleRays(position: Point2Array(repeating: 64, 64)).direction.values[0]
            #expect(centre == Vector3f(0, 0, 1))
        }
    }

    @Test("a rotated camera maps camera space through look_at's frame", arguments: Variant.allCases)
    func rotatedCamera(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let origin = Vector3f(1, 2, 3), target = Vector3f(-1, 0.5, 0), up = Vector3f(0, 0, 1)
            let toWorld = Transform4.lookAt(origin: origin, target: target, up: up)
            let film = Film(width: 30, height: 20)
            let sensor = Sensor(toWorld: toWorld, fieldOfView: 45, film: film)
            let points: [SIMD2<Float>] = [SIMD2(0, 0), SIMD2(30, 20), SIMD2(7.25, 13.5), SIMD2(15, 10)]
            let rays = sensor.sampleRays(position: Point2Array(points))
            let directions = rays.direction.values, origins = rays.origin.values
            let t = Float(tan(22.5 * Double.pi / 180)), aspect: Float = 1.5
            for (k, point) in points.enumerated() {
                let local = Vector3f((1 - 2 * point.x / 30) * t, (1 - 2 * point.y / 20) * t / aspect, 1).normalized
                let expected = toWorld.applyVector(local)
                #expect(close(directions[k], expected, 1e-6), "at \(point): \(directions[k]) vs \(expected)")
                #expect(close(origins[k], origin + expected * (0.01 / local.z), 1e-6))
                #expect(abs(directions[k].length - 1) < 1e-6)
            }
        }
    }

    @Test("every fov_axis spans its extent of a non-square film", arguments: Variant.allCases)
    func fieldOfViewAxes(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            for (width, height) in [(40, 20), (20, 40)] {
                let aspect = Float(width) / Float(height)
                for axis in FieldOfViewAxis.allCases {
                    let sensor = Sensor(fieldOfView: 50, fieldOfViewAxis: axis,
                                        film: Film(width: width, height: height))
                    let w = Float(width), h = Float(height)
                    // The film point at the end of the measured half-extent, from the image centre.
                    let resolved = axis.resolved(aspect: Double(aspect))
                    let edge: SIMD2<Float> = switch resolved {
                    case .x: SIMD2(0, h / 2)
                    case .y: SIMD2(w / 2, 0)
                    default: SIMD2(0, 0)
                    }
                    let d = sensor.sampleRays(position: Point2Array([edge])).direction.values[0]
                    let halfAngle = atan2(Double((d.x * d.x + d.y * d.y).squareRoot()), Double(d.z))
                    #expect(abs(halfAngle * 360 / Double.pi - 50) < 1e-3, "\(axis) on \(width)x\(height)")
                    if axis == .smaller { #expect(resolved == (aspect > 1 ? .y : .x)) }
                    if axis == .larger { #expect(resolved == (aspect > 1 ? .x : .y)) }
                }
            }
        }
    }

    // MARK: Film lanes and filters

    @Test("lanes map to pixels as SCENE-SPEC §2", arguments: Variant.allCases)
    func laneLayout(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let film = Film(width: 7, height: 5)
            #expect(film.laneCount(samplesPerPixel: 3) == 105)
            let (column, row) = film.pixelCoordinates(samplesPerPixel: 3)
            let pixel = film.pixelIndex(samplesPerPixel: 3).values, columns = column.values, rows = row.values
            let jitter = Point2Array(x: FloatArray(repeating: 0.25, count: 105), y: FloatArray(repeating: 0.75, count: 105))
            let positions = film.samplePositions(jitter: jitter, samplesPerPixel: 3).values
            for lane in 0..<105 {
                #expect(pixel[lane] == UInt32(lane / 3))
                #expect(columns[lane] == UInt32((lane / 3) % 7) && rows[lane] == UInt32(lane / 21))
                #expect(positions[lane] == SIMD2(Float((lane / 3) % 7) + 0.25, Float(lane / 21) + 0.75))
            }
        }
    }

    @Test("the gaussian filter is exp(−x²/2σ²) minus its value at 4σ, and 0 beyond", arguments: Variant.allCases)
    func gaussianFilter(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let standard = ReconstructionFilter.standard
            #expect(standard.radius == 2)
            #expect(abs(standard.weight(0) - (1 - expf(-8))) < 1e-7)
            #expect(abs(standard.weight(1) - (expf(-2) - expf(-8))) < 1e-7)
            #expect(abs(standard.weight(-0.5) - (expf(-0.5) - expf(-8))) < 1e-7)
            #expect(standard.weight(2) == 0 && standard.weight(-2) == 0 && standard.weight(2.5) == 0)
            #expect(standard.weight(1.999) > 0)
            let wide = ReconstructionFilter.gaussian(standardDeviation: 1)
            #expect(wide.radius == 4 && abs(wide.weight(1) - (expf(-0.5) - expf(-8))) < 1e-7)
            let xs: [Float] = (-60...60).map { Float($0) / 20 } + [1.9999, -1.9999, 3.99, 4, 7]
            for filter in [standard, wide, ReconstructionFilter.gaussian(standardDeviation: 0.3)] {
                let traced = filter.weight(FloatArray(xs)).values
                for (x, value) in zip(xs, traced) {
                    #expect(abs(value - filter.weight(x)) < 1e-6, "\(filter) at \(x)")
                    if abs(x) >= filter.radius { #expect(value == 0) }
                }
            }
            #expect(standard.reach == 2 && wide.reach == 4)
            #expect(ReconstructionFilter.gaussian(standardDeviation: 0.3).reach == 1)
            #expect(ReconstructionFilter.box.reach == 0)
        }
    }

    // MARK: Develop and its adjoint

    @Test("develop matches a loop over samples and pixels", arguments: Variant.allCases)
    func developMatchesReference(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            for (index, film) in testFilms.enumerated() {
                for spp in [1, 3] {
                    let samples = Samples(film: film, spp: spp, seed: UInt64(17 * index + spp))
                    let image = film.develop(positions: samples.tracedPositions, radiance: samples.tracedRadiance,
                                             samplesPerPixel: spp).values
                    let expected = referenceDevelop(film, samples, spp: spp)
                    #expect(image.count == film.pixelCount * 3)
                    for (k, (value, reference)) in zip(image, expected).enumerated() {
                        #expect(close(value, reference), "\(film.filter) \(film.width)x\(film.height) spp \(spp) [\(k)]")
                    }
                }
            }
        }
    }

    @Test("a constant radiance develops to the same constant everywhere", arguments: Variant.allCases)
    func developConstant(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let film = Film(width: 9, height: 6)
            var samples = Samples(film: film, spp: 4, seed: 3)
            samples.radiance = samples.radiance.map { _ in Vector3f(0.25, 0.5, 2) }
            let image = film.develop(positions: samples.tracedPositions, radiance: samples.tracedRadiance,
                                     samplesPerPixel: 4).values
            for (k, value) in image.enumerated() {
                #expect(abs(value - [0.25, 0.5, 2][k % 3]) < 1e-6)
            }
        }
    }

    @Test("sampleAdjoint is the derivative of develop (autodiff and a loop)", arguments: Variant.allCases)
    func adjointMatchesAutodiff(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            for (index, film) in testFilms.enumerated() {
                for spp in [1, 3] {
                    let samples = Samples(film: film, spp: spp, seed: UInt64(101 + 5 * index + spp))
                    var random = SplitMix64(seed: UInt64(index))
                    let gradient = (0..<film.pixelCount * 3).map { _ in random.nextUnitFloat() * 2 - 1 }
                    let adjoint = film.sampleAdjoint(imageGradient: FloatArray(gradient),
                                                     positions: samples.tracedPositions, samplesPerPixel: spp).values
                    var radiance = samples.tracedRadiance
                    radiance.x.enableGradient()
                    radiance.y.enableGradient()
                    radiance.z.enableGradient()
                    let image = film.develop(positions: samples.tracedPositions, radiance: radiance,
                                             samplesPerPixel: spp)
                    image.backward(seed: FloatArray(gradient))
                    let automatic = Vector3Array(x: radiance.x.gradient, y: radiance.y.gradient,
                                                 z: radiance.z.gradient).values
                    let looped = referenceAdjoint(film, samples, gradient: gradient, spp: spp)
                    #expect(adjoint.count == film.laneCount(samplesPerPixel: spp))
                    for lane in adjoint.indices {
                        let label = "\(film.filter) \(film.width)x\(film.height) spp \(spp) lane \(lane)"
                        #expect(close(adjoint[lane], automatic[lane], 1e-5), "\(label): \(adjoint[lane]) vs AD \(automatic[lane])")
                        #expect(close(adjoint[lane], looped[lane], 2e-5), "\(label): \(adjoint[lane]) vs loop \(looped[lane])")
                    }
                }
            }
        }
    }

    // MARK: XML

    @Test("the sensor, film, filter and sampler come from Mitsuba XML")
    func fromXML() throws {
        let sensor = try loadSensor("""
            <sensor type="perspective">
                <string name="fov_axis" value="Y"/>
                <float name="fov" value="40"/>
                <float name="near_clip" value="0.5"/>
                <float name="far_clip" value="100"/>
                <transform name="to_world">
                    <lookat origin="0, 0, -2" target="0, 0, 0" up="0, -1, 0"/>
                </transform>
                <sampler type="independent">
                    <integer name="sample_count" value="16"/>
                </sampler>
                <film type="hdrfilm">
                    <integer name="width" value="320"/>
                    <integer name="height" value="240"/>
                    <string name="pixel_format" value="rgb"/>
                    <rfilter type="gaussian">
                        <float name="stddev" value="0.25"/>
                    </rfilter>
                </film>
            </sensor>
            """)
        #expect(sensor.fieldOfView == 40 && sensor.fieldOfViewAxis == .y)
        #expect(sensor.nearClip == 0.5 && sensor.farClip == 100 && sensor.sampleCount == 16)
        #expect(sensor.film == Film(width: 320, height: 240, filter: .gaussian(standardDeviation: 0.25)))
        #expect(sensor.toWorld == Sensor.tutorial(resolution: 8).toWorld)
        let expectedX = 2 * atan(tan(20 * Double.pi / 180) * 4 / 3) * 180 / Double.pi
        #expect(abs(Double(sensor.horizontalFieldOfView) - expectedX) < 1e-4)

        let defaults = try loadSensor(#"<sensor type="perspective"><float name="fov" value="60"/></sensor>"#)
        #expect(defaults.film == Film() && defaults.film.width == 768 && defaults.film.height == 576)
        #expect(defaults.sampleCount == 4 && defaults.nearClip == 0.01 && defaults.farClip == 10000)
        #expect(defaults.fieldOfViewAxis == .x && defaults.toWorld == .identity)

        let box = try loadSensor("""
            <sensor type="perspective"><float name="fov" value="30"/>
                <film type="hdrfilm"><rfilter type="box"/></film></sensor>
            """)
        #expect(box.film.filter == .box)

        // No fov: a 50 mm lens along the 36x24 mm diagonal.
        let lens = try loadSensor(#"<sensor type="perspective"><string name="focal_length" value="35mm"/></sensor>"#)
        #expect(lens.fieldOfViewAxis == .diagonal)
        #expect(abs(Double(lens.fieldOfView) - 2 * atan(sqrt(36.0 * 36 + 24 * 24) / 70) * 180 / Double.pi) < 1e-4)
    }

    @Test("bad sensors, films and filters are SceneErrors that say what is wrong")
    func xmlErrors() {
        let fov = #"<float name="fov" value="45"/>"#
        let cases: [(String, String)] = [
            (#"<sensor type="fisheye">\#(fov)</sensor>"#,
             "unknown sensor plugin 'fisheye' (supported: perspective, thinlens, orthographic)"),
            (#"<sensor type="orthographic">\#(fov)</sensor>"#, "unexpected property 'fov'"),
            (#"<sensor type="thinlens">\#(fov)</sensor>"#, "a thinlens sensor needs an 'aperture_radius'"),
            (#"<sensor type="thinlens">\#(fov)<float name="aperture_radius" value="-0.1"/></sensor>"#,
             "aperture_radius must be finite and at least 0"),
            (#"<sensor type="thinlens">\#(fov)<float name="aperture_radius" value="0.1"/><transform name="to_world"><scale value="2"/></transform></sensor>"#,
             "scale factors in the camera-to-world transform are not allowed"),
            (#"<sensor type="thinlens">\#(fov)<float name="aperture_radius" value="0.1"/><float name="focus_distance" value="0"/></sensor>"#,
             "focus_distance must be finite and above 0"),
            (#"<sensor type="perspective">\#(fov)<film type="ldrfilm"/></sensor>"#, "unknown film plugin 'ldrfilm'"),
            (#"<sensor type="perspective">\#(fov)<film type="hdrfilm"><rfilter type="mitchel"/></film></sensor>"#,
             "unknown rfilter plugin 'mitchel' (supported: gaussian, box, tent, mitchell, catmullrom, lanczos)"),
            (#"<sensor type="perspective">\#(fov)<string name="fov_axis" value="z"/></sensor>"#,
             "unsupported fov_axis \"z\""),
            (#"<sensor type="perspective">\#(fov)<transform name="to_world"><scale value="2"/></transform></sensor>"#,
             "scale factors in the camera-to-world transform are not allowed"),
            (#"<sensor type="perspective">\#(fov)<string name="focal_length" value="50mm"/></sensor>"#, "not both"),
            (#"<sensor type="perspective"><float name="fov" value="180"/></sensor>"#, "(0, 180)"),
            (#"<sensor type="perspective">\#(fov)<float name="near_clip" value="0"/></sensor>"#, "near_clip"),
            (#"<sensor type="perspective">\#(fov)<sampler type="sobol"/></sensor>"#, "unknown sampler plugin 'sobol'"),
            (#"<sensor type="perspective">\#(fov)<float name="shutter_open" value="1"/></sensor>"#,
             "the shutter must close (shutter_close = 0.0) no earlier than it opens (shutter_open = 1.0)"),
            (#"<sensor type="perspective">\#(fov)<film type="hdrfilm"><integer name="width" value="0"/></film></sensor>"#,
             "width must be at least 1"),
            (#"<sensor type="perspective">\#(fov)<film type="hdrfilm"><integer name="width" value="8"/><integer name="crop_width" value="5"/><integer name="crop_offset_x" value="4"/></film></sensor>"#,
             "the crop window 5 x 576 at (4, 0) must lie inside the 8 x 576 film"),
            (#"<sensor type="perspective">\#(fov)<film type="hdrfilm"><string name="pixel_format" value="xyz"/></film></sensor>"#,
             "unsupported pixel_format \"xyz\" (supported: \"rgb\", \"rgba\")"),
            (#"<sensor type="perspective">\#(fov)<film type="hdrfilm"><rfilter type="gaussian"><float name="stddev" value="-1"/></rfilter></film></sensor>"#,
             "stddev must be positive"),
        ]
        for (xml, message) in cases {
            do {
                _ = try loadSensor(xml)
                Issue.record("no error for \(xml)")
            } catch let error as SceneError {
                #expect(error.description.contains(message), "\(error.description)")
                #expect(error.description.hasPrefix("sensor.xml:"), "\(error.description)")
            } catch {
                Issue.record("not a SceneError: \(error)")
            }
        }
    }
}

/// The sensor of a scene holding only `sensorXML`.
private func loadSensor(_ sensorXML: String) throws -> Sensor {
    let xml = "<scene version=\"3.0.0\">\n\(sensorXML)\n</scene>\n"
    let document = try SceneDocument(xml: xml, url: URL(fileURLWithPath: "/tmp/sensor.xml"))
    let description = try #require(document.plugins(of: .sensor).first)
    return try Sensor(description, document: document)
}
