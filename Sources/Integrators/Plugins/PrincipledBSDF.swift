// Mitsuba's `principled` BSDF (Burley's Disney BSDF): its inputs, lobe switches, keys and flags.
import Tracer

/// Burley's principled BSDF as Mitsuba 3.9.1's `principled`: a diffuse base with retro-reflection, an optional
/// Hanrahan–Krueger flattening (`flatness`) and sheen, a main anisotropic GGX lobe that reflects (Fresnel mixing the
/// dielectric, a tinted Schlick term and a metallic Schlick term) and, with `spec_trans`, refracts, and a GTR1
/// clearcoat. Every input is a texture read per hit (`evalScalar` for the scalar ones), and every value is a
/// differentiable scene parameter under Mitsuba's key. The value and pdf are in `PrincipledBSDF+Eval.swift` and
/// `PrincipledBSDF+Sampling.swift`.
///
/// Lobes that Mitsuba switches off when their input is absent or given as the float 0 (`anisotropic`, `metallic`,
/// `spec_tint`, `spec_trans`, `sheen`, `sheen_tint`, `flatness`, `clearcoat`) are off here while their texture is a
/// uniform, untracked 0; setting another value or tracking a gradient turns them on, as Mitsuba's
/// `parameters_changed` does. (Mitsuba also keeps a lobe on once a value was given, even 0; here it goes off again.)
public struct PrincipledBSDF: BSDF {
    /// Which of the two equivalent inputs sets the relative index: `eta` itself, or `specular` ∈ [0, 1] with
    /// η = 2 / (1 − √(0.08 specular)) − 1.
    public enum IndexInput: String, Sendable {
        case eta
        case specular
    }

    /// The colour (Mitsuba's `base_color`, default 0.5).
    public let baseColor: any Texture
    /// The main lobe's roughness (default 0.5).
    public let roughness: any Texture
    /// The anisotropy of the main lobe (default 0).
    public let anisotropic: any Texture
    /// The metallic weight (default 0).
    public let metallic: any Texture
    /// How much the dielectric reflection takes the base colour's hue (default 0).
    public let specTint: any Texture
    /// The sheen lobe's weight (default 0).
    public let sheen: any Texture
    /// How much the sheen takes the base colour's hue (default 0).
    public let sheenTint: any Texture
    /// The weight of specular transmission against the diffuse base (default 0).
    public let specTrans: any Texture
    /// The blend of the diffuse lobe towards the fake subsurface term (default 0).
    public let flatness: any Texture
    /// The clearcoat lobe's weight (default 0).
    public let clearcoat: any Texture
    /// The clearcoat's glossiness: its GTR1 roughness goes from 0.1 (0) to 0.001 (1) (default 0).
    public let clearcoatGloss: any Texture
    /// Whether `index` holds η or `specular`.
    public let indexInput: IndexInput
    /// η or `specular` (see `indexInput`), shape [1], under the key "eta" or "specular".
    public let index: ParameterSlot
    /// The sampling weight of the main lobe (Mitsuba's `main_specular_sampling_rate`, default 1).
    public let mainSpecularSamplingRate: Float
    /// The sampling weight of the clearcoat (Mitsuba's `clearcoat_sampling_rate`, default 1).
    public let clearcoatSamplingRate: Float
    /// The sampling weight of the diffuse lobe (Mitsuba's `diffuse_reflectance_sampling_rate`, default 1).
    public let diffuseReflectanceSamplingRate: Float
    /// The three rates as `mi.traverse` lists them (not differentiable, as in Mitsuba).
    private let samplingRateListings: [(key: String, slot: ParameterSlot)]

