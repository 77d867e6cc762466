// Folding rules applied while recording: literal arithmetic is computed at once, identities disappear.

extension TraceContext {
    /// Returns an existing or literal node that equals `op(operands)`, or nil when nothing folds.
    func fold(_ op: Op, type: ScalarType, operands: [Node], size: Int) -> Node? {
        // Memory, reductions, loops, dispatches and native calls never fold (they are not recorded by `record`), and
        // neither do matrix products: a zero factor does not make a zero product for IEEE floats (0 · NaN, 0 · inf).
        guard op.isElementwise, !operands.isEmpty else { return nil }
        // All operands literal: compute the value now, with the scalar backend's semantics.
        if operands.allSatisfy(\.isLiteral) {
            let operandType = op == .select ? type : operands[0].type
            let bits = ScalarSemantics.apply(
                op, type: type, operandType: operandType,
                operands[0].immediate,
                operands.count > 1 ? operands[1].immediate : 0,
                operands.count > 2 ? operands[2].immediate : 0)
            return literal(bits, type: type, size: size)
        }
        /// `node` stands in for the result only if it already has the result's size.
        func same(_ node: Node) -> Node? { node.size == size ? node : nil }
        func isLiteral(_ node: Node, _ value: Double) -> Bool {
            guard node.isLiteral else { return false }
            switch node.type {
            case .float32: return Float(bitPattern: node.immediate) == Float(value)
            case .int32: return Double(Int32(bitPattern: node.immediate)) == value
            case .uint32, .bool: return Double(node.immediate) == value
            }
        }
        let a = operands[0]
        let b = operands.count > 1 ? operands[1] : a
        switch op {
        case .add:
            if isLiteral(b, 0) { return same(a) }
            if isLiteral(a, 0) { return same(b) }
        case .sub:
            if isLiteral(b, 0) { return same(a) }
        case .mul:
            if isLiteral(b, 1) { return same(a) }
            if isLiteral(a, 1) { return same(b) }
            if type.isInteger && (isLiteral(a, 0) || isLiteral(b, 0)) { return literal(0, type: type, size: size) }
        case .div:
            if isLiteral(b, 1) { return same(a) }
        case .and:
            if type == .bool {
                if isLiteral(b, 1) { return same(a) }
                if isLiteral(a, 1) { return same(b) }
                if isLiteral(a, 0) || isLiteral(b, 0) { return literal(0, type: .bool, size: size) }
            } else if isLiteral(a, 0) || isLiteral(b, 0) {
                return literal(0, type: type, size: size)
            }
        case .or:
            if isLiteral(b, 0) { return same(a) }
            if isLiteral(a, 0) { return same(b) }
            if type == .bool && (isLiteral(a, 1) || isLiteral(b, 1)) { return literal(1, type: .bool, size: size) }
        case .xor, .shl, .shr:
            if isLiteral(b, 0) { return same(a) }
        case .select:
            if a.isLiteral { return same(a.immediate != 0 ? operands[1] : operands[2]) }
            if operands[1] === operands[2] { return same(operands[1]) }
        case .cast, .bitcast:
            if a.type == type { return same(a) }
        default:
            break
        }
        return nil
    }
}
