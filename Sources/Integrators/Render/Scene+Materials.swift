// Per-lane dispatch to the BSDF of whichever shape each lane hit.
import Tracer

extension Scene {
    /// The lanes that hit shape `index`.
    func lanes(on index: Int, _ si: SurfaceInteraction, _ active: BoolArray) -> BoolArray {
        active & si.isValid & (si.shapeIndex .== UInt32(index))
    }

    /// True where the hit material has a smooth (non-Dirac) lobe, so next event estimation applies.
    func hasSmoothBSDF(_ si: SurfaceInteraction, active: BoolArray) -> BoolArray {
        var result = BoolArray(repeating: false, count: 1, context: si.t.context)
        for (i, entry) in shapes.enumerated() where entry.bsdf.flags.hasSmooth {
            result = result | lanes(on: i, si, active)
        }
        return result
    }

    /// Samples the hit material of each lane.
    func sampleBSDF(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray) -> BSDFSample {
        var combined: BSDFSample? = nil
        for (i, entry) in shapes.enumerated() {
            let mine = lanes(on: i, si, active)
            let sample = entry.bsdf.sample(si, u1: u1, u2: u2, active: mine)
            guard let previous = combined else {
                combined = sample
                continue
            }
            combined = BSDFSample(
                wo: select(mine, sample.wo, previous.wo), pdf: select(mine, sample.pdf, previous.pdf),
                eta: select(mine, sample.eta, previous.eta), weight: select(mine, sample.weight, previous.weight),
                isDelta: select(mine, sample.isDelta, previous.isDelta))
        }
        return combined!
    }

    /// f(wi, wo) |cos θo| of each lane's hit material (0 where inactive).
    func evalBSDF(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray) -> Vector3Array {
        var result = Vector3Array(Vector3f(0, 0, 0), count: 1)
        for (i, entry) in shapes.enumerated() {
            let mine = lanes(on: i, si, active)
            result = select(mine, entry.bsdf.eval(si, wo: wo, active: mine), result)
        }
        return result
    }

    /// The solid-angle pdf of each lane's hit material (0 where inactive).
    func pdfBSDF(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray) -> FloatArray {
        var result = FloatArray(repeating: 0, context: si.t.context)
        for (i, entry) in shapes.enumerated() {
            let mine = lanes(on: i, si, active)
            result = select(mine, entry.bsdf.pdf(si, wo: wo, active: mine), result)
        }
        return result
    }
}
