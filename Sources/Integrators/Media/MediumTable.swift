// Per-lane lookups of a scene's media and of the medium boundaries of its shapes, for `volpath`.
import Tracer

/// A medium's coefficients and flags on each lane (meaningful where the lane is in a medium).
struct MediumCoefficients {
    /// The extinction σt, which in a homogeneous medium is also the majorant that free flights sample.
    var sigmaT: Vector3Array
    /// The albedo α (σs = α σt).
    var albedo: Vector3Array
    /// The phase function: HG asymmetry g (0 for isotropic) and whether it is `isotropic`.
    var g: FloatArray
    var isotropic: BoolArray
    var sampleEmitters: BoolArray
    var hasSpectralExtinction: BoolArray
}

/// The scene's media as small arrays gathered by medium index (`UInt32.max`: vacuum), and per shape its interior
/// and exterior media and whether its BSDF has a null lobe.
struct MediumTable {
    static let vacuum = UInt32.max

    private let sigmaT: Vector3Array, albedo: Vector3Array, g: FloatArray
    private let flags: UInt32Array
    private let interior: UInt32Array, exterior: UInt32Array, shapeFlags: UInt32Array

    private static let isotropicFlag: UInt32 = 1, sampleEmittersFlag: UInt32 = 2, spectralFlag: UInt32 = 4
    private static let transitionFlag: UInt32 = 1, nullFlag: UInt32 = 2

    init(scene: Scene) {
        // A scene without media still gets one entry, so that masked gathers have an array to read.
        let media = scene.media.isEmpty ? [HomogeneousMedium(sigmaT: .zero, albedo: .zero)] : scene.media
        sigmaT = Vector3Array(media.map(\.sigmaT))
        albedo = Vector3Array(media.map(\.albedo))
        g = FloatArray(media.map(\.phase.asymmetry))
        flags = UInt32Array(media.map { medium in
            (medium.phase == .isotropic ? MediumTable.isotropicFlag : 0)
                | (medium.sampleEmitters ? MediumTable.sampleEmittersFlag : 0)
                | (medium.hasSpectralExtinction ? MediumTable.spectralFlag : 0)
        })
        let shapes = scene.shapes.isEmpty ? [nil] : scene.shapes.map { Optional($0) }
        interior = UInt32Array(shapes.map { $0?.interiorMedium.map(UInt32.init) ?? MediumTable.vacuum })
        exterior = UInt32Array(shapes.map { $0?.exteriorMedium.map(UInt32.init) ?? MediumTable.vacuum })
        shapeFlags = UInt32Array(shapes.map { shape in
            guard let shape else { return 0 }
            let transition = shape.interiorMedium != nil || shape.exteriorMedium != nil
            return (transition ? MediumTable.transitionFlag : 0) | (shape.bsdf.flags.contains(.null) ? MediumTable.nullFlag : 0)
        })
    }

    /// The coefficients of each lane's `medium`, read where `active` (and the lane is not in vacuum).
    func coefficients(_ medium: UInt32Array, active: BoolArray) -> MediumCoefficients {
        let mask = active & (medium .!= MediumTable.vacuum)
        let bits = flags.gather(medium, mask: mask)
        func has(_ flag: UInt32) -> BoolArray { (bits & flag) .!= 0 }
        return MediumCoefficients(sigmaT: sigmaT.gather(medium, mask: mask), albedo: albedo.gather(medium, mask: mask),
                                  g: g.gather(medium, mask: mask), isotropic: has(MediumTable.isotropicFlag),
                                  sampleEmitters: has(MediumTable.sampleEmittersFlag),
                                  hasSpectralExtinction: has(MediumTable.spectralFlag))
    }

    /// True where the hit shape bounds a medium (Mitsuba's `is_medium_transition`: it has an interior or an
    /// exterior medium).
    func isTransition(_ si: SurfaceInteraction, active: BoolArray) -> BoolArray {
        active & ((shapeFlags.gather(si.shapeIndex, mask: active) & MediumTable.transitionFlag) .!= 0)
    }

    /// True where the sample `bs` of the hit shape's BSDF took a null lobe: the BSDF has one (`null`,
    /// `thindielectric`, `mask`, `blendbsdf` of those) and the sample continues the ray unchanged, wo = −wi, which
    /// is what every null lobe does (and a lobe of a BSDF with a null one does only by taking it).
    func sampledNull(_ si: SurfaceInteraction, _ bs: BSDFSample, active: BoolArray) -> BoolArray {
        let hasNullLobe = (shapeFlags.gather(si.shapeIndex, mask: active) & MediumTable.nullFlag) .!= 0
        return active & hasNullLobe & (bs.wo.x .== -si.wi.x) & (bs.wo.y .== -si.wi.y) & (bs.wo.z .== -si.wi.z)
    }

    /// The medium a ray leaving the hit in `direction` enters: the exterior where it points along the geometric
    /// normal, else the interior (Mitsuba's `target_medium`).
    func targetMedium(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray) -> UInt32Array {
        let outside = direction.dot(si.n) .> 0
        return select(outside, exterior.gather(si.shapeIndex, mask: active),
                      interior.gather(si.shapeIndex, mask: active))
    }

    /// Component `channel` (0, 1 or 2) of each lane's `v` (Mitsuba's `index_spectrum`).
    static func component(_ v: Vector3Array, _ channel: UInt32Array) -> FloatArray {
        select(channel .== 1, v.y, select(channel .== 2, v.z, v.x))
    }
}
