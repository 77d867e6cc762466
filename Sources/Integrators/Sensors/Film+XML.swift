// Building the film and its reconstruction filter from Mitsuba XML (`<film type="hdrfilm">`, `<rfilter>`).

extension Film {
    /// The supported film plugins.
    static let pluginTypes = ["hdrfilm"]

    /// A film from `<film type="hdrfilm">`: integer `width`, `height` (default 768 x 576), a crop window
    /// `crop_offset_x`, `crop_offset_y`, `crop_width`, `crop_height` (default the whole film), `pixel_format` "rgb"
    /// (the default, as Mitsuba 3.9.1's) or "rgba" (`hasAlpha`),
    /// `component_format`, `file_format` and `banner` (accepted; they only concern files Mitsuba would write),
    /// `sample_border` false, and an optional nested `<rfilter>` (default gaussian).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try description.requirePluginType(in: Self.pluginTypes)
        try description.requireKnownProperties(
            ["width", "height", "crop_offset_x", "crop_offset_y", "crop_width", "crop_height", "pixel_format",
             "component_format", "file_format", "sample_border", "rfilter", "banner"])
        let width = try description.integer("width", default: 768)
        let height = try description.integer("height", default: 576)
        for (name, value) in [("width", width), ("height", height)] where value < 1 {
            throw description.error("\(name) must be at least 1, got \(value)", property: name)
        }
        let pixelFormat = try Self.requireChoice(description, "pixel_format", default: "rgb", in: ["rgb", "rgba"])
        try Self.requireChoice(description, "component_format", default: "float16", in: ["float16", "float32"])
        try Self.requireChoice(description, "file_format", default: "openexr", in: ["openexr", "exr"])
        if try description.boolean("sample_border", default: false) {
            throw description.error("sample_border = true is not supported", property: "sample_border")
        }
        let filters = try Self.nested(description, accepting: .rfilter)
        if filters.count > 1 {
            throw description.error("more than one <rfilter> (found \(filters.count))")
        }
        let filter = try filters.first.map { try ReconstructionFilter($0, document: document) } ?? .standard
        self.init(width: width, height: height, filter: filter)
        let cropWidth = try description.integer("crop_width", default: width)
        let cropHeight = try description.integer("crop_height", default: height)
        let offsetX = try description.integer("crop_offset_x", default: 0)
        let offsetY = try description.integer("crop_offset_y", default: 0)
        guard cropWidth >= 1, cropHeight >= 1, offsetX >= 0, offsetY >= 0, offsetX + cropWidth <= width,
              offsetY + cropHeight <= height else {
            throw description.error("the crop window \(cropWidth) x \(cropHeight) at (\(offsetX), \(offsetY)) must "
                                    + "lie inside the \(width) x \(height) film")
        }
        self = cropped(offsetX: offsetX, offsetY: offsetY, width: cropWidth, height: cropHeight)
        hasAlpha = pixelFormat == "rgba"
    }

    /// The string property `name` (lowercased, `def` when absent); throws unless it is one of `allowed`.
    @discardableResult
    private static func requireChoice(_ description: PluginDescription, _ name: String, default def: String,
                                      in allowed: [String]) throws -> String {
        let value = try description.string(name, default: def).lowercased()
        guard allowed.contains(value) else {
            let list = allowed.map { "\"\($0)\"" }.joined(separator: ", ")
            throw description.error("unsupported \(name) \"\(value)\" (supported: \(list))", property: name)
        }
        return value
    }

    /// The nested plugins of `description`, throwing for any of a kind other than `kinds`.
    static func nested(_ description: PluginDescription, accepting kinds: PluginKind...) throws
        -> [PluginDescription]
    {
        for child in description.children where !kinds.contains(child.kind) {
            let expected = kinds.map { "<\($0.rawValue)>" }.joined(separator: " or ")
            throw SceneError("a nested <\(child.kind.rawValue)> cannot appear here (expected \(expected))",
                             at: child.referenceLocation ?? child.location, element: description.elementDescription)
        }
        return description.children
    }
}
