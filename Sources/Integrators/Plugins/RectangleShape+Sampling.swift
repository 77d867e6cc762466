// Area-light sampling on the rectangle: uniform over its area.
import Tracer

extension RectangleShape: AreaSampling {
    /// The surface area |toWorld (2, 0, 0) × toWorld (0, 2, 0)| (Mitsuba's |frame.s × frame.t|).
    public var surfaceArea: Float {
        toWorld.applyVector(Vector3f(2, 0, 0)).cross(toWorld.applyVector(Vector3f(0, 2, 0))).length
    }

    /// Mitsuba's `sample_position`: p = toWorld(2 u − 1, 2 v − 1, 0), the rectangle's normal, uv = the sample,
    /// pdf = 1/area.
    public func samplePosition(_ sample: Point2Array, active: BoolArray) -> PositionSample {
        let two = FloatArray.constant(2), minusOne = FloatArray.constant(-1)
        let local = Vector3Array(x: fma(sample.x, two, minusOne), y: fma(sample.y, two, minusOne), z: .constant(0))
        let lanes = Swift.max(sample.count, active.count)
        return PositionSample(p: toWorld.applyPoint(local), n: Vector3Array(repeating: normal, count: lanes),
                              uv: sample, pdf: uniformDensity(1 / surfaceArea, lanes: sample.count, active: active))
    }

    /// 1/area wherever active.
    public func pdfPosition(_ position: PositionSample, active: BoolArray) -> FloatArray {
        uniformDensity(1 / surfaceArea, lanes: position.p.count, active: active)
    }
}
