// Mitsuba's `roughplastic` BSDF: a diffuse base under a rough dielectric coating (Beckmann or GGX microfacets).
import Tracer

/// A diffuse base under a rough dielectric interface (Mitsuba 3.9.1's `roughplastic`). The value times cos θo is
/// a glossy lobe F(wi·h) D(h) G(wi, wo, h) / (4 cos θi) (times the optional specular factor) about h = wi + wo,
/// plus the base's light that entered and left through the rough interface,
/// ρ / (1 − R_int ρ′) · T(θi) T(θo) / η² · cos θo / π, where ρ′ is ρ (`nonlinear`) or 1, T the interface's
/// transmittance and R_int its internal reflectance (`RoughInterfaceTables`, linearly interpolated in cos θ).
/// Sampling picks the glossy lobe with probability (1 − T(θi)) s / ((1 − T(θi)) s + T(θi)(1 − s)),
/// s = s̄ / (ρ̄ + s̄), else a cosine-weighted direction; the pdf mixes both. Front side only, isotropic only.
public struct RoughPlasticBSDF: BSDF {
    /// Beckmann or GGX.
    public let distribution: MicrofacetType
    /// The roughness α, shape [1] (Mitsuba's key is "alpha").
    public let alpha: ParameterSlot
    /// Whether the glossy lobe samples visible normals (Mitsuba's `sample_visible`, default true).
    public let sampleVisible: Bool
    /// The relative index η = int_ior / ext_ior, shape [1] (Mitsuba's key "eta"); the tables follow its value.
    public let eta: ParameterSlot
    /// The base's albedo ρ (Mitsuba's `diffuse_reflectance`, default 0.5).
    public let diffuseReflectance: any Texture
    /// A factor on the glossy lobe (Mitsuba's `specular_reflectance`; nil: 1, and no parameter).
    public let specularReflectance: (any Texture)?
    /// Whether internal scattering darkens and saturates the base's colour (Mitsuba's `nonlinear`).
    public let nonlinear: Bool
    /// s = s̄ / (ρ̄ + s̄) from the textures' means when the BSDF is made.
    public let specularSamplingWeight: Float
    /// The interface's transmittance table and internal reflectance for the current roughness (no derivative, as
    /// in Mitsuba).
    let tableCache: RoughInterfaceTableCache

    /// A rough plastic (Mitsuba's defaults: Beckmann, α = 0.1, polypropylene 1.49 inside air 1.000277, ρ = 0.5).
    public init(distribution: MicrofacetType = .beckmann, alpha: Float = 0.1, sampleVisible: Bool = true,
                diffuseReflectance: any Texture = UniformTexture(0.5), specularReflectance: (any Texture)? = nil,
                interiorIOR: Float = 1.49, exteriorIOR: Float = 1.000277, nonlinear: Bool = false) {
        precondition(alpha >= 0 && alpha.isFinite, "RoughPlasticBSDF: alpha must be finite and ≥ 0, got \(alpha)")
        precondition(interiorIOR > 0 && exteriorIOR > 0 && interiorIOR != exteriorIOR,
                     "RoughPlasticBSDF: the indices must be positive and differ, got \(interiorIOR), \(exteriorIOR)")
        self.distribution = distribution
        self.alpha = ParameterSlot(value: FloatArray([alpha]), shape: [1])
        self.sampleVisible = sampleVisible
        eta = ParameterSlot(value: FloatArray([interiorIOR / exteriorIOR]), shape: [1])
        self.diffuseReflectance = diffuseReflectance
        self.specularReflectance = specularReflectance
        self.nonlinear = nonlinear
        let specularMean = specularReflectance?.mean ?? 1
        specularSamplingWeight = specularMean / (diffuseReflectance.mean + specularMean)
        tableCache = RoughInterfaceTableCache(type: distribution, alpha: alpha, eta: interiorIOR / exteriorIOR)
    }

    /// Glossy and diffuse reflection on the front side.
    public var flags: BSDFFlags { [.glossyReflection, .diffuseReflection, .frontSide] }

    /// The weight is the value of both lobes over their mixed pdf.
    public var sampleWeightIsValueOverPDF: Bool { true }
    /// Whether either texture reads uv.
    public var readsSurfaceCoordinates: Bool {
        diffuseReflectance.readsSurfaceCoordinates || (specularReflectance?.readsSurfaceCoordinates ?? false)
    }

    /// The microfacet distribution with the current roughness, which carries derivatives only on `tracked` lanes
    /// (elsewhere degenerate directions can make partial derivatives infinite, and 0 · ∞ a NaN gradient).
    func microfacets(_ si: SurfaceInteraction, tracked: BoolArray, bindings: RenderBindings) -> MicrofacetDistribution {
        MicrofacetDistribution(type: distribution, alpha: read(alpha, si, tracked: tracked, bindings),
                               sampleVisible: sampleVisible)
    }

    /// The single value `bindings` give `slot` on every valid surface lane, with derivatives only on `tracked`
    /// lanes.
    private func read(_ slot: ParameterSlot, _ si: SurfaceInteraction, tracked: BoolArray,
                      _ bindings: RenderBindings) -> FloatArray {
        let value = bindings.value(of: slot).gather(UInt32Array(repeating: 0), mask: si.isValid)
        return value.requiresGradient ? select(tracked, value, value.detached()) : value
    }

    /// The tables for the roughness and index `bindings` give `alpha` and `eta`: Mitsuba recomputes them when either
    /// changes, and so are they here when a value is set to another (evaluated) number; unevaluated values keep
    /// the last tables.
    func tables(_ bindings: RenderBindings) -> RoughInterfaceTables {
        let alphaValue = bindings.value(of: alpha), etaValue = bindings.value(of: eta)
        guard alphaValue.count == 1, alphaValue.isEvaluated, etaValue.count == 1, etaValue.isEvaluated else {
            return tableCache.latest
        }
        return tableCache.tables(alpha: alphaValue.detached().values[0], eta: etaValue.detached().values[0])
    }

