// The roughness of roughconductor and roughdielectric: textures read at each hit (Mitsuba's alpha, alpha_u, alpha_v).
import Tracer

/// The roughnesses αu (along the local x axis) and αv (along y) of a rough BSDF as scalar textures, read per lane
/// with `evalScalar` at the hit (Mitsuba's `get_unbounded_texture` and `eval_1`): a float is a `UniformTexture`
/// (one value under "value", read by a broadcast gather: a constant roughness costs what it did as a number), an
/// rgb a `ConstantTexture` read as its mean, and a bitmap, checkerboard or mesh_attribute is looked up at each hit.
/// The distribution clamps values below 1e-4 per lane, as Mitsuba's `MicrofacetDistribution` does. The surface is
/// isotropic when one texture object serves both axes (Mitsuba's `alpha`, or `alpha_u` and `alpha_v` naming the
/// same texture): its parameters are then listed once, under "alpha".
public struct MicrofacetRoughness {
    /// The texture of αu (of α when isotropic).
    public let alphaU: any Texture
    /// The texture of αv; the same object as `alphaU` when isotropic.
    public let alphaV: any Texture
    /// True when one texture serves both axes.
    public let isIsotropic: Bool

    /// An isotropic roughness α.
    public init(alpha: any Texture) {
        alphaU = alpha
        alphaV = alpha
        isIsotropic = true
    }

    /// Roughnesses αu and αv; isotropic when they are the same texture object (the same parameter slots).
    public init(alphaU: any Texture, alphaV: any Texture) {
        self.alphaU = alphaU
        self.alphaV = alphaV
        let u = alphaU.parameters, v = alphaV.parameters
        isIsotropic = !u.isEmpty && u.count == v.count && zip(u, v).allSatisfy { $0.slot === $1.slot }
    }

    /// Constant roughnesses, each a `UniformTexture`: one for α (`v` nil), or one per axis.
    init(constant u: Float, _ v: Float?) {
        if let v {
            self.init(alphaU: UniformTexture(u), alphaV: UniformTexture(v))
        } else {
            self.init(alpha: UniformTexture(u))
        }
    }

    /// Whether a texture reads uv.
    public var readsSurfaceCoordinates: Bool {
        alphaU.readsSurfaceCoordinates || alphaV.readsSurfaceCoordinates
    }

    /// Mitsuba's keys: the texture's under "alpha." when isotropic, else under "alpha_u." and "alpha_v." (e.g.
    /// "alpha.value", "alpha.data", "alpha_u.color0.value").
    public var parameters: [(key: String, slot: ParameterSlot)] {
        if isIsotropic { return alphaU.parameters.map { ("alpha." + $0.key, $0.slot) } }
        return alphaU.parameters.map { ("alpha_u." + $0.key, $0.slot) }
            + alphaV.parameters.map { ("alpha_v." + $0.key, $0.slot) }
    }

    /// The distribution with the roughness at each valid hit of `si` (0, clamped to 1e-4, elsewhere). The
    /// roughness carries derivatives only on the lanes of `tracked` (nil: all): elsewhere intermediate values can
    /// be infinite or NaN, and a zero adjoint times such a partial derivative would make the gradient NaN.
    func distribution(_ type: MicrofacetType, sampleVisible: Bool, at si: SurfaceInteraction, tracked: BoolArray?,
                      bindings: RenderBindings) -> MicrofacetDistribution {
        func read(_ texture: any Texture) -> FloatArray {
            let value = texture.evalScalar(si, active: si.isValid, bindings: bindings)
            guard let tracked, value.requiresGradient else { return value }
            return select(tracked, value, value.detached())
        }
        let u = read(alphaU)
        if isIsotropic { return MicrofacetDistribution(type: type, alpha: u, sampleVisible: sampleVisible) }
        return MicrofacetDistribution(type: type, alphaU: u, alphaV: read(alphaV), sampleVisible: sampleVisible)
    }
}

extension MicrofacetRoughness {
    /// From a rough BSDF's description: `alpha` (default 0.1) or both `alpha_u` and `alpha_v` (the rules of
    /// `MicrofacetProperties`), each a float ≥ 0, an rgb of components ≥ 0, or a nested or referenced texture.
    init(_ description: PluginDescription, properties: MicrofacetProperties, document: SceneDocument) throws {
        guard let names = properties.anisotropicNames else {
            self.init(alpha: try Self.texture(description, "alpha", default: 0.1, document: document))
            return
        }
        self.init(alphaU: try Self.texture(description, names.u, default: nil, document: document),
                  alphaV: try Self.texture(description, names.v, default: nil, document: document))
    }

    /// The texture of roughness property `name`: a nested texture as it is, a float (or `def` when absent) as a
    /// `UniformTexture`, an rgb as a `ConstantTexture`; numbers must be finite and ≥ 0.
    private static func texture(_ description: PluginDescription, _ name: String, default def: Double?,
                                document: SceneDocument) throws -> any Texture {
        if description.child(named: name) != nil {
            return try PluginFactory.colorTexture(description, name, default: 0, document: document)
        }
        if case .rgb(let rgb)? = description.value(name) {
            guard [rgb.x, rgb.y, rgb.z].allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw description.error("'\(name)' must be a roughness ≥ 0, got \(rgb)", property: name)
            }
            return ConstantTexture(rgb)
        }
        return UniformTexture(try MicrofacetProperties.roughness(description, name, default: def))
    }
}
