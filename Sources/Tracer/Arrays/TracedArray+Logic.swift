// Comparisons, select, logical and bitwise operations, shifts and the high half of a product.

infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence
infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence

extension TracedArray {
    /// Lane-wise equality.
    public static func .== (a: Self, b: Self) -> BoolArray { .make(.eq, [a.node, b.node]) }
    /// Lane-wise inequality (true where either float is NaN).
    public static func .!= (a: Self, b: Self) -> BoolArray { .make(.ne, [a.node, b.node]) }
    public static func .== (a: Self, b: Element) -> BoolArray { a .== a.literal(b) }
    public static func .!= (a: Self, b: Element) -> BoolArray { a .!= a.literal(b) }
}

extension TracedArray where Element: TracedNumeric {
    public static func .< (a: Self, b: Self) -> BoolArray { .make(.lt, [a.node, b.node]) }
    public static func .<= (a: Self, b: Self) -> BoolArray { .make(.le, [a.node, b.node]) }
    public static func .> (a: Self, b: Self) -> BoolArray { .make(.gt, [a.node, b.node]) }
    public static func .>= (a: Self, b: Self) -> BoolArray { .make(.ge, [a.node, b.node]) }
    public static func .< (a: Self, b: Element) -> BoolArray { a .< a.literal(b) }
    public static func .<= (a: Self, b: Element) -> BoolArray { a .<= a.literal(b) }
    public static func .> (a: Self, b: Element) -> BoolArray { a .> a.literal(b) }
    public static func .>= (a: Self, b: Element) -> BoolArray { a .>= a.literal(b) }
}

/// `a` where `mask` is true, else `b`.
public func select<E: TracedElement>(_ mask: BoolArray, _ a: TracedArray<E>, _ b: TracedArray<E>) -> TracedArray<E> {
    .make(.select, [mask.node, a.node, b.node], tapes: [nil, a.tape, b.tape])
}

extension TracedArray where Element: TracedBitwise {
    /// Bitwise (integers) or logical (masks) and.
    public static func & (a: Self, b: Self) -> Self { make(.and, [a.node, b.node]) }
    /// Bitwise (integers) or logical (masks) or.
    public static func | (a: Self, b: Self) -> Self { make(.or, [a.node, b.node]) }
    /// Bitwise (integers) or logical (masks) exclusive or.
    public static func ^ (a: Self, b: Self) -> Self { make(.xor, [a.node, b.node]) }
    /// Bitwise (integers) or logical (masks) not.
    public static prefix func ~ (a: Self) -> Self { make(.not, [a.node]) }

    public static func &= (a: inout Self, b: Self) { a = a & b }
    public static func |= (a: inout Self, b: Self) { a = a | b }
    public static func ^= (a: inout Self, b: Self) { a = a ^ b }
}

extension TracedArray where Element == Bool {
    /// Logical not.
    public static prefix func ! (a: Self) -> Self { make(.not, [a.node]) }
    /// Logical and.
    public static func && (a: Self, b: Self) -> Self { a & b }
    /// Logical or.
    public static func || (a: Self, b: Self) -> Self { a | b }
}

extension TracedArray where Element: TracedInteger {
    /// Shift left; the amount is taken modulo 32.
    public static func << (a: Self, b: Self) -> Self { make(.shl, [a.node, b.node]) }
    /// Shift right (arithmetic for Int32, logical for UInt32); the amount is taken modulo 32.
    public static func >> (a: Self, b: Self) -> Self { make(.shr, [a.node, b.node]) }
    public static func << (a: Self, b: Element) -> Self { a << a.literal(b) }
    public static func >> (a: Self, b: Element) -> Self { a >> a.literal(b) }
    public static func & (a: Self, b: Element) -> Self { a & a.literal(b) }
    public static func | (a: Self, b: Element) -> Self { a | a.literal(b) }
    public static func ^ (a: Self, b: Element) -> Self { a ^ a.literal(b) }
}

/// The high 32 bits of the 64-bit product of a and b (signed for Int32, unsigned for UInt32).
public func mulhi<E: TracedInteger>(_ a: TracedArray<E>, _ b: TracedArray<E>) -> TracedArray<E> {
    .make(.mulhi, [a.node, b.node])
}
