// ImageIOError: the error every image read or write throws, naming the file and the problem.

/// A failure to read or write an image file.
///
/// `description` reads `"<file name>: <reason>"`, for example
/// `"texture.png: not a PNG file (bad signature)"`.
public struct ImageIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The last path component of the file involved (or a caller-supplied name for in-memory data).
    public let fileName: String
    /// What was expected and what was found instead.
    public let reason: String
    /// True when the file could not be written (a full disk, a missing folder): a failure of the machine rather
    /// than of the input.
    public let isWriteFailure: Bool

    /// Creates an error for `fileName` explaining `reason`.
    public init(fileName: String, reason: String, isWriteFailure: Bool = false) {
        self.fileName = fileName
        self.reason = reason
        self.isWriteFailure = isWriteFailure
    }

    /// `"<file name>: <reason>"`.
    public var description: String { "\(fileName): \(reason)" }
}
