// Why Embree cannot be used, or why a scene cannot be handed to it.

/// An error of the Embree acceleration structure: the library is missing or unusable, an input mesh, group or
/// instance is invalid, or Embree refused a call. Each message names the input and what was expected.
public enum EmbreeError: Error, Equatable, CustomStringConvertible {
    /// libembree3 could not be opened or lacks a function; `reason` is what the dynamic loader said.
    case libraryUnavailable(reason: String)
    /// The library opened but is not usable as declared (another major version, a build with other options).
    case unsupportedLibrary(reason: String)
    /// A mesh cannot be built: `location` says where it was given (`meshes[2]`, `groups[0][1]`).
    case invalidMesh(location: String, name: String, reason: String)
    /// An instance cannot be built (`instances[i]`).
    case invalidInstance(index: Int, reason: String)
    /// Embree reported an error during `operation` (its RTCError code and message).
    case embreeFailure(operation: String, code: Int, message: String)

    /// The Debian package that provides the library at run time.
    public static let runtimePackage = "libembree3-3"

    public var description: String {
        switch self {
        case .libraryUnavailable(let reason):
            return "this scene has triangle meshes, which need Embree 3: install Debian's \(Self.runtimePackage) "
                + "(apt-get install \(Self.runtimePackage)); loading libembree3.so.3 failed: \(reason)"
        case .unsupportedLibrary(let reason):
            return "the installed Embree cannot be used (Debian's \(Self.runtimePackage), Embree 3, is expected): \(reason)"
        case .invalidMesh(let location, let name, let reason):
            return "mesh '\(name)' (\(location)): \(reason)"
        case .invalidInstance(let index, let reason):
            return "instances[\(index)]: \(reason)"
        case .embreeFailure(let operation, let code, let message):
            return "Embree failed to \(operation) (RTCError \(code))\(message.isEmpty ? "" : ": \(message)")"
        }
    }
}
