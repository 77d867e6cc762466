// The derivative of every differentiable op, in one table: reverse mode (adjoints) and forward mode (tangents).
//
// Rules are written with ordinary traced operations, so adjoint code is fused and compiled like any other code.
// They run with gradient recording suspended. `a`, `b`, `c` are the primal operands, `r` the primal result,
// `g` the adjoint of the result, `ta`, `tb`, `tc` the operands' tangents (nil = zero).

enum DerivativeTable {
    /// Ops through which gradients flow.
    static func isDifferentiable(_ op: Op) -> Bool {
        switch op {
        case .add, .sub, .mul, .div, .neg, .fma, .min, .max, .abs, .sqrt, .rsqrt, .rcp, .exp, .log, .sin, .cos,
             .tan, .atan2, .pow, .select, .gather, .scatter, .scatterAdd, .reduceSum, .reduceMin, .reduceMax,
             .blockSum, .blockMin, .blockMax, .cast:
            return true
        default:
            return false
        }
    }

    /// The adjoint contribution to each operand, given the adjoint `g` of the result.
    static func reverse(_ entry: TapeEntry, adjoint g: FloatArray) -> [FloatArray?] {
        let operands = entry.operands
        func float(_ i: Int) -> FloatArray { FloatArray(node: operands[i]) }
        let r = FloatArray(node: entry.result)
        switch entry.op! {
        case .add: return [g, g]
        case .sub: return [g, -g]
        case .mul: return [g * float(1), g * float(0)]
        case .div: return [g / float(1), -g * r / float(1)]
        case .neg: return [-g]
        case .cast: return [g]
        case .fma: return [g * float(1), g * float(0), g]
        case .min, .max:
            let takesFirst = entry.op == .min ? float(0) .<= float(1) : float(0) .>= float(1)
            return [select(takesFirst, g, zero(g)), select(takesFirst, zero(g), g)]
        case .abs: return [select(float(0) .>= 0, g, -g)]
        case .sqrt: return [g / (2 * r)]
        case .rsqrt: return [-0.5 * g * r * r * r]
        case .rcp: return [-g * r * r]
        case .exp: return [g * r]
        case .log: return [g / float(0)]
        case .sin: return [g * cos(float(0))]
        case .cos: return [-g * sin(float(0))]
        case .tan: return [g * (1 + r * r)]
        case .atan2:
            let y = float(0), x = float(1)
            let scale = g / (x * x + y * y)
            return [scale * x, -scale * y]
        case .pow:
            let x = float(0), y = float(1)
            return [g * y * pow(x, y - 1), g * r * log(x)]
        case .select: return [nil, select(BoolArray(node: operands[0]), g, zero(g)), select(BoolArray(node: operands[0]), zero(g), g)]
        case .gather:
            var gradient = FloatArray.zeros(operands[0].size, context: g.context)
            gradient.scatterAdd(g, at: index(operands[1]), mask: BoolArray(node: operands[2]))
            return [gradient, nil, nil]
        case .scatter:
            // Result = target with value written at index: the target's adjoint loses the overwritten entries.
            // Operands: index, value, mask, target.
            var targetAdjoint = g
            targetAdjoint.scatter(zero(g), at: index(operands[0]), mask: BoolArray(node: operands[2]))
            return [nil, g.gather(index(operands[0]), mask: BoolArray(node: operands[2])), nil, targetAdjoint]
        case .scatterAdd:
            return [nil, g.gather(index(operands[0]), mask: BoolArray(node: operands[2])), nil, g]
        case .reduceSum: return [g]
        case .reduceMin, .reduceMax: return [select(float(0) .== r, g, zero(g))]
        case .blockSum, .blockMin, .blockMax:
            let length = Int(entry.auxiliary)
            let lanes = UInt32Array.arange(operands[0].size, context: g.context)
            let spread = g.gather(lanes / UInt32(length))
            if entry.op == .blockSum { return [spread] }
            return [select(float(0) .== r.gather(lanes / UInt32(length)), spread, zero(g))]
        default:
            preconditionFailure("Autodiff: no reverse derivative for \(entry.op!)")
        }
    }

    /// The tangent of the result given the operands' tangents (nil when all are zero).
    static func forward(_ entry: TapeEntry, tangents t: [FloatArray?]) -> FloatArray? {
        guard t.contains(where: { $0 != nil }) else { return nil }
        let operands = entry.operands
        func float(_ i: Int) -> FloatArray { FloatArray(node: operands[i]) }
        func tangent(_ i: Int) -> FloatArray { t[i] ?? FloatArray.zeros(1, context: entry.result.context) }
        let r = FloatArray(node: entry.result)
        switch entry.op! {
        case .add: return tangent(0) + tangent(1)
        case .sub: return tangent(0) - tangent(1)
        case .mul: return tangent(0) * float(1) + float(0) * tangent(1)
        case .div: return (tangent(0) - r * tangent(1)) / float(1)
        case .neg: return -tangent(0)
        case .cast: return tangent(0)
        case .fma: return tangent(0) * float(1) + float(0) * tangent(1) + tangent(2)
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
            return (x * tangent(0) - y * tangent(1)) / (x * x + y * y)
        case .pow:
            let x = float(0), y = float(1)
            return y * pow(x, y - 1) * tangent(0) + r * log(x) * tangent(1)
        case .select: return select(BoolArray(node: operands[0]), tangent(1), tangent(2))
        case .gather:
            guard let source = t[0] else { return nil }
            let full = source.count == operands[0].size ? source : source + FloatArray.zeros(operands[0].size, context: source.context)
            return full.gather(index(operands[1]), mask: BoolArray(node: operands[2]))
        case .scatter, .scatterAdd:
            // Operands: index, value, mask; extra[0] is the target before the write.
            var result = (t[3] ?? FloatArray.zeros(1, context: r.context)) + FloatArray.zeros(r.count, context: r.context)
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
        case .blockSum, .blockMin, .blockMax:
            let length = Int(entry.auxiliary)
            let full = tangent(0) + FloatArray.zeros(operands[0].size, context: r.context)
            if entry.op == .blockSum { return full.blockSum(length) }
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
