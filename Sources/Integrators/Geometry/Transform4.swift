// Homogeneous 4x4 transforms with Mitsuba 3's conventions (`Transform4f`).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 4x4 `Float` matrix stored row-major: `elements[row * 4 + col]`.
///
/// `m[row]` is the row as a `SIMD4<Float>`, so `m[row][col]` reads the entry in row `row` and
/// column `col`; `m[row, col]` reads or writes it. Column vectors are transformed as `M * v`,
/// so the translation of an affine transform sits in the last column (`m[0, 3]`, `m[1, 3]`, `m[2, 3]`).
public struct Matrix4: Hashable, Sendable, CustomStringConvertible {
    /// Row-major entries: `elements[row * 4 + col]`.
    public var elements: SIMD16<Float>

    @inlinable public init(elements: SIMD16<Float>) { self.elements = elements }

    /// From 16 values in row-major order (as in Mitsuba's `<matrix value="...">`).
    public init(rowMajor values: [Float]) {
        precondition(values.count == 16, "Matrix4(rowMajor:) needs 16 values, got \(values.count)")
        var e = SIMD16<Float>()
        for i in 0..<16 { e[i] = values[i] }
        elements = e
    }

    /// From four rows.
    public init(rows r0: SIMD4<Float>, _ r1: SIMD4<Float>, _ r2: SIMD4<Float>, _ r3: SIMD4<Float>) {
        var e = SIMD16<Float>()
        for c in 0..<4 { e[c] = r0[c]; e[4 + c] = r1[c]; e[8 + c] = r2[c]; e[12 + c] = r3[c] }
        elements = e
    }

    /// From four columns.
    public init(columns c0: SIMD4<Float>, _ c1: SIMD4<Float>, _ c2: SIMD4<Float>, _ c3: SIMD4<Float>) {
        self.init(rows: c0, c1, c2, c3)
        self = transposed
    }

    /// Diagonal matrix `diag(d)`.
    public init(diagonal d: SIMD4<Float>) {
        var e = SIMD16<Float>()
        e[0] = d[0]; e[5] = d[1]; e[10] = d[2]; e[15] = d[3]
        elements = e
    }

    public static let identity = Matrix4(diagonal: SIMD4<Float>(1, 1, 1, 1))

    /// Row `row` (so `m[row][col]` is the entry at `row`, `col`).
    @inlinable public subscript(row: Int) -> SIMD4<Float> {
        get {
            let b = row * 4
            return SIMD4<Float>(elements[b], elements[b + 1], elements[b + 2], elements[b + 3])
        }
        set {
            let b = row * 4
            elements[b] = newValue[0]; elements[b + 1] = newValue[1]
            elements[b + 2] = newValue[2]; elements[b + 3] = newValue[3]
        }
    }

    /// The entry in row `row` and column `col`.
    @inlinable public subscript(row: Int, col: Int) -> Float {
        get { elements[row * 4 + col] }
        set { elements[row * 4 + col] = newValue }
    }

    public func column(_ col: Int) -> SIMD4<Float> {
        SIMD4<Float>(elements[col], elements[4 + col], elements[8 + col], elements[12 + col])
    }

    /// The 16 entries in row-major order.
    public var rowMajor: [Float] { (0..<16).map { elements[$0] } }

    public var transposed: Matrix4 {
        var t = SIMD16<Float>()
        for r in 0..<4 { for c in 0..<4 { t[c * 4 + r] = elements[r * 4 + c] } }
        return Matrix4(elements: t)
    }

    public static func * (a: Matrix4, b: Matrix4) -> Matrix4 {
        var out = SIMD16<Float>()
        for r in 0..<4 {
            for c in 0..<4 {
                var s: Float = 0
                for k in 0..<4 { s += a.elements[r * 4 + k] * b.elements[k * 4 + c] }
                out[r * 4 + c] = s
            }
        }
        return Matrix4(elements: out)
    }

    /// `M * v` for a column vector.
    public static func * (m: Matrix4, v: SIMD4<Float>) -> SIMD4<Float> {
        SIMD4<Float>(
            (m[0] * v).sum(), (m[1] * v).sum(), (m[2] * v).sum(), (m[3] * v).sum())
    }

    public var isFinite: Bool { (0..<16).allSatisfy { elements[$0].isFinite } }

