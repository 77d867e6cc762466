// Detecting scale in a transform, which cameras forbid.

extension Transform4 {
    /// Whether the linear part is not orthonormal within 1e-3 (Mitsuba's `has_scale`: the rows of the upper 3x3
    /// must be unit length and mutually orthogonal).
    var hasScale: Bool {
        for i in 0..<3 {
            for j in i..<3 {
                var sum: Float = 0
                for k in 0..<3 { sum += matrix[i, k] * matrix[j, k] }
                let expected: Float = i == j ? 1 : 0
                if Swift.abs(sum - expected) > 1e-3 { return true }
            }
        }
        return false
    }
}
