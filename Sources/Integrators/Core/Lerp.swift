// Dr.Jit's linear interpolation, with its rounding, shared by the plugins and warps that must match Mitsuba's bits.
import Tracer

/// Dr.Jit's `lerp(a, b, t)`: b·t + (a − a·t), both fused, so that values interpolated here round as Mitsuba's.
func lerp(_ a: FloatArray, _ b: FloatArray, _ t: FloatArray) -> FloatArray { fma(b, t, fma(-a, t, a)) }
