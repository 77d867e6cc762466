// The derivative of every differentiable op, in one table: reverse mode (adjoints) and forward mode (tangents).
//
// Rules are written with ordinary traced operations, so adjoint code is fused and compiled like any other code.
// They run with gradient recording suspended. `float(i)` is primal operand i, `r` the primal result, `g` the
// adjoint of the result, `tangent(i)` the tangent of operand i (zero where none reaches it).

/// What a reverse rule gives one operand.
enum AdjointContribution {
    /// An array to add to the operand's adjoint: of the operand's size, or (for a broadcast operand) of size 1 or
    /// of the result's size, which the traversal reduces.
    case value(FloatArray)
    /// Values to scatter-add into the operand's adjoint (the adjoint of a gather). The traversal accumulates all
    /// such contributions to one operand into one zero-initialised buffer, so they run together in one kernel.
    case scatterAdd(FloatArray, index: UInt32Array, mask: BoolArray)
}

enum DerivativeTable {
    /// Ops through which gradients flow. Symbolic loops (`.loop`, `.loopOutput`) are not: `whileLoop` refuses
    /// gradient-tracked state in symbolic mode, and an evaluated loop records its iterations as ordinary ops.
    /// Symbolic dispatch (`.dispatch`, `.dispatchOutput`) and native calls (`.nativeCall`, `.nativeCallOutput`)
    /// are not either: `dispatch` and `nativeCall` refuse gradient-tracked arguments with a message.
    static func isDifferentiable(_ op: Op) -> Bool {
        switch op {
        case .add, .sub, .mul, .div, .neg, .fma, .min, .max, .abs, .sqrt, .rsqrt, .rcp, .exp, .log, .sin, .cos,
             .tan, .atan2, .pow, .select, .gather, .scatter, .scatterAdd, .reduceSum, .reduceMin, .reduceMax,
             .blockSum, .blockMin, .blockMax, .blockTreeSum, .cast, .matrixProduct:
            return true
        default:
            return false
        }
    }

    /// The adjoint contribution to each operand (nil where none), given the adjoint `g` of the result, which has
    /// the result's size.
    static func reverse(_ entry: TapeEntry, adjoint g: FloatArray) -> [AdjointContribution?] {
        let operands = entry.operands
        func float(_ i: Int) -> FloatArray { FloatArray(node: operands[i]) }
        func mask(_ i: Int) -> BoolArray { BoolArray(node: operands[i]) }
        func values(_ adjoints: FloatArray?...) -> [AdjointContribution?] { adjoints.map { $0.map { .value($0) } } }
        if entry.op == .matrixProduct { return reverseMatrixProduct(entry, adjoint: g) }
        let r = FloatArray(node: entry.result)
        switch entry.op! {
        case .add: return values(g, g)
        case .sub: return values(g, -g)
        case .mul: return values(g * float(1), g * float(0))
        case .div: return values(g / float(1), -g * r / float(1))
        case .neg: return values(-g)
        case .cast: return values(g)
        case .fma: return values(g * float(1), g * float(0), g)
        case .min, .max:
            let takesFirst = entry.op == .min ? float(0) .<= float(1) : float(0) .>= float(1)
            return values(select(takesFirst, g, zero(g)), select(takesFirst, zero(g), g))
        case .abs: return values(select(float(0) .>= 0, g, -g))
        case .sqrt: return values(g / (2 * r))
        case .rsqrt: return values(-0.5 * g * r * r * r)
        case .rcp: return values(-g * r * r)
        case .exp: return values(g * r)
        case .log: return values(g / float(0))
        case .sin: return values(g * cos(float(0)))
        case .cos: return values(-g * sin(float(0)))
        case .tan: return values(g * (1 + r * r))
        case .atan2:
            let y = float(0), x = float(1)
            let scale = g / (x * x + y * y)
            return values(scale * x, -scale * y)
        case .pow:
            let x = float(0), y = float(1)
            return values(g * y * pow(x, y - 1), g * r * log(x))
        case .select: return values(nil, select(mask(0), g, zero(g)), select(mask(0), zero(g), g))
        case .gather:
            // The source's adjoint is a scatter-add of `g` into a zero gradient of the source's size.
            return [.scatterAdd(g, index: index(operands[1]), mask: mask(2)), nil, nil]
        case .scatter:
            // Operands: index, value, mask, target. The written entries of the target are overwritten, so the
            // previous contents get the adjoint everywhere else.
            var targetAdjoint = g
            targetAdjoint.scatter(zero(g), at: index(operands[0]), mask: mask(2))
            return values(nil, g.gather(index(operands[0]), mask: mask(2)), nil, targetAdjoint)
        case .scatterAdd:
            return values(nil, g.gather(index(operands[0]), mask: mask(2)), nil, g)
        case .reduceSum: return values(g)
        case .reduceMin, .reduceMax: return values(select(float(0) .== r, g, zero(g)))
        case .blockSum, .blockMin, .blockMax, .blockTreeSum:
            let block = UInt32Array.arange(operands[0].size, context: g.context) / UInt32(entry.auxiliary)
            let spread = g.gather(block)
            if entry.op == .blockSum || entry.op == .blockTreeSum { return values(spread) }
            return values(select(float(0) .== r.gather(block), spread, zero(g)))
        default:
            preconditionFailure("Autodiff: no reverse derivative for \(entry.op!)")
        }
    }