    /// The inverse computed in `Double` (adjugate / determinant), or `nil` when the matrix is
    /// singular or has non-finite entries.
    public func inverted() -> Matrix4? {
        var m = [Double](repeating: 0, count: 16)
        for i in 0..<16 { m[i] = Double(elements[i]) }
        guard m.allSatisfy({ $0.isFinite }) else { return nil }
        var inv = [Double](repeating: 0, count: 16)
        inv[0] = m[5] * m[10] * m[15] - m[5] * m[11] * m[14] - m[9] * m[6] * m[15]
            + m[9] * m[7] * m[14] + m[13] * m[6] * m[11] - m[13] * m[7] * m[10]
        inv[4] = -m[4] * m[10] * m[15] + m[4] * m[11] * m[14] + m[8] * m[6] * m[15]
            - m[8] * m[7] * m[14] - m[12] * m[6] * m[11] + m[12] * m[7] * m[10]
        inv[8] = m[4] * m[9] * m[15] - m[4] * m[11] * m[13] - m[8] * m[5] * m[15]
            + m[8] * m[7] * m[13] + m[12] * m[5] * m[11] - m[12] * m[7] * m[9]
        inv[12] = -m[4] * m[9] * m[14] + m[4] * m[10] * m[13] + m[8] * m[5] * m[14]
            - m[8] * m[6] * m[13] - m[12] * m[5] * m[10] + m[12] * m[6] * m[9]
        inv[1] = -m[1] * m[10] * m[15] + m[1] * m[11] * m[14] + m[9] * m[2] * m[15]
            - m[9] * m[3] * m[14] - m[13] * m[2] * m[11] + m[13] * m[3] * m[10]
        inv[5] = m[0] * m[10] * m[15] - m[0] * m[11] * m[14] - m[8] * m[2] * m[15]
            + m[8] * m[3] * m[14] + m[12] * m[2] * m[11] - m[12] * m[3] * m[10]
        inv[9] = -m[0] * m[9] * m[15] + m[0] * m[11] * m[13] + m[8] * m[1] * m[15]
            - m[8] * m[3] * m[13] - m[12] * m[1] * m[11] + m[12] * m[3] * m[9]
        inv[13] = m[0] * m[9] * m[14] - m[0] * m[10] * m[13] - m[8] * m[1] * m[14]
            + m[8] * m[2] * m[13] + m[12] * m[1] * m[10] - m[12] * m[2] * m[9]
        inv[2] = m[1] * m[6] * m[15] - m[1] * m[7] * m[14] - m[5] * m[2] * m[15]
            + m[5] * m[3] * m[14] + m[13] * m[2] * m[7] - m[13] * m[3] * m[6]
        inv[6] = -m[0] * m[6] * m[15] + m[0] * m[7] * m[14] + m[4] * m[2] * m[15]
            - m[4] * m[3] * m[14] - m[12] * m[2] * m[7] + m[12] * m[3] * m[6]
        inv[10] = m[0] * m[5] * m[15] - m[0] * m[7] * m[13] - m[4] * m[1] * m[15]
            + m[4] * m[3] * m[13] + m[12] * m[1] * m[7] - m[12] * m[3] * m[5]
        inv[14] = -m[0] * m[5] * m[14] + m[0] * m[6] * m[13] + m[4] * m[1] * m[14]
            - m[4] * m[2] * m[13] - m[12] * m[1] * m[6] + m[12] * m[2] * m[5]
        inv[3] = -m[1] * m[6] * m[11] + m[1] * m[7] * m[10] + m[5] * m[2] * m[11]
            - m[5] * m[3] * m[10] - m[9] * m[2] * m[7] + m[9] * m[3] * m[6]
        inv[7] = m[0] * m[6] * m[11] - m[0] * m[7] * m[10] - m[4] * m[2] * m[11]
            + m[4] * m[3] * m[10] + m[8] * m[2] * m[7] - m[8] * m[3] * m[6]
        inv[11] = -m[0] * m[5] * m[11] + m[0] * m[7] * m[9] + m[4] * m[1] * m[11]
            - m[4] * m[3] * m[9] - m[8] * m[1] * m[7] + m[8] * m[3] * m[5]
        inv[15] = m[0] * m[5] * m[10] - m[0] * m[6] * m[9] - m[4] * m[1] * m[10]
            + m[4] * m[2] * m[9] + m[8] * m[1] * m[6] - m[8] * m[2] * m[5]
        let det = m[0] * inv[0] + m[1] * inv[4] + m[2] * inv[8] + m[3] * inv[12]
        guard det != 0, det.isFinite else { return nil }
        let scale = 1 / det
        var out = SIMD16<Float>()
        for i in 0..<16 { out[i] = Float(inv[i] * scale) }
        let result = Matrix4(elements: out)
        return result.isFinite ? result : nil
    }