    /// A principled material with Mitsuba's defaults for what is not given. Give at most one of `eta` and
    /// `specular` (neither: specular 0.5). As in Mitsuba, with transmission on, η = 1 becomes 1.001 and specular 0
    /// becomes 0.001 (index-matched transmission is not plausible).
    public init(baseColor: any Texture = UniformTexture(0.5), roughness: any Texture = UniformTexture(0.5),
                anisotropic: any Texture = UniformTexture(0), metallic: any Texture = UniformTexture(0),
                specTint: any Texture = UniformTexture(0), sheen: any Texture = UniformTexture(0),
                sheenTint: any Texture = UniformTexture(0), specTrans: any Texture = UniformTexture(0),
                flatness: any Texture = UniformTexture(0), clearcoat: any Texture = UniformTexture(0),
                clearcoatGloss: any Texture = UniformTexture(0), eta: Float? = nil, specular: Float? = nil,
                mainSpecularSamplingRate: Float = 1, clearcoatSamplingRate: Float = 1,
                diffuseReflectanceSamplingRate: Float = 1) {
        precondition(eta == nil || specular == nil, "PrincipledBSDF: give either eta or specular, not both")
        self.baseColor = baseColor
        self.roughness = roughness
        self.anisotropic = anisotropic
        self.metallic = metallic
        self.specTint = specTint
        self.sheen = sheen
        self.sheenTint = sheenTint
        self.specTrans = specTrans
        self.flatness = flatness
        self.clearcoat = clearcoat
        self.clearcoatGloss = clearcoatGloss
        self.mainSpecularSamplingRate = mainSpecularSamplingRate
        self.clearcoatSamplingRate = clearcoatSamplingRate
        self.diffuseReflectanceSamplingRate = diffuseReflectanceSamplingRate
        samplingRateListings = [("main_specular_sampling_rate", .listing(mainSpecularSamplingRate)),
                                ("clearcoat_sampling_rate", .listing(clearcoatSamplingRate)),
                                ("diffuse_reflectance_sampling_rate", .listing(diffuseReflectanceSamplingRate))]
        let transmits = Self.isOn(specTrans)
        if let eta {
            precondition(eta > 0 && eta.isFinite, "PrincipledBSDF: eta must be positive and finite, got \(eta)")
            indexInput = .eta
            index = ParameterSlot(value: FloatArray([transmits && eta == 1 ? 1.001 : eta]), shape: [1])
        } else {
            let value = specular ?? 0.5
            precondition(value >= 0 && value < 12.5, "PrincipledBSDF: specular must lie in [0, 12.5), got \(value)")
            indexInput = .specular
            index = ParameterSlot(value: FloatArray([transmits && value == 0 ? 1e-3 : value]), shape: [1])
        }
    }

    /// Whether a lobe's input switches it on: anything but a uniform 0 that carries no gradient, as `bindings`
    /// give it during a render (else as the user set it).
    static func isOn(_ texture: any Texture, _ bindings: RenderBindings? = nil) -> Bool {
        guard let uniform = texture as? UniformTexture else { return true }
        let value = bindings?.value(of: uniform.value) ?? uniform.value.value
        guard !value.requiresGradient, value.isEvaluated, value.count == 1 else { return true }
        return value.values[0] != 0
    }

    /// The relative index η (interior over exterior) per lane, from `eta` or `specular`, with Mitsuba's guards
    /// against index matching when transmission is on.
    func relativeIndex(active: BoolArray, transmits: Bool, bindings: RenderBindings) -> FloatArray {
        let value = bindings.value(of: index).gather(UInt32Array(repeating: 0), mask: active)
        switch indexInput {
        case .eta:
            return transmits ? select(value .== 1, .constant(1.001), value) : value
        case .specular:
            let specular = transmits ? select(value .== 0, .constant(1e-3), value) : value
            return 2 * rcp(1 - sqrt(0.08 * specular)) - 1
        }
    }

    /// The lobes as Mitsuba lists them: diffuse, clearcoat (when on), transmission (when on), main reflection.
    public var flags: BSDFFlags {
        var result: BSDFFlags = [.diffuseReflection, .frontSide, .glossyReflection, .backSide]
        if Self.isOn(specTrans) { result.formUnion(.glossyTransmission) }
        return result
    }

