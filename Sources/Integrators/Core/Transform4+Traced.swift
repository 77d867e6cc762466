// Applying a host-side `Transform4` to traced points, vectors and normals.
import Tracer

extension Transform4 {
    /// Transforms points (w = 1). The result is divided by w unless the matrix is affine (then w is exactly 1).
    public func applyPoint(_ p: Vector3Array) -> Vector3Array {
        let x = Self.row(matrix, 0, p, w: 1)
        let y = Self.row(matrix, 1, p, w: 1)
        let z = Self.row(matrix, 2, p, w: 1)
        guard !isAffine else { return Vector3Array(x: x, y: y, z: z) }
        let w = Self.row(matrix, 3, p, w: 1)
        return Vector3Array(x: x, y: y, z: z) / w
    }

    /// Transforms directions (w = 0): translation is ignored.
    public func applyVector(_ v: Vector3Array) -> Vector3Array {
        Vector3Array(x: Self.row(matrix, 0, v, w: 0), y: Self.row(matrix, 1, v, w: 0), z: Self.row(matrix, 2, v, w: 0))
    }

    /// Transforms normals with the inverse transpose (not normalized).
    public func applyNormal(_ n: Vector3Array) -> Vector3Array {
        let inverseTransposed = inverse.transposed
        return Vector3Array(x: Self.row(inverseTransposed, 0, n, w: 0),
                            y: Self.row(inverseTransposed, 1, n, w: 0),
                            z: Self.row(inverseTransposed, 2, n, w: 0))
    }

    /// Whether the last row is (0, 0, 0, 1), so that points need no division.
    var isAffine: Bool {
        matrix[3, 0] == 0 && matrix[3, 1] == 0 && matrix[3, 2] == 0 && matrix[3, 3] == 1
    }

    /// m[row, 0]·v.x + m[row, 1]·v.y + m[row, 2]·v.z + m[row, 3]·w. Zero entries are left out on the host, so a
    /// scale or rotation about an axis records only the terms it needs.
    static func row(_ m: Matrix4, _ row: Int, _ v: Vector3Array, w: Float) -> FloatArray {
        var sum: FloatArray?
        for (column, component) in [v.x, v.y, v.z].enumerated() where m[row, column] != 0 {
            let term = component * m[row, column]
            sum = sum.map { $0 + term } ?? term
        }
        let offset = m[row, 3] * w
        guard let sum else { return FloatArray(repeating: offset, count: v.count) }
        return offset == 0 ? sum : sum + offset
    }
}
