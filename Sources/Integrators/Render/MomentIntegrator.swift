// Mitsuba's `moment` integrator: each nested integrator's image in XYZ with the second moment of its samples.
import Tracer

extension Scene {
    /// Renders the `moment` integrator as Mitsuba does: the channels "R", "G", "B" (the first nested integrator's
    /// image), then for each nested integrator "name.X", "name.Y", "name.Z" (its samples in CIE XYZ), then
    /// "m2_name.X" … (their squares), every channel filtered by the film like radiance, so that m2 − X² estimates
    /// the variance of a sample. Each nested integrator draws the streams of a render of its own with `seed`
    /// (Mitsuba's share one sampler in turn, which only matters with several).
    public func renderMoments(samplesPerPixel spp: Int, seed: UInt32) -> AOVImage {
        precondition(integrator.kind == .moment && !integrator.nested.isEmpty,
                     "renderMoments: the scene's integrator is \(integrator.kind.rawValue), not a moment integrator")
        let spp = sensor.samplePattern.sampleCount(forRequested: spp)
        return TraceContext.current.withGradientsSuspended {
            let film = sensor.film
            let bindings = RenderBindings(snapshotOf: parameters.allSlots)
            var positions: Point2Array?
            var colour: [FloatArray] = [], tristimulus: [FloatArray] = [], names: [String] = []
            for nested in integrator.nested {
                var inner = self
                inner.integrator = nested.settings
                var sampler = RenderSeeds([seed]).sampler(lanesPerImage: film.pixelCount * spp,
                                                          pattern: sensor.samplePattern, samplesPerPixel: spp)
                let camera = CameraSamples(scene: inner, samplesPerPixel: spp, sampler: &sampler)
                let radiance = PathTracer.radiance(scene: inner, rays: camera.rays, laneCount: camera.laneCount,
                                                   sampler: sampler, bindings: bindings)
                if positions == nil {
                    positions = camera.positions
                    colour = radiance.components
                }
                tristimulus += Self.linearSRGBToXYZ(radiance)
                names += ["X", "Y", "Z"].map { "\(nested.name).\($0)" }
            }
            let channels = colour + tristimulus + tristimulus.map { $0 * $0 }
            names = ["R", "G", "B"] + names + names.map { "m2_\($0)" }
            let values = film.developChannels(channels, positions: positions!, samplesPerPixel: spp)
            return AOVImage(width: film.width, height: film.height, channels: names, values: values)
        }
    }

    /// Linear sRGB (Rec. 709) to CIE XYZ, with Mitsuba's matrix (`srgb_to_xyz`).
    static func linearSRGBToXYZ(_ c: Vector3Array) -> [FloatArray] {
        let rows: [(Float, Float, Float)] = [(0.412453, 0.357580, 0.180423),
                                             (0.212671, 0.715160, 0.072169),
                                             (0.019334, 0.119193, 0.950227)]
        return rows.map { c.x * $0.0 + c.y * $0.1 + c.z * $0.2 }
    }
}