    /// Largest absolute difference between corresponding entries.
    public func maxAbsDifference(_ other: Matrix4) -> Float {
        var d: Float = 0
        for i in 0..<16 { d = Swift.max(d, abs(elements[i] - other.elements[i])) }
        return d
    }

    public var description: String {
        (0..<4).map { r in "[" + (0..<4).map { c in "\(self[r, c])" }.joined(separator: ", ") + "]" }
            .joined(separator: "\n")
    }
}

/// An affine (or projective) transform with its inverse kept alongside, like Mitsuba's `Transform4f`.
///
/// `matrix` maps local to world coordinates for column vectors (`p' = matrix * p`), and
/// `inverse` is its inverse. Composition `a * b` applies `b` first, then `a`.
/// Mitsuba's XML reader composes the operations in a `<transform>` in document order,
/// each new operation applied after the previous ones: `T = op * T`.
public struct Transform4: Hashable, Sendable, CustomStringConvertible {
    public var matrix: Matrix4
    public var inverse: Matrix4

    /// The identity.
    public init() {
        matrix = .identity
        inverse = .identity
    }

    public static let identity = Transform4()

    /// A transform whose inverse is already known (not checked).
    public init(matrix: Matrix4, inverse: Matrix4) {
        self.matrix = matrix
        self.inverse = inverse
    }

    /// A transform from a matrix; the inverse is computed in `Double`. For a singular matrix the
    /// inverse is filled with NaN (`isInvertible` is then false), as Mitsuba would produce.
    public init(matrix: Matrix4) {
        self.matrix = matrix
        self.inverse = matrix.inverted() ?? Matrix4(elements: SIMD16<Float>(repeating: .nan))
    }

    /// A transform from 16 values in row-major order (Mitsuba's `<matrix value="...">`).
    public init(matrix values: [Float]) {
        self.init(matrix: Matrix4(rowMajor: values))
    }

    /// Whether `inverse` holds finite numbers (false after `init(matrix:)` of a singular matrix).
    public var isInvertible: Bool { inverse.isFinite && matrix.isFinite }

    // MARK: Constructors (Mitsuba's Transform4f::translate / scale / rotate / look_at)

    public static func translate(_ x: Float, _ y: Float, _ z: Float) -> Transform4 {
        translate(Vector3f(x, y, z))
    }

    public static func translate(_ v: Vector3f) -> Transform4 {
        var m = Matrix4.identity
        m[0, 3] = v.x; m[1, 3] = v.y; m[2, 3] = v.z
        var inv = Matrix4.identity
        inv[0, 3] = -v.x; inv[1, 3] = -v.y; inv[2, 3] = -v.z
        return Transform4(matrix: m, inverse: inv)
    }

    public static func scale(_ x: Float, _ y: Float, _ z: Float) -> Transform4 {
        scale(Vector3f(x, y, z))
    }

    /// Uniform scale.
    public static func scale(_ s: Float) -> Transform4 {
        scale(Vector3f(s, s, s))
    }

    public static func scale(_ v: Vector3f) -> Transform4 {
        Transform4(
            matrix: Matrix4(diagonal: SIMD4<Float>(v.x, v.y, v.z, 1)),
            inverse: Matrix4(diagonal: SIMD4<Float>(1 / v.x, 1 / v.y, 1 / v.z, 1)))
    }

