// Mitsuba's `aov` integrator: per-pixel geometry and material outputs (depth, position, normals, uv, albedo, ids).
import Tracer

/// One output of the `aov` integrator: its name (the prefix of its channel names) and what it holds.
public struct AOV: Sendable, Equatable {
    /// What an output holds, under Mitsuba's type names.
    public enum Kind: String, Sendable, CaseIterable {
        case albedo, depth, position, uv
        case geometricNormal = "geo_normal", shadingNormal = "sh_normal"
        case dpdu = "dp_du", dpdv = "dp_dv"
        case primitiveIndex = "prim_index", shapeIndex = "shape_index"

        /// The channel suffixes, as Mitsuba names them.
        public var channels: [String] {
            switch self {
            case .albedo: ["R", "G", "B"]
            case .depth: ["T"]
            case .position, .geometricNormal, .shadingNormal, .dpdu, .dpdv: ["X", "Y", "Z"]
            case .uv: ["U", "V"]
            case .primitiveIndex, .shapeIndex: ["I"]
            }
        }
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Mitsuba's `aovs` string, "name:type,name:type,...", e.g. "dd.y:depth,nn:sh_normal".
    public static func parse(_ list: String) -> [AOV]? {
        var result: [AOV] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard parts.count == 2, !parts[0].isEmpty, let kind = Kind(rawValue: parts[1]) else { return nil }
            result.append(AOV(name: parts[0], kind: kind))
        }
        return result.isEmpty ? nil : result
    }
}

/// The images of a render's outputs: one channel per name, interleaved per pixel, rows from the top.
public struct AOVImage: Sendable {
    public var width: Int
    public var height: Int
    /// The channel names as Mitsuba's `render` orders them: each nested integrator's "name.R", "name.G", "name.B",
    /// then the outputs ("dd.y.T", "nn.X", ...).
    public var channels: [String]
    /// height x width x channels.count values.
    public var values: [Float]
    /// Per nested integrator (in order), its name and its alpha per pixel: the film's filtered share of samples
    /// whose camera ray found something (a surface, or an environment the integrator shows), Mitsuba's "name.A".
    public var nestedAlpha: [(name: String, values: [Float])] = []
}

extension Scene {
    /// Renders the `aov` integrator's outputs (`integrator.aovs`) as Mitsuba's `aov` does: the camera rays' first
    /// hits, each output filtered by the film like radiance; 0 where a ray hit nothing. The shape index is the
    /// shape's position in `shapes` plus one (Mitsuba's scalar numbering; its vectorised variants number shapes by
    /// creation, which varies between runs), the primitive index the triangle's index in its mesh. Each nested
    /// integrator (`integrator.nested`) renders the scene with the same seed, and its image comes first.
    public func renderAOVs(samplesPerPixel spp: Int, seed: UInt32) -> AOVImage {
        let spp = sensor.samplePattern.sampleCount(forRequested: spp)
        var nestedNames: [String] = [], nestedValues: [[Float]] = []
        for nested in integrator.nested {
            var inner = self
            inner.integrator = nested.settings
            nestedNames += ["R", "G", "B"].map { "\(nested.name).\($0)" }
            nestedValues.append(inner.render(samplesPerPixel: spp, seed: seed).values)
        }
        var outputs = renderOwnAOVs(samplesPerPixel: spp, seed: seed)
        guard !nestedValues.isEmpty else { return outputs }
        // Mitsuba's tensor: the nested images' channels, then the outputs'.
        let pixels = outputs.width * outputs.height, own = outputs.channels.count - nestedValues.count
        let count = nestedNames.count + own
        var values = [Float](repeating: 0, count: pixels * count)
        for pixel in 0..<pixels {
            for (index, image) in nestedValues.enumerated() {
                for channel in 0..<3 { values[pixel * count + index * 3 + channel] = image[pixel * 3 + channel] }
            }
            for channel in 0..<own {
                values[pixel * count + nestedNames.count + channel]
                    = outputs.values[pixel * outputs.channels.count + nestedValues.count + channel]
            }
        }
        outputs.nestedAlpha = integrator.nested.indices.map { index in
            (integrator.nested[index].name, (0..<pixels).map { outputs.values[$0 * outputs.channels.count + index] })
        }
        outputs.channels = nestedNames + outputs.channels.dropFirst(nestedValues.count)
        outputs.values = values
        return outputs
    }

    /// The `aov` integrator's own outputs, after one alpha channel per nested integrator.
    private func renderOwnAOVs(samplesPerPixel spp: Int, seed: UInt32) -> AOVImage {
        let film = sensor.film
        var sampler = RenderSeeds([seed]).sampler(lanesPerImage: film.pixelCount * spp,
                                                  pattern: sensor.samplePattern, samplesPerPixel: spp)
        let camera = CameraSamples(scene: self, samplesPerPixel: spp, sampler: &sampler)
        let context = camera.rays.maxT.context
        let all = BoolArray(repeating: true, count: camera.laneCount, context: context)
        let si = intersect(camera.rays, active: all, allSurfaceCoordinates: true)
        let hit = si.isValid
        let bindings = RenderBindings(snapshotOf: parameters.allSlots)
        let zero = FloatArray(repeating: 0, context: context)
        func masked(_ x: FloatArray) -> FloatArray { select(hit, x, zero) }
        func components(_ v: Vector3Array) -> [FloatArray] { [masked(v.x), masked(v.y), masked(v.z)] }
        var channels: [FloatArray] = []
        var names: [String] = []
        for nested in integrator.nested {
            channels.append(cameraSampleAlpha(rays: camera.rays, settings: nested.settings, firstHits: si))
            names.append("\(nested.name).A")
        }
        for output in integrator.aovs {
            names += output.kind.channels.map { "\(output.name).\($0)" }
            switch output.kind {
            case .albedo: channels += components(diffuseReflectance(si, active: hit, bindings: bindings))
            case .depth: channels.append(masked(si.t))
            case .position: channels += components(si.p)
            case .uv: channels += [masked(si.uv.x), masked(si.uv.y)]
            case .geometricNormal: channels += components(si.n)
            case .shadingNormal: channels += components(si.frame.n)
            case .dpdu: channels += components(si.dpdu)
            case .dpdv: channels += components(si.dpdv)
            case .primitiveIndex: channels.append(masked(FloatArray(si.primitiveIndex)))
            case .shapeIndex: channels.append(masked(FloatArray(si.shapeIndex + UInt32(1))))
            }
        }
        let values = film.developChannels(channels, positions: camera.positions, samplesPerPixel: spp)
        return AOVImage(width: film.width, height: film.height, channels: names, values: values)
    }

    /// The albedo of each lane's hit material (0 where inactive).
    func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        var result = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        for (material, entry) in materials.enumerated() {
            let mine = lanes(onMaterial: material, si, active)
            result = select(mine, entry.bsdf.diffuseReflectance(si, active: mine, bindings: bindings), result)
        }
        return result
    }
}
