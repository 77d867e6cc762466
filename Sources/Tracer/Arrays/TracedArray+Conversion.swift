// Conversions between the four element types: value casts and bit reinterpretation.

extension TracedArray {
    /// Converts values: float to integer rounds toward zero and saturates (NaN gives 0), integer to float rounds to
    /// nearest, anything to a mask is `!= 0`, a mask to a number is 0 or 1, Int32 <-> UInt32 keeps the bits.
    public init<Source: TracedElement>(_ other: TracedArray<Source>) {
        self = .make(.cast, [other.node], tapes: [Element.self == Float.self ? other.tape : nil])
    }

    /// Reinterprets the 32 bits of each element (not for masks).
    public init<Source: TracedElement>(bitPattern other: TracedArray<Source>) {
        precondition(Element.scalarType != .bool && Source.scalarType != .bool,
                     "Tracer: bitcast is defined between Float, Int32 and UInt32 only")
        self = .make(.bitcast, [other.node])
    }
}
