// Floating-point functions on traced arrays: roots, rounding, exponentials and trigonometry.

/// The square root.
public func sqrt(_ x: FloatArray) -> FloatArray { .make(.sqrt, [x.node], tapes: tapes(x)) }
/// 1 / sqrt(x).
public func rsqrt(_ x: FloatArray) -> FloatArray { .make(.rsqrt, [x.node], tapes: tapes(x)) }
/// 1 / x.
public func rcp(_ x: FloatArray) -> FloatArray { .make(.rcp, [x.node], tapes: tapes(x)) }
/// Rounds toward -infinity.
public func floor(_ x: FloatArray) -> FloatArray { .make(.floor, [x.node], tapes: tapes(x)) }
/// Rounds toward +infinity.
public func ceil(_ x: FloatArray) -> FloatArray { .make(.ceil, [x.node], tapes: tapes(x)) }
/// Rounds to the nearest integer, ties to even.
public func round(_ x: FloatArray) -> FloatArray { .make(.round, [x.node], tapes: tapes(x)) }
/// Rounds toward zero.
public func trunc(_ x: FloatArray) -> FloatArray { .make(.trunc, [x.node], tapes: tapes(x)) }
/// e^x.
public func exp(_ x: FloatArray) -> FloatArray { .make(.exp, [x.node], tapes: tapes(x)) }
/// The natural logarithm.
public func log(_ x: FloatArray) -> FloatArray { .make(.log, [x.node], tapes: tapes(x)) }
/// The sine (radians).
public func sin(_ x: FloatArray) -> FloatArray { .make(.sin, [x.node], tapes: tapes(x)) }
/// The cosine (radians).
public func cos(_ x: FloatArray) -> FloatArray { .make(.cos, [x.node], tapes: tapes(x)) }
/// The tangent (radians).
public func tan(_ x: FloatArray) -> FloatArray { .make(.tan, [x.node], tapes: tapes(x)) }
/// The angle of the point (x, y), in (-pi, pi].
public func atan2(_ y: FloatArray, _ x: FloatArray) -> FloatArray {
    .make(.atan2, [y.node, x.node], tapes: tapes(y, x))
}
/// x raised to the power y.
public func pow(_ x: FloatArray, _ y: FloatArray) -> FloatArray { .make(.pow, [x.node, y.node], tapes: tapes(x, y)) }
