import Foundation

/// Where something was declared in a scene file.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// Path of the scene file (as opened).
    public var path: String
    /// 1-based line of the element's start tag; `nil` when unknown (e.g. the file could not be read).
    public var line: Int?

    public init(path: String, line: Int?) {
        self.path = path
        self.line = line
    }

    /// The scene file's path (same as `path`).
    public var file: String { path }

    /// The file's last path component, used in messages.
    public var fileName: String { (path as NSString).lastPathComponent }

    /// `scene.xml:12` (or just `scene.xml` without a line).
    public var description: String {
        if let line { return "\(fileName):\(line)" }
        return fileName
    }
}

/// An error in a scene description. The description always names the file and line, the
/// element (when there is one) and what was expected, e.g.
/// `scene.xml:12: <shape type="sphere">: property 'radius' must be a float, found string`.
public struct SceneError: Error, CustomStringConvertible, Sendable {
    public var location: SourceLocation?
    /// The element involved, as written in messages: `<shape type="sphere">`, `<float name="radius">`.
    public var element: String?
    public var message: String

    public init(_ message: String, at location: SourceLocation?, element: String? = nil) {
        self.message = message
        self.location = location
        self.element = element
    }

    public var description: String {
        var parts: [String] = []
        if let location { parts.append(location.description) }
        if let element { parts.append(element) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    public var localizedDescription: String { description }
}
