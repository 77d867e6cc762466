// The meaning of every elementwise op on one lane, as plain Swift: the scalar backend and literal folding use it,
// and the LLVM backend's code generation must match it.
//
// Values are 32-bit patterns. Floats are IEEE binary32; exp, log, sin, cos, tan, atan2 and pow are the step
// sequences of `Transcendentals`, which the LLVM backend emits as vector code, so both backends agree exactly.

/// Lane-wise semantics of the elementwise ops.
package enum ScalarSemantics {
    /// Evaluates an elementwise op. `type` is the result type, `operandType` the type of operand 0 (which differs
    /// from `type` for comparisons, `cast` and `bitcast`; for `select`, operand 0 is the mask and the values have
    /// `type`).
    @inline(__always)
    package static func apply(_ op: Op, type: ScalarType, operandType: ScalarType,
                             _ a: UInt32, _ b: UInt32 = 0, _ c: UInt32 = 0) -> UInt32 {
        switch op {
        case .select: return a != 0 ? b : c
        case .cast: return cast(a, from: operandType, to: type)
        case .bitcast: return a
        default: break
        }
        if op.isComparison { return compare(op, operandType, a, b) ? 1 : 0 }
        switch type {
        case .float32: return float(op, Float(bitPattern: a), Float(bitPattern: b), Float(bitPattern: c)).bitPattern
        case .int32: return UInt32(bitPattern: int(op, Int32(bitPattern: a), Int32(bitPattern: b), Int32(bitPattern: c)))
        case .uint32: return uint(op, a, b, c)
        case .bool: return logical(op, a != 0, b != 0) ? 1 : 0
        }
    }

    @inline(__always)
    static func float(_ op: Op, _ a: Float, _ b: Float, _ c: Float) -> Float {
        switch op {
        case .neg: return -a
        case .abs: return Swift.abs(a)
        case .sqrt: return a.squareRoot()
        case .rsqrt: return 1 / a.squareRoot()
        case .rcp: return 1 / a
        case .floor: return a.rounded(.down)
        case .ceil: return a.rounded(.up)
        case .round: return a.rounded(.toNearestOrEven)
        case .trunc: return a.rounded(.towardZero)
        case .exp: return Transcendentals.exp(FloatSteps(), a)
        case .log: return Transcendentals.log(FloatSteps(), a)
        case .sin: return Transcendentals.sin(FloatSteps(), a)
        case .cos: return Transcendentals.cos(FloatSteps(), a)
        case .tan: return Transcendentals.tan(FloatSteps(), a)
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .min: return minNum(a, b)
        case .max: return maxNum(a, b)
        case .atan2: return Transcendentals.atan2(FloatSteps(), a, b)
        case .pow: return Transcendentals.pow(FloatSteps(), a, b)
        case .fma: return c.addingProduct(a, b)
        default: preconditionFailure("ScalarSemantics: \(op) is not defined on f32")
        }
    }

    /// IEEE minNum: a NaN operand yields the other operand; min(+0, -0) is the second operand (a < b is false).
    @inline(__always)
    static func minNum(_ a: Float, _ b: Float) -> Float {
        if a.isNaN { return b }
        if b.isNaN { return a }
        return a < b ? a : b
    }

    /// IEEE maxNum: a NaN operand yields the other operand; max(+0, -0) is the second operand.
    @inline(__always)
    static func maxNum(_ a: Float, _ b: Float) -> Float {
        if a.isNaN { return b }
        if b.isNaN { return a }
        return a > b ? a : b
    }

    @inline(__always)
    static func int(_ op: Op, _ a: Int32, _ b: Int32, _ c: Int32) -> Int32 {
        switch op {
        case .neg: return 0 &- a
        case .abs: return a < 0 ? 0 &- a : a
        case .not: return ~a
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        // Division by zero yields 0; Int32.min / -1 wraps to Int32.min (no trap, as in the LLVM backend).
        case .div: return b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .mulhi: return Int32(truncatingIfNeeded: (Int64(a) * Int64(b)) >> 32)
        case .shl: return a &<< (b & 31)
        case .shr: return a &>> (b & 31)
        case .and: return a & b
        case .or: return a | b
        case .xor: return a ^ b
        case .fma: return a &* b &+ c
        default: preconditionFailure("ScalarSemantics: \(op) is not defined on i32")
        }
    }

    @inline(__always)
    static func uint(_ op: Op, _ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt32 {
        switch op {
        case .neg: return 0 &- a
        case .abs: return a
        case .not: return ~a
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        case .div: return b == 0 ? 0 : a / b
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .mulhi: return UInt32(truncatingIfNeeded: (UInt64(a) * UInt64(b)) >> 32)
        case .shl: return a &<< (b & 31)
        case .shr: return a &>> (b & 31)
        case .and: return a & b
        case .or: return a | b
        case .xor: return a ^ b
        case .fma: return a &* b &+ c
        default: preconditionFailure("ScalarSemantics: \(op) is not defined on u32")
        }
    }

    @inline(__always)
    static func logical(_ op: Op, _ a: Bool, _ b: Bool) -> Bool {
        switch op {
        case .not: return !a
        case .and: return a && b
        case .or: return a || b
        case .xor: return a != b
        case .eq: return a == b
        case .ne: return a != b
        default: preconditionFailure("ScalarSemantics: \(op) is not defined on bool")
        }
    }

    /// Comparisons on floats are ordered (false with a NaN) except `ne`, which is true with a NaN.
    @inline(__always)
    static func compare(_ op: Op, _ type: ScalarType, _ a: UInt32, _ b: UInt32) -> Bool {
        switch type {
        case .float32:
            let x = Float(bitPattern: a), y = Float(bitPattern: b)
            switch op {
            case .eq: return x == y
            case .ne: return x != y
            case .lt: return x < y
            case .le: return x <= y
            case .gt: return x > y
            default: return x >= y
            }
        case .int32:
            let x = Int32(bitPattern: a), y = Int32(bitPattern: b)
            switch op {
            case .eq: return x == y
            case .ne: return x != y
            case .lt: return x < y
            case .le: return x <= y
            case .gt: return x > y
            default: return x >= y
            }
        case .uint32, .bool:
            switch op {
            case .eq: return a == b
            case .ne: return a != b
            case .lt: return a < b
            case .le: return a <= b
            case .gt: return a > b
            default: return a >= b
            }
        }
    }

    /// Value conversion. Float to integer rounds toward zero and saturates (NaN gives 0), like llvm.fpto[su]i.sat;
    /// integer to float rounds to nearest even; anything to bool is `!= 0`; bool to anything is 0 or 1;
    /// int32 <-> uint32 keeps the bits.
    @inline(__always)
    static func cast(_ a: UInt32, from source: ScalarType, to target: ScalarType) -> UInt32 {
        switch (source, target) {
        case (_, .bool):
            return source == .float32 ? (Float(bitPattern: a) != 0 ? 1 : 0) : (a != 0 ? 1 : 0)
        case (.bool, .float32):
            return (a != 0 ? Float(1) : Float(0)).bitPattern
        case (.bool, _):
            return a != 0 ? 1 : 0
        case (.float32, .int32):
            let x = Float(bitPattern: a)
            if x.isNaN { return 0 }
            if x <= -2_147_483_648 { return UInt32(bitPattern: Int32.min) }
            if x >= 2_147_483_648 { return UInt32(bitPattern: Int32.max) }
            return UInt32(bitPattern: Int32(x))
        case (.float32, .uint32):
            let x = Float(bitPattern: a)
            if x.isNaN || x <= 0 { return 0 }
            if x >= 4_294_967_296 { return UInt32.max }
            return UInt32(x)
        case (.int32, .float32):
            return Float(Int32(bitPattern: a)).bitPattern
        case (.uint32, .float32):
            return Float(a).bitPattern
        default:
            return a
        }
    }

    /// The neutral element of a reduction, as bits of `type`.
    package static func identity(of kind: ReductionKind, type: ScalarType) -> UInt32 {
        switch (kind, type) {
        case (.sum, _): return 0
        case (.min, .float32): return Float.infinity.bitPattern
        case (.max, .float32): return (-Float.infinity).bitPattern
        case (.min, .int32): return UInt32(bitPattern: Int32.max)
        case (.max, .int32): return UInt32(bitPattern: Int32.min)
        case (.min, .bool): return 1
        case (.min, _): return UInt32.max
        case (.max, _): return 0
        }
    }

    /// Combines two values of a reduction.
    @inline(__always)
    package static func combine(_ kind: ReductionKind, type: ScalarType, _ a: UInt32, _ b: UInt32) -> UInt32 {
        let op: Op = kind == .sum ? (type == .bool ? .or : .add) : (kind == .min ? .min : .max)
        if type == .bool {
            return kind == .min ? (a & b) : (a | b)
        }
        return apply(op, type: type, operandType: type, a, b)
    }
}
