// Spectra given as wavelength:value pairs, integrated to linear sRGB as Mitsuba 3's RGB variants do when they load them.

/// A spectrum sampled at increasing wavelengths (nm), linear between samples and zero outside them.
struct SampledSpectrum: Hashable, Sendable {
    let wavelengths: [Double]
    let values: [Double]

    /// What the colour of a spectrum stands for, which decides how Mitsuba turns it into RGB.
    enum Role {
        /// A reflectance or another quantity in [0, 1] (Mitsuba's `get_texture`): seen under D65, clamped to [0, 1].
        case reflectance
        /// An unbounded material quantity such as a conductor's η or k (`get_unbounded_texture`): under D65,
        /// negative channels clamped to 0.
        case unbounded
        /// Emitted radiance, intensity or irradiance (`get_emissive_texture`): without D65, negative channels
        /// clamped to 0.
        case emission
    }

    /// The linear sRGB colour of the spectrum in `role`, as Mitsuba's `spectrum_list_to_srgb` computes it: the
    /// spectrum (times D65 unless it is emitted) integrated against the CIE 1931 matching functions at 1000
    /// evenly spaced wavelengths over 360–830 nm, normalised so that a unit spectrum has luminance 1, then
    /// converted from XYZ. `clamped` tells whether the colour lay outside the role's range (Mitsuba warns then).
    func linearSRGB(as role: Role) -> (rgb: Vector3f, clamped: Bool) {
        let steps = 1000
        let span = CIETables.maximumWavelength - CIETables.minimumWavelength
        var xyz = (x: 0.0, y: 0.0, z: 0.0)
        for step in 0..<steps {
            let w = CIETables.minimumWavelength + Double(step) / Double(steps - 1) * span
            guard w >= wavelengths[0], w <= wavelengths[wavelengths.count - 1] else { continue }
            let i = interval(containing: w)
            let (w0, w1, v0, v1) = (wavelengths[i], wavelengths[i + 1], values[i], values[i + 1])
            // Mitsuba's form of the linear interpolant (kept for the same rounding).
            let v = ((w - w1) * v0 + (w0 - w) * v1) / (w0 - w1)
            let weight = v * (role == .emission ? 1 : Self.d65(w))
            let matching = Self.matchingFunctions(w)
            xyz.x += matching.x * weight
            xyz.y += matching.y * weight
            xyz.z += matching.z * weight
        }
        // 1 / 106.75... makes a unit spectrum integrate to luminance 1 (Mitsuba's MI_CIE_Y_NORMALIZATION).
        let scale = span * (1 / 106.7502593994140625) / Double(steps)
        var rgb = Self.xyzToLinearSRGB(x: xyz.x * scale, y: xyz.y * scale, z: xyz.z * scale)
        let upper = role == .reflectance ? 1.0 : .infinity
        let clamped = rgb.contains { $0 < 0 || $0 > upper }
        rgb = rgb.map { Swift.min(Swift.max($0, 0), upper) }
        return (Vector3f(Float(rgb[0]), Float(rgb[1]), Float(rgb[2])), clamped)
    }

    /// The colour of a uniform emission spectrum of value 1: a flat spectrum is not white in sRGB, whose white is
    /// D65 (Mitsuba's RGB variants use this colour so that they match its spectral ones).
    static let uniformEmission: Vector3f = {
        let rgb = xyzToLinearSRGB(x: 1, y: 1, z: 1)
        return Vector3f(Float(rgb[0]), Float(rgb[1]), Float(rgb[2]))
    }()

    /// The largest i in 0...count-2 with wavelengths[i] ≤ w (Mitsuba's `find_interval`).
    private func interval(containing w: Double) -> Int {
        var low = 1, high = wavelengths.count - 1
        while low < high {
            let middle = (low + high) / 2
            if wavelengths[middle] <= w { low = middle + 1 } else { high = middle }
        }
        return low - 1
    }

    /// x̄, ȳ, z̄ at `w`, interpolated linearly in the 5 nm tables (0 outside 360–830 nm).
    private static func matchingFunctions(_ w: Double) -> (x: Double, y: Double, z: Double) {
        guard let (i, t) = tablePosition(w) else { return (0, 0, 0) }
        func lerp(_ table: [Float]) -> Double { (1 - t) * Double(table[i]) + t * Double(table[i + 1]) }
        return (lerp(CIETables.x), lerp(CIETables.y), lerp(CIETables.z))
    }

    /// The D65 illuminant at `w`, normalised to luminance 1 (Mitsuba's MI_CIE_D65_NORMALIZATION).
    private static func d65(_ w: Double) -> Double {
        guard let (i, t) = tablePosition(w) else { return 0 }
        let value = (1 - t) * Double(CIETables.d65[i]) + t * Double(CIETables.d65[i + 1])
        return value * (1 / 98.99741751876255)
    }

    /// The table interval of `w` and the position inside it, nil outside the tables.
    private static func tablePosition(_ w: Double) -> (Int, Double)? {
        guard w >= CIETables.minimumWavelength, w <= CIETables.maximumWavelength else { return nil }
        let t = (w - CIETables.minimumWavelength) * Double(CIETables.sampleCount - 1)
            / (CIETables.maximumWavelength - CIETables.minimumWavelength)
        let i = Swift.min(Int(t), CIETables.sampleCount - 2)
        return (i, t - Double(i))
    }

    /// XYZ to linear sRGB (Rec. 709 primaries, D65 white), with Mitsuba's matrix.
    private static func xyzToLinearSRGB(x: Double, y: Double, z: Double) -> [Double] {
        let m: [Float] = [3.240479, -1.537150, -0.498535,
                          -0.969256, 1.875991, 0.041556,
                          0.055648, -0.204043, 1.057311]
        return (0..<3).map { row in
            Double(m[3 * row]) * x + Double(m[3 * row + 1]) * y + Double(m[3 * row + 2]) * z
        }
    }
}
