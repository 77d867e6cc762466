// MeshNumberParser: decimal numbers parsed straight from a text mesh's bytes, correctly rounded, no String per token.

/// Parses one whitespace-free token of an OBJ or ASCII PLY file. Floats come out correctly rounded (what
/// `strtof` and Mitsuba's fast_float give), so a file's numbers load bit for bit as Mitsuba loads them.
enum MeshNumberParser {
    /// Powers of ten that a `Double` holds exactly (10^0 ... 10^22): the range where one multiplication or
    /// division of an exact mantissa is correctly rounded.
    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The token `base[start..<end]` as a `Float`, or nil when it is not a number. "nan" and "inf" parse (to
    /// non-finite values) so that callers can say what is wrong with them.
    static func float(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Float? {
        if let value = fastFloat(base, start, end) { return value }
        return slowFloat(base, start, end)
    }

    /// The token as a `Double` (for PLY `double` properties), or nil when it is not a number.
    static func double(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        guard end > start, end - start <= 4096 else { return nil }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
        return Double(text)
    }

    /// The token as a signed integer (optional sign, decimal digits), or nil on anything else or on overflow.
    static func integer(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var index = start
        guard index < end else { return nil }
        var negative = false
        if base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+") {
            negative = base[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < end else { return nil }
        var magnitude: UInt64 = 0
        while index < end {
            let digit = base[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Plain decimal tokens whose mantissa and exponent fit the exact `Double` fast path (Clinger's); nil sends
    /// the token to the slow path.
    @inline(__always)
    private static func fastFloat(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Float? {
        var index = start
        guard index < end else { return nil }
        var negative = false
        if base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+") {
            negative = base[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var sawDigit = false
        while index < end, case let digit = base[index] &- UInt8(ascii: "0"), digit < 10 {
            sawDigit = true
            if mantissa != 0 || digit != 0 { significantDigits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            index += 1
        }
        if index < end, base[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, case let digit = base[index] &- UInt8(ascii: "0"), digit < 10 {
                sawDigit = true
                if mantissa != 0 || digit != 0 { significantDigits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                exponent -= 1
                index += 1
            }
        }
        // More than 19 significant digits wrapped the mantissa: leave those to the slow path.
        guard sawDigit, significantDigits <= 19 else { return nil }
        if index < end, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end, base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+") {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            var explicit = 0
            var sawExponentDigit = false
            while index < end, case let digit = base[index] &- UInt8(ascii: "0"), digit < 10 {
                sawExponentDigit = true
                if explicit < 100_000 { explicit = explicit * 10 + Int(digit) }
                index += 1
            }
            guard sawExponentDigit else { return nil }
            exponent += exponentNegative ? -explicit : explicit
        }
        guard index == end else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        guard mantissa < (1 << 53), exponent >= -22, exponent <= 22 else { return nil }
        let exact = Double(mantissa)
        let value = exponent >= 0 ? exact * exactPowersOfTen[exponent] : exact / exactPowersOfTen[-exponent]
        // The Double is the correctly rounded value, so rounding it to Float is right unless it sits exactly
        // on a midpoint between two floats (then the true value's side of the midpoint is unknown). The
        // midpoint test on the low 29 significand bits holds only in Float's normal range.
        guard value >= Double(Float.leastNormalMagnitude), value < 0x1p127 else { return nil }
        if value.bitPattern & 0x1FFF_FFFF == 0x1000_0000 { return nil }
        let rounded = Float(value)
        return negative ? -rounded : rounded
    }

    /// Everything the fast path declines (long mantissas, large exponents, subnormals, midpoints, "nan",
    /// "inf", hexadecimal floats) goes through the C library's `strtof` via `Float(String)`.
    private static func slowFloat(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Float? {
        guard end > start, end - start <= 4096 else { return nil }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
        return Float(text)
    }
}