    /// The transmittance T(cos θ), interpolated linearly in the 64-entry table (Mitsuba's `lerp_gather`).
    func transmittance(_ cosTheta: FloatArray, active: BoolArray, tables: RoughInterfaceTables) -> FloatArray {
        let last = Float(RoughInterfaceTables.resolution - 1)
        let table = FloatArray(tables.externalTransmittance)
        let x = cosTheta * last
        let truncated = UInt32Array(x)
        let index: UInt32Array = min(truncated, UInt32Array(repeating: UInt32(RoughInterfaceTables.resolution - 2)))
        let v0 = table.gather(index, mask: active), v1 = table.gather(index + UInt32(1), mask: active)
        let t = x - FloatArray(index)
        return fma(v1, t, fma(-v0, t, v0))
    }

    /// The probability of sampling the glossy lobe at transmittance `ti` = T(θi).
    private func specularProbability(_ ti: FloatArray) -> FloatArray {
        let specular = (1 - ti) * specularSamplingWeight
        let diffuse = ti * (1 - specularSamplingWeight)
        return specular / (specular + diffuse)
    }

    /// u1 < P(glossy) reflects wi about a normal drawn from u2, else u2 gives a cosine-weighted direction; the pdf
    /// is `pdf` at that direction (both lobes) and the weight eval / pdf. Invalid where cos θi ≤ 0 or the pdf is 0.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let lanes = Swift.max(si.wi.count, u1.count, u2.count, active.count)
        var valid = active & (si.wi.z .> 0)
        let ti = transmittance(si.wi.z, active: valid, tables: tables(bindings))
        let glossy = valid & (u1 .< specularProbability(ti))
        let m = microfacets(si, tracked: glossy, bindings: bindings).sample(wi: si.wi, u: u2).m
        let wo = select(glossy, reflect(si.wi, about: m), squareToCosineHemisphere(u2))
        let pdf = pdf(si, wo: wo, active: valid, bindings: bindings)
        valid = valid & (pdf .> 0)
        let weight = eval(si, wo: wo, active: valid, bindings: bindings) / pdf
        return .reflection(wo: wo, pdf: pdf, weight: weight, valid: valid, lanes: lanes)
    }

    /// The glossy and diffuse parts times cos θo where cos θi > 0 and cos θo > 0, else 0.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let wi = si.wi
        let cosThetaI = wi.z, cosThetaO = wo.z
        let valid = active & (cosThetaI .> 0) & (cosThetaO .> 0)
        let microfacets = microfacets(si, tracked: valid, bindings: bindings)
        let h = (wo + wi).normalized()
        let interfaceEta = read(eta, si, tracked: valid, bindings)
        let fresnel = DielectricBSDF.fresnel(cosThetaI: wi.dot(h), eta: interfaceEta).reflectance
        let glossy = fresnel * microfacets.eval(h) * microfacets.G(wi: wi, wo: wo, m: h) / (4 * cosThetaI)
        var value = Vector3Array(x: glossy, y: glossy, z: glossy)
        if let specularReflectance { value = value * specularReflectance.eval(si, active: valid, bindings: bindings) }

        let current = tables(bindings)
        let ti = transmittance(cosThetaI, active: valid, tables: current)
        let to = transmittance(cosThetaO, active: valid, tables: current)
        let albedo = diffuseReflectance.eval(si, active: valid, bindings: bindings)
        let reflectance = current.internalReflectance
        let one = Vector3Array.constant(Vector3f(1, 1, 1))
        let base = nonlinear ? albedo / (one - albedo * reflectance) : albedo / (1 - reflectance)
        let factor = (1 / Float.pi) * (1 / (interfaceEta * interfaceEta)) * cosThetaO * ti * to
        value = value + base * factor
        return select(valid, value, .constant(.zero))
    }

    /// P(glossy) times the glossy lobe's density (visible normals: D G1(wi) / (4 cos θi); else the normal's pdf
    /// over 4 wo·h) plus (1 − P(glossy)) cos θo / π, where cos θi > 0 and cos θo > 0.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let wi = si.wi
        let cosThetaI = wi.z
        let valid = active & (cosThetaI .> 0) & (wo.z .> 0)
        let probability = specularProbability(transmittance(cosThetaI, active: valid, tables: tables(bindings)))
        let h = (wo + wi).normalized()
        let microfacets = microfacets(si, tracked: valid, bindings: bindings)
        let glossy = sampleVisible
            ? microfacets.eval(h) * microfacets.smithG1(wi, h) / (4 * cosThetaI)
            : microfacets.pdf(wi: wi, m: h) / (4 * wo.dot(h))
        let result = probability * glossy + (1 - probability) * cosineHemispherePdf(wo)
        return select(valid, result, .constant(0))
    }

    /// Mitsuba's keys in its order: "diffuse_reflectance.…", "alpha", "eta", then "specular_reflectance.…" when
    /// given.
    public var parameters: [(key: String, slot: ParameterSlot)] {
        diffuseReflectance.parameters.map { ("diffuse_reflectance." + $0.key, $0.slot) } + [("alpha", alpha), ("eta", eta)]
            + (specularReflectance?.parameters.map { ("specular_reflectance." + $0.key, $0.slot) } ?? [])
    }

    /// The base's albedo ρ.
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        diffuseReflectance.eval(si, active: active, bindings: bindings)
    }
}
