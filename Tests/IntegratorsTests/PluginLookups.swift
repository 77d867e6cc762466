// Plugin lookups outside a render, for tests: each slot's user-set value (`RenderBindings()`).
//
// The library has no such overloads on purpose: a plugin that forgot to pass its render's bindings to a nested
// lookup would still compile and read the wrong values (the PRB backward's leaves, a batch's values).
import Tracer

@testable import Integrators

extension BSDF {
    func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray) -> BSDFSample {
        sample(si, u1: u1, u2: u2, active: active, bindings: RenderBindings())
    }

    func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray) -> Vector3Array {
        eval(si, wo: wo, active: active, bindings: RenderBindings())
    }

    func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray) -> FloatArray {
        pdf(si, wo: wo, active: active, bindings: RenderBindings())
    }

    func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray) -> Vector3Array {
        diffuseReflectance(si, active: active, bindings: RenderBindings())
    }
}

extension Texture {
    func eval(_ uv: Point2Array, active: BoolArray) -> Vector3Array {
        eval(uv, active: active, bindings: RenderBindings())
    }

    func evalScalar(_ uv: Point2Array, active: BoolArray) -> FloatArray {
        evalScalar(uv, active: active, bindings: RenderBindings())
    }

    func eval(_ si: SurfaceInteraction, active: BoolArray) -> Vector3Array {
        eval(si, active: active, bindings: RenderBindings())
    }

    func evalScalar(_ si: SurfaceInteraction, active: BoolArray) -> FloatArray {
        evalScalar(si, active: active, bindings: RenderBindings())
    }

    func evalGradient(_ si: SurfaceInteraction, active: BoolArray) -> Point2Array? {
        evalGradient(si, active: active, bindings: RenderBindings())
    }

    func samplePosition(_ sample: Point2Array, active: BoolArray) -> (uv: Point2Array, pdf: FloatArray) {
        samplePosition(sample, active: active, bindings: RenderBindings())
    }

    func pdfPosition(_ uv: Point2Array, active: BoolArray) -> FloatArray {
        pdfPosition(uv, active: active, bindings: RenderBindings())
    }
}

extension Emitter {
    func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                         active: BoolArray) -> (sample: EmitterSample, weight: Vector3Array) {
        sampleDirection(from: reference, sample: sample, bounds: bounds, active: active, bindings: RenderBindings())
    }

    func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray) -> FloatArray {
        pdfDirection(from: reference, sample, active: active, bindings: RenderBindings())
    }

    func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray) -> Vector3Array {
        evalDirection(from: reference, sample, active: active, bindings: RenderBindings())
    }

    func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray) -> Vector3Array {
        eval(si, direction: direction, active: active, bindings: RenderBindings())
    }
}
