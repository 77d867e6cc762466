// MeshLoadError: the error every mesh loader throws, naming the file, the place in it and what was expected.

/// A mesh file that could not be read: `fileName` is the file (or the caller's name for in-memory bytes),
/// `location` the place in it ("line 12", "vertex 7", "face 3", "shape 2"), and `reason` what was expected and
/// what was found.
public struct MeshLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The last path component of the file, or the name given with in-memory bytes.
    public let fileName: String
    /// Where in the file the problem is ("line 12", "vertex 7"), or nil for the file as a whole.
    public let location: String?
    /// What was expected and what was found instead.
    public let reason: String

    /// Creates an error for `fileName` at `location` explaining `reason`.
    public init(fileName: String, location: String? = nil, reason: String) {
        self.fileName = fileName
        self.location = location
        self.reason = reason
    }

    /// "file: location: reason", or "file: reason" without a location.
    public var description: String {
        if let location { return "\(fileName): \(location): \(reason)" }
        return "\(fileName): \(reason)"
    }
}