    /// Right-handed rotation by `angleDegrees` about `axis`, i.e. Rodrigues' formula
    /// `R = cos θ I + sin θ [a]× + (1 − cos θ) a aᵀ`, as Mitsuba's `Transform4f.rotate`, with the inverse Rᵀ.
    ///
    /// `normalizingAxis` false uses the axis as given, as Mitsuba does (its `<rotate>` and `dr::rotate` assume a
    /// unit axis): a longer axis gives a matrix that is no rotation, whose stored inverse is still Rᵀ, exactly
    /// Mitsuba's transform (its scene `hello.xml` rotates about (0, 1, 1)).
    public static func rotate(axis: Vector3f, angleDegrees: Float, normalizingAxis: Bool = true) -> Transform4 {
        let len = normalizingAxis ? Double(axis.length) : 1
        let ax = Double(axis.x) / len, ay = Double(axis.y) / len, az = Double(axis.z) / len
        let theta = Double(angleDegrees) * Double.pi / 180
        let s = sin(theta), c = cos(theta), cm = 1 - c
        let r: [Double] = [
            c + ax * ax * cm, ax * ay * cm - az * s, ax * az * cm + ay * s, 0,
            ax * ay * cm + az * s, c + ay * ay * cm, ay * az * cm - ax * s, 0,
            ax * az * cm - ay * s, ay * az * cm + ax * s, c + az * az * cm, 0,
            0, 0, 0, 1,
        ]
        let m = Matrix4(rowMajor: r.map { Float($0) })
        return Transform4(matrix: m, inverse: m.transposed)
    }

    /// Mitsuba's `look_at`: `dir = normalize(target − origin)`, `left = normalize(cross(up, dir))`,
    /// `newUp = cross(dir, left)`; the matrix has columns `[left, newUp, dir, origin]`, so it maps
    /// camera space (+Z forward, +Y up, +X left) to world space.
    /// Degenerate inputs (origin == target, `up` parallel to the view direction) give NaN entries.
    public static func lookAt(origin: Vector3f, target: Vector3f, up: Vector3f) -> Transform4 {
        let dir = (target - origin).normalized
        let left = up.cross(dir).normalized
        let newUp = dir.cross(left)
        let m = Matrix4(
            columns: SIMD4<Float>(left.x, left.y, left.z, 0),
            SIMD4<Float>(newUp.x, newUp.y, newUp.z, 0),
            SIMD4<Float>(dir.x, dir.y, dir.z, 0),
            SIMD4<Float>(origin.x, origin.y, origin.z, 1))
        let inv = Matrix4(
            rows: SIMD4<Float>(left.x, left.y, left.z, -left.dot(origin)),
            SIMD4<Float>(newUp.x, newUp.y, newUp.z, -newUp.dot(origin)),
            SIMD4<Float>(dir.x, dir.y, dir.z, -dir.dot(origin)),
            SIMD4<Float>(0, 0, 0, 1))
        return Transform4(matrix: m, inverse: inv)
    }

    // MARK: Composition and application

    /// `a * b` applies `b` first, then `a`.
    public static func * (a: Transform4, b: Transform4) -> Transform4 {
        Transform4(matrix: a.matrix * b.matrix, inverse: b.inverse * a.inverse)
    }

    /// The inverse transform (matrix and inverse swapped).
    public var inverted: Transform4 { Transform4(matrix: inverse, inverse: matrix) }

    /// Transforms a point (w = 1), dividing by the resulting w when it is not 1.
    public func applyPoint(_ p: Vector3f) -> Vector3f {
        let r = matrix * SIMD4<Float>(p.x, p.y, p.z, 1)
        if r.w == 1 { return Vector3f(r.x, r.y, r.z) }
        return Vector3f(r.x / r.w, r.y / r.w, r.z / r.w)
    }

    /// Transforms a direction (w = 0): translation is ignored.
    public func applyVector(_ v: Vector3f) -> Vector3f {
        let r = matrix * SIMD4<Float>(v.x, v.y, v.z, 0)
        return Vector3f(r.x, r.y, r.z)
    }

    /// Transforms a normal with the inverse transpose (not normalized).
    public func applyNormal(_ n: Vector3f) -> Vector3f {
        let r = inverse.transposed * SIMD4<Float>(n.x, n.y, n.z, 0)
        return Vector3f(r.x, r.y, r.z)
    }

    /// The translation part (last column).
    public var translation: Vector3f { Vector3f(matrix[0, 3], matrix[1, 3], matrix[2, 3]) }

    public var isIdentity: Bool { matrix == .identity }

    public var description: String { "Transform4(\n\(matrix)\n)" }
}
