// SceneXMLReader: `<spectrum>` properties, turned into what Mitsuba 3's RGB variants make of them.
import Foundation

extension SceneXMLReader {
    /// `<spectrum name="..." value="..."/>` or `<spectrum name="..." filename="x.spd"/>` inside a plugin of `kind`,
    /// as Mitsuba's RGB variants read it:
    /// - a single value v: a float, except in an emitter, where it is the colour of a flat emitted spectrum
    ///   (v · XYZ→sRGB(1, 1, 1), slightly purple: sRGB's white is D65, not flat);
    /// - wavelength:value pairs (nm, increasing), or a file of them: an rgb colour, integrated against the CIE
    ///   1931 matching functions (`SampledSpectrum.linearSRGB`): under D65 and clamped to [0, 1] for
    ///   reflectances, without D65 for emitters, under D65 for a conductor's `eta` and `k`.
    func readSpectrumProperty(_ node: XMLElementNode, in kind: PluginKind) throws -> (String, PropertyValue) {
        try checkAttributes(node, allowed: ["name", "value", "filename"], required: ["name"])
        try checkNoChildren(node)
        let name = node.attributes["name"]!
        if name.isEmpty { throw fail(node, "the name attribute must not be empty") }
        let value = node.attributes["value"], filename = node.attributes["filename"]
        guard (value == nil) != (filename == nil) else {
            throw fail(node, "give either value=\"...\" or filename=\"...\" (not both)")
        }
        let role: SampledSpectrum.Role = kind == .emitter
            ? .emission : (kind == .bsdf && (name == "eta" || name == "k") ? .unbounded : .reflectance)
        let spectrum: SampledSpectrum
        if let value {
            let tokens = Self.tokenize(value)
            if tokens.count == 1, !tokens[0].contains(":") {
                let v = try number(tokens[0], attribute: "value", value: value, node: node)
                return (name, role == .emission ? .rgb(SampledSpectrum.uniformEmission * Float(v)) : .float(v))
            }
            spectrum = try pairs(tokens, value: value, node: node)
        } else {
            spectrum = try spectrumFile(filename!, node: node)
        }
        return (name, .rgb(spectrum.linearSRGB(as: role).rgb))
    }

    /// Wavelength:value pairs such as "400:0.3, 500:0.5".
    private func pairs(_ tokens: [String], value: String, node: XMLElementNode) throws -> SampledSpectrum {
        var wavelengths: [Double] = [], values: [Double] = []
        for token in tokens {
            let parts = token.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw fail(node, "'\(token)' in value=\"\(value)\" is not a wavelength:value pair (such as 400:0.5)")
            }
            wavelengths.append(try number(String(parts[0]), attribute: "value", value: value, node: node))
            values.append(try number(String(parts[1]), attribute: "value", value: value, node: node))
        }
        return try sampledSpectrum(wavelengths, values, node: node, source: "value=\"\(value)\"")
    }

    /// A spectral data file (`.spd`): one "wavelength value" pair per line, `#` comments, as Mitsuba reads it.
    private func spectrumFile(_ filename: String, node: XMLElementNode) throws -> SampledSpectrum {
        let (found, base) = locate((filename as NSString).expandingTildeInPath, from: node)
        guard let url = found else {
            throw fail(node, "spectrum file '\(filename)' not found (looked in \(base.path))")
        }
        guard url.pathExtension.lowercased() == "spd" else {
            throw fail(node, "spectrum file '\(filename)': expected a .spd file (lines of \"wavelength value\")")
        }
        // A spectrum file is a few hundred lines; anything far larger is not one.
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if let size = attributes?[.size] as? Int, size > 16 << 20 {
            throw fail(node, "spectrum file '\(filename)' is \(size) bytes, too large for a spectrum")
        }
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw fail(node, "cannot read spectrum file '\(url.path)' as text")
        }
        var wavelengths: [Double] = [], values: [Double] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let fields = line.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            if fields.isEmpty { continue }
            guard fields.count == 2, let w = Double(fields[0]), let v = Double(fields[1]), w.isFinite, v.isFinite else {
                throw fail(node, "spectrum file '\(filename)', line \(index + 1): expected \"wavelength value\", "
                    + "found \"\(line.trimmingCharacters(in: .whitespaces))\"")
            }
            wavelengths.append(w)
            values.append(v)
        }
        return try sampledSpectrum(wavelengths, values, node: node, source: "spectrum file '\(filename)'")
    }

    /// Checks Mitsuba's rules: at least two samples, wavelengths strictly increasing.
    private func sampledSpectrum(_ wavelengths: [Double], _ values: [Double], node: XMLElementNode,
                                 source: String) throws -> SampledSpectrum {
        guard wavelengths.count >= 2 else {
            throw fail(node, "\(source): a sampled spectrum needs at least two wavelength:value pairs")
        }
        for i in 1..<wavelengths.count where wavelengths[i] <= wavelengths[i - 1] {
            throw fail(node, "\(source): wavelengths must increase (\(wavelengths[i - 1]) is followed by "
                + "\(wavelengths[i]))")
        }
        return SampledSpectrum(wavelengths: wavelengths, values: values)
    }
}
