// The thinlens and orthographic sensors: their rays in closed form, and renders against Mitsuba 3.9.1's.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Thin lens and orthographic sensors")
struct SensorProjectionTests {
    /// Fixtures/Sensors: the scenes and Mitsuba's renders (written by make_sensors.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Sensors/\(name)")
    }

    static let toWorld = Transform4.lookAt(origin: Vector3f(1, 2, 3), target: Vector3f(-1, 0.5, 0),
                                           up: Vector3f(0, 0, 1))
    static let film = Film(width: 30, height: 20)
    static let positions: [SIMD2<Float>] = [SIMD2(0, 0), SIMD2(30, 20), SIMD2(7.25, 13.5), SIMD2(15, 10), SIMD2(29, 3)]

    @Test("thin lens rays from every point of the aperture meet on the plane of focus", arguments: Variant.allCases)
    func thinLensFocuses(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let focus: Float = 4
            let lens = Sensor(projection: .thinLens(apertureRadius: 0.3, focusDistance: focus), toWorld: Self.toWorld,
                              fieldOfView: 45, film: Self.film)
            let pinhole = Sensor(toWorld: Self.toWorld, fieldOfView: 45, film: Self.film)
            let apertures: [SIMD2<Float>] = [SIMD2(0.5, 0.5), SIMD2(0, 0), SIMD2(1, 0.25), SIMD2(0.9, 0.95), SIMD2(0.2, 0.7)]
            let sharp = pinhole.sampleRays(position: Point2Array(Self.positions))
            let eye = Self.toWorld.translation
            let axis = Self.toWorld.applyVector(Vector3f(0, 0, 1))
            for (k, position) in Self.positions.enumerated() {
                // The pinhole ray through this film position crosses the plane of focus here.
                let d = sharp.direction.values[k]
                let target = eye + d * (focus / d.dot(axis))
                let rays = lens.sampleRays(position: Point2Array(repeating: position.x, position.y, count: apertures.count),
                                           aperture: Point2Array(apertures))
                for a in apertures.indices {
                    let o = rays.origin.values[a], direction = rays.direction.values[a]
                    #expect(abs(direction.length - 1) < 1e-6)
                    // The origin lies on the near plane, and the ray reaches the target at the focus distance.
                    #expect(abs((o - eye).dot(axis) - 0.01) < 1e-5, "near plane at \(position), aperture \(a)")
                    let reached = o + direction * ((focus - (o - eye).dot(axis)) / direction.dot(axis))
                    #expect((reached - target).length < 2e-5, "\(position) aperture \(apertures[a]): \(reached) vs \(target)")
                    // Within the aperture: the lens point is at most the radius from the axis.
                    let lensPoint = o - direction * (0.01 / direction.dot(axis))
                    #expect((lensPoint - eye).length <= 0.3 + 1e-5)
                    let maxT = (10000 - 0.01) / direction.dot(axis)
                    #expect(abs(rays.maxT.values[a] - maxT) <= 1e-6 * maxT)
                }
                // The centre of the aperture is the pinhole.
                #expect((rays.direction.values[0] - d).length < 1e-6 && (rays.origin.values[0] - sharp.origin.values[k]).length < 1e-5)
            }
        }
    }

    @Test("orthographic rays are parallel and start on the scaled near plane", arguments: Variant.allCases)
    func orthographicRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let toWorld = Self.toWorld * Transform4.scale(2, 3, 1)
            let sensor = Sensor(projection: .orthographic, toWorld: toWorld, nearClip: 0.5, farClip: 20, film: Self.film)
            let rays = sensor.sampleRays(position: Point2Array(Self.positions))
            let forward = Self.toWorld.applyVector(Vector3f(0, 0, 1))
            for (k, p) in Self.positions.enumerated() {
                let local = Vector3f(1 - 2 * p.x / 30, (1 - 2 * p.y / 20) / 1.5, 0.5)
                #expect((rays.origin.values[k] - toWorld.applyPoint(local)).length < 1e-5, "origin at \(p)")
                #expect((rays.direction.values[k] - forward).length < 1e-6)
                #expect(rays.maxT.values[k] == 19.5)
            }
            // The film's corners span 2 x 3 by 2/1.5 x 3 in world units: the scale sets the view's extent.
            let corners = sensor.sampleRays(position: Point2Array([SIMD2(0, 0), SIMD2(30, 20)])).origin.values
            #expect(abs((corners[0] - corners[1]).length - (16 + 36 / 2.25 as Float).squareRoot()) < 1e-4)
        }
    }

    @Test("with Mitsuba's seed, each sensor's scene renders Mitsuba's image (a crop window too)",
          arguments: ["thinlens", "orthographic", "crop"])
    func sameSeedAsMitsuba(name: String) throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("\(name)_mitsuba_spp16.npy"))
        let scene = try Scene(contentsOf: Self.fixture("\(name).xml"))
        let ours = TraceContext.with(CompileOptions(variant: .llvm)) { scene.render(samplesPerPixel: 16, seed: 7) }
        #expect(ours.width == mitsuba.width && ours.height == mitsuba.height)
        let error = Self.meanAbsoluteError(ours.values, mitsuba.pixels)
        let differing = zip(ours.values, mitsuba.pixels).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        #expect(differing <= mitsuba.pixels.count / 200, "\(differing) of \(mitsuba.pixels.count) values differ")
        #expect(error < 5e-5, "mean absolute error \(error)")
    }

    @Test("the thin lens's aperture and time samples matter: without them the image is not Mitsuba's")
    func samplesMatter() throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("thinlens_mitsuba_spp16.npy")).pixels
        var noTime = try Scene(contentsOf: Self.fixture("thinlens.xml"))
        #expect(noTime.sensor.shutterOpen == 0.25 && noTime.sensor.shutterOpenTime == 0.5)
        noTime.sensor.shutterOpenTime = 0
        var pinhole = noTime
        pinhole.sensor.projection = .perspective
        pinhole.sensor.shutterOpenTime = 0.5
        TraceContext.with(CompileOptions(variant: .llvm)) {
            for variant in [noTime, pinhole] {
                let error = Self.meanAbsoluteError(variant.render(samplesPerPixel: 16, seed: 7).values, mitsuba)
                #expect(error > 1e-3, "\(variant.sensor.projection), open \(variant.sensor.shutterOpenTime): \(error)")
            }
        }
    }

    @Test("the sensors' fixed parameters are the keys mi.traverse lists for them")
    func parameterKeys() throws {
        let lens = try Scene(contentsOf: Self.fixture("thinlens.xml")).fixedParameters.map(\.key)
            .filter { $0.hasPrefix("sensor.") }
        #expect(lens == ["sensor.near_clip", "sensor.far_clip", "sensor.shutter_open", "sensor.shutter_open_time",
                         "sensor.film.size", "sensor.film.crop_size", "sensor.film.crop_offset",
                         "sensor.aperture_radius", "sensor.focus_distance", "sensor.x_fov", "sensor.to_world"])
        let orthographic = try Scene(contentsOf: Self.fixture("orthographic.xml")).fixedParameters.map(\.key)
            .filter { $0.hasPrefix("sensor.") }
        #expect(orthographic == ["sensor.near_clip", "sensor.far_clip", "sensor.shutter_open",
                                 "sensor.shutter_open_time", "sensor.film.size", "sensor.film.crop_size",
                                 "sensor.film.crop_offset", "sensor.to_world"])
    }

    @Test("a crop window renders its part of the whole image, and is listed under Mitsuba's keys")
    func cropWindow() throws {
        let scene = try Scene(contentsOf: Self.fixture("crop.xml"))
        let film = scene.sensor.film
        #expect(film.width == 17 && film.height == 11 && film.fullWidth == 40 && film.fullHeight == 30)
        let fixed = Dictionary(uniqueKeysWithValues: scene.fixedParameters.map { ($0.key, $0.values) })
        #expect(fixed["sensor.film.size"] == [40, 30] && fixed["sensor.film.crop_size"] == [17, 11]
                && fixed["sensor.film.crop_offset"] == [9, 13])
        // The crop's rays are the whole film's rays through the same image points.
        let whole = Sensor(toWorld: scene.sensor.toWorld, fieldOfView: scene.sensor.fieldOfView,
                           fieldOfViewAxis: scene.sensor.fieldOfViewAxis, film: Film(width: 40, height: 30))
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let inCrop = scene.sensor.sampleRays(position: Point2Array([SIMD2(0.5, 0.5), SIMD2(16.25, 10.75)]))
            let inWhole = whole.sampleRays(position: Point2Array([SIMD2(9.5, 13.5), SIMD2(25.25, 23.75)]))
            for k in 0..<2 {
                #expect((inCrop.direction.values[k] - inWhole.direction.values[k]).length < 1e-6)
            }
        }
        #expect(scene.sensor.horizontalFieldOfView == whole.horizontalFieldOfView)
    }

    static func meanAbsoluteError(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(max(b.count, 1))
    }
}