    /// Whether any input reads uv.
    public var readsSurfaceCoordinates: Bool { inputs.contains { $0.texture.readsSurfaceCoordinates } }

    /// The textures under their names, in Mitsuba's traversal order.
    var inputs: [(name: String, texture: any Texture)] {
        [("clearcoat", clearcoat), ("clearcoat_gloss", clearcoatGloss), ("metallic", metallic),
         ("roughness", roughness), ("base_color", baseColor), ("anisotropic", anisotropic), ("spec_tint", specTint),
         ("sheen", sheen), ("sheen_tint", sheenTint), ("spec_trans", specTrans), ("flatness", flatness)]
    }

    /// Mitsuba's keys in its order: "clearcoat.…", "clearcoat_gloss.…", "metallic.…", the three sampling rates
    /// (listed, not differentiable), "eta" or "specular", "roughness.…", "base_color.…", "anisotropic.…",
    /// "spec_tint.…", "sheen.…", "sheen_tint.…", "spec_trans.…", "flatness.…".
    public var parameters: [(key: String, slot: ParameterSlot)] {
        let prefixed = inputs.map { input in input.texture.parameters.map { (input.name + "." + $0.key, $0.slot) } }
        return prefixed[0] + prefixed[1] + prefixed[2] + samplingRateListings + [(indexInput.rawValue, index)]
            + prefixed[3...].flatMap { $0 }
    }

    /// The base colour (Mitsuba's `eval_diffuse_reflectance`).
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        baseColor.eval(si, active: active, bindings: bindings)
    }
}

/// The inputs of one evaluation, read at the hits of `active`, and which optional lobes are on.
struct PrincipledInputs {
    var roughness: FloatArray
    /// nil when the lobe's anisotropy is off (the roughness is then isotropic).
    var anisotropic: FloatArray?
    var metallic: FloatArray
    var specTrans: FloatArray
    var clearcoat: FloatArray
    var eta: FloatArray
    var hasMetallic: Bool
    var hasSpecTrans: Bool
    var hasClearcoat: Bool

    init(_ bsdf: PrincipledBSDF, _ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) {
        func scalar(_ texture: any Texture, _ on: Bool) -> FloatArray {
            on ? texture.evalScalar(si, active: active, bindings: bindings) : .constant(0)
        }
        roughness = bsdf.roughness.evalScalar(si, active: active, bindings: bindings)
        anisotropic = PrincipledBSDF.isOn(bsdf.anisotropic, bindings) ? bsdf.anisotropic.evalScalar(si, active: active, bindings: bindings) : nil
        hasMetallic = PrincipledBSDF.isOn(bsdf.metallic, bindings)
        hasSpecTrans = PrincipledBSDF.isOn(bsdf.specTrans, bindings)
        hasClearcoat = PrincipledBSDF.isOn(bsdf.clearcoat, bindings)
        metallic = scalar(bsdf.metallic, hasMetallic)
        specTrans = scalar(bsdf.specTrans, hasSpecTrans)
        clearcoat = scalar(bsdf.clearcoat, hasClearcoat)
        eta = bsdf.relativeIndex(active: active, transmits: hasSpecTrans, bindings: bindings)
    }

    /// The main GGX lobe (visible normals).
    var distribution: MicrofacetDistribution {
        let (ax, ay) = PrincipledMath.roughnesses(roughness: roughness, anisotropic: anisotropic)
        return MicrofacetDistribution(type: .ggx, alphaU: ax, alphaV: ay)
    }

    /// The weight of the opaque (diffuse) part, (1 − metallic)(1 − spec_trans).
    var brdf: FloatArray { (1 - metallic) * (1 - specTrans) }
    /// The weight of the transmissive part, (1 − metallic) spec_trans.
    var bsdf: FloatArray { (1 - metallic) * specTrans }
}
