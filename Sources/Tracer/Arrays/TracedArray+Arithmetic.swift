// Arithmetic on traced arrays: + - * /, negation, fma, min, max, abs.

extension TracedArray where Element: TracedNumeric {
    public static func + (a: Self, b: Self) -> Self { make(.add, [a.node, b.node], tapes: tapes(a, b)) }
    public static func - (a: Self, b: Self) -> Self { make(.sub, [a.node, b.node], tapes: tapes(a, b)) }
    public static func * (a: Self, b: Self) -> Self { make(.mul, [a.node, b.node], tapes: tapes(a, b)) }
    /// Division; integer division by zero yields 0.
    ///
    /// As in Dr.Jit, a float array divided by a literal is multiplied by the literal's reciprocal, rounded once when
    /// recorded: kernels multiply instead of dividing (a division has several times a multiplication's latency).
    public static func / (a: Self, b: Self) -> Self {
        if Element.scalarType == .float32, b.node.isLiteral, !a.node.isLiteral {
            let reciprocal = 1 / Float(bitPattern: b.node.immediate)
            return a * Self(node: b.context.literal(reciprocal.bitPattern, type: .float32, size: b.count))
        }
        return make(.div, [a.node, b.node], tapes: tapes(a, b))
    }
    public static prefix func - (a: Self) -> Self { make(.neg, [a.node], tapes: tapes(a)) }

    public static func + (a: Self, b: Element) -> Self { a + a.literal(b) }
    public static func + (a: Element, b: Self) -> Self { b.literal(a) + b }
    public static func - (a: Self, b: Element) -> Self { a - a.literal(b) }
    public static func - (a: Element, b: Self) -> Self { b.literal(a) - b }
    public static func * (a: Self, b: Element) -> Self { a * a.literal(b) }
    public static func * (a: Element, b: Self) -> Self { b.literal(a) * b }
    public static func / (a: Self, b: Element) -> Self { a / a.literal(b) }
    public static func / (a: Element, b: Self) -> Self { b.literal(a) / b }

    public static func += (a: inout Self, b: Self) { a = a + b }
    public static func -= (a: inout Self, b: Self) { a = a - b }
    public static func *= (a: inout Self, b: Self) { a = a * b }
    public static func /= (a: inout Self, b: Self) { a = a / b }
}

/// a * b + c, with a single rounding for floats.
public func fma<E: TracedNumeric>(_ a: TracedArray<E>, _ b: TracedArray<E>, _ c: TracedArray<E>) -> TracedArray<E> {
    .make(.fma, [a.node, b.node, c.node], tapes: tapes(a, b, c))
}

/// The lane-wise minimum (for floats, a NaN operand yields the other operand).
public func min<E: TracedNumeric>(_ a: TracedArray<E>, _ b: TracedArray<E>) -> TracedArray<E> {
    .make(.min, [a.node, b.node], tapes: tapes(a, b))
}

/// The lane-wise maximum (for floats, a NaN operand yields the other operand).
public func max<E: TracedNumeric>(_ a: TracedArray<E>, _ b: TracedArray<E>) -> TracedArray<E> {
    .make(.max, [a.node, b.node], tapes: tapes(a, b))
}

/// The absolute value.
public func abs<E: TracedNumeric>(_ a: TracedArray<E>) -> TracedArray<E> {
    .make(.abs, [a.node], tapes: tapes(a))
}

/// Each lane limited to `lower ... upper` (Dr.Jit's `dr.clip`); the derivative is 0 outside the interval.
public func clip<E: TracedNumeric>(_ a: TracedArray<E>, _ lower: E, _ upper: E) -> TracedArray<E> {
    min(max(a, a.literal(lower)), a.literal(upper))
}