    /// The tangent of the result given the operands' tangents (nil when all are zero).
    static func forward(_ entry: TapeEntry, tangents t: [FloatArray?]) -> FloatArray? {
        guard t.contains(where: { $0 != nil }) else { return nil }
        if entry.op == .matrixProduct { return forwardMatrixProduct(entry, tangents: t) }
        let operands = entry.operands
        func float(_ i: Int) -> FloatArray { FloatArray(node: operands[i]) }
        func tangent(_ i: Int) -> FloatArray { t[i] ?? FloatArray.zeros(1, context: entry.result.context) }
        // Terms of operands without a tangent are left out rather than multiplied by zero: their partial
        // derivative may be infinite or NaN (log(x) for pow with a constant exponent and a negative base).
        func sum(_ terms: FloatArray?...) -> FloatArray? {
            var total: FloatArray?
            for case let term? in terms { total = total.map { $0 + term } ?? term }
            return total
        }
        let r = FloatArray(node: entry.result)
        switch entry.op! {
        case .add: return sum(t[0], t[1])
        case .sub: return sum(t[0], t[1].map { -$0 })
        case .mul: return sum(t[0].map { $0 * float(1) }, t[1].map { float(0) * $0 })
        case .div: return sum(t[0], t[1].map { -r * $0 }).map { $0 / float(1) }
        case .neg: return -tangent(0)
        case .cast: return tangent(0)
        case .fma: return sum(t[0].map { $0 * float(1) }, t[1].map { float(0) * $0 }, t[2])
        case .min, .max:
            let takesFirst = entry.op == .min ? float(0) .<= float(1) : float(0) .>= float(1)
            return select(takesFirst, tangent(0), tangent(1))
        case .abs: return select(float(0) .>= 0, tangent(0), -tangent(0))
        case .sqrt: return tangent(0) / (2 * r)
        case .rsqrt: return -0.5 * r * r * r * tangent(0)
        case .rcp: return -r * r * tangent(0)
        case .exp: return r * tangent(0)
        case .log: return tangent(0) / float(0)
        case .sin: return cos(float(0)) * tangent(0)
        case .cos: return -sin(float(0)) * tangent(0)
        case .tan: return (1 + r * r) * tangent(0)
        case .atan2:
            let y = float(0), x = float(1)
            return sum(t[0].map { x * $0 }, t[1].map { -y * $0 }).map { $0 / (x * x + y * y) }
        case .pow:
            let x = float(0), y = float(1)
            return sum(t[0].map { y * pow(x, y - 1) * $0 }, t[1].map { r * log(x) * $0 })
        case .select: return select(BoolArray(node: operands[0]), tangent(1), tangent(2))
        case .gather:
            guard let source = t[0] else { return nil }
            let full = source + FloatArray.zeros(operands[0].size, context: source.context)
            return full.gather(index(operands[1]), mask: BoolArray(node: operands[2]))
        case .scatter, .scatterAdd:
            // Operands: index, value, mask, target; the target's tangent is that of its contents before the write.
            let zeros = FloatArray.zeros(r.count, context: r.context)
            var result = t[3].map { $0 + zeros } ?? zeros
            let value = tangent(1)
            if entry.op == .scatter {
                result.scatter(value, at: index(operands[0]), mask: BoolArray(node: operands[2]))
            } else {
                result.scatterAdd(value, at: index(operands[0]), mask: BoolArray(node: operands[2]))
            }
            return result
        case .reduceSum: return tangent(0).count == 1 ? tangent(0) * Float(operands[0].size) : tangent(0).sum()
        case .reduceMin, .reduceMax:
            let hits = select(float(0) .== r, FloatArray(repeating: 1, context: r.context), zero(r))
            return (select(float(0) .== r, tangent(0), zero(r)) * hits).sum() / hits.sum()
        case .blockSum, .blockMin, .blockMax, .blockTreeSum:
            let length = Int(entry.auxiliary)
            let full = tangent(0) + FloatArray.zeros(operands[0].size, context: r.context)
            if entry.op == .blockSum { return full.blockSum(length) }
            if entry.op == .blockTreeSum { return full.blockTreeSum(length) }
            let lanes = UInt32Array.arange(operands[0].size, context: r.context)
            var picked = select(float(0) .== r.gather(lanes / UInt32(length)), full, zero(r))
            picked = picked.blockSum(length)
            let hits = select(float(0) .== r.gather(lanes / UInt32(length)),
                              FloatArray(repeating: 1, context: r.context), zero(r)).blockSum(length)
            return picked / hits
        default:
            preconditionFailure("Autodiff: no forward derivative for \(entry.op!)")
        }
    }

    private static func zero(_ like: FloatArray) -> FloatArray { FloatArray(repeating: 0, context: like.context) }

    /// An index operand (Int32 or UInt32) as a UInt32 array (the bits are the same; negative Int32 indices become
    /// huge UInt32 ones and stay out of range).
    private static func index(_ node: Node) -> UInt32Array {
        node.type == .uint32 ? UInt32Array(node: node) : UInt32Array(bitPattern: Int32Array(node: node))
    }
}
