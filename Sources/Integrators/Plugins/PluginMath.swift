// Small traced helpers shared by the plugins: sign transfer, vector fma, constant vectors.
import Tracer

// The sign operations below work on the bits, which carry no derivative. For a gradient-tracked value they
// multiply by ±1 instead: the same result (a sign flip is exact), with the derivative ±1 that Dr.Jit gives them.

/// |magnitude| with the sign bit of `sign` (Dr.Jit's `copysign`; −0 counts as negative).
func copysign(_ magnitude: FloatArray, _ sign: FloatArray) -> FloatArray {
    let magnitudeBits = UInt32Array(bitPattern: magnitude) & 0x7fff_ffff
    let signBit = UInt32Array(bitPattern: sign) & 0x8000_0000
    guard magnitude.requiresGradient else { return FloatArray(bitPattern: magnitudeBits | signBit) }
    let flip = (UInt32Array(bitPattern: magnitude) & 0x8000_0000) ^ signBit
    return magnitude * signFactor(flippingWhere: flip)
}

/// `value` with its sign flipped where `sign` has a clear sign bit (Dr.Jit's `mulsign_neg`: value·(−sign(sign))).
func mulsignNeg(_ value: FloatArray, _ sign: FloatArray) -> FloatArray {
    let signBit = UInt32Array(bitPattern: sign) & 0x8000_0000
    let flip = signBit ^ 0x8000_0000
    guard value.requiresGradient else { return FloatArray(bitPattern: UInt32Array(bitPattern: value) ^ flip) }
    return value * signFactor(flippingWhere: flip)
}

/// −1 where `flip` (0 or the sign bit) is set, else 1.
private func signFactor(flippingWhere flip: UInt32Array) -> FloatArray {
    select(flip .!= 0, FloatArray.constant(-1), FloatArray.constant(1))
}

/// a·s + c per component, with one rounding (Dr.Jit's `fmadd(d, t, o)` for rays).
func fma(_ a: Vector3Array, _ s: FloatArray, _ c: Vector3Array) -> Vector3Array {
    Vector3Array(x: fma(a.x, s, c.x), y: fma(a.y, s, c.y), z: fma(a.z, s, c.z))
}

extension FloatArray {
    /// A size-1 literal, for operands of `fma`, `select`, `min` and `max`.
    static func constant(_ value: Float) -> FloatArray { FloatArray(repeating: value) }
}

extension Vector3Array {
    /// A size-1 literal vector that broadcasts against any lane count.
    static func constant(_ value: Vector3f) -> Vector3Array { Vector3Array(repeating: value, count: 1) }
}

/// `value` with its sign flipped where `sign` has its sign bit set (Dr.Jit's `mulsign`: value·sign(sign), −0
/// counting as negative).
func mulsign(_ value: FloatArray, _ sign: FloatArray) -> FloatArray {
    let signBit = UInt32Array(bitPattern: sign) & 0x8000_0000
    guard value.requiresGradient else { return FloatArray(bitPattern: UInt32Array(bitPattern: value) ^ signBit) }
    return value * signFactor(flippingWhere: signBit)
}

/// Each component of `v` with its sign flipped where `sign` has its sign bit set.
func mulsign(_ v: Vector3Array, _ sign: FloatArray) -> Vector3Array {
    Vector3Array(x: mulsign(v.x, sign), y: mulsign(v.y, sign), z: mulsign(v.z, sign))
}
