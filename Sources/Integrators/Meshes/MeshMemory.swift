// Memory estimates for meshes, so that a mesh that cannot fit is refused before anything is allocated.
import Foundation

/// What loading and tracing meshes takes, estimated from what is known before the work starts.
enum MeshMemory {
    /// Upper estimates of the bytes a loaded mesh takes per byte of its file, by format: text formats spell each
    /// number in at least 2 bytes and each face in at least 6 (a 4-byte float or index each, plus computed normals
    /// and the OBJ loader's vertex deduplication tables); binary PLY stores the same numbers the mesh holds (plus
    /// computed normals); serialized files are zlib-compressed (meshes compress about 2-4x).
    static func bytesPerFileByte(_ format: MeshFormat) -> Int {
        switch format {
        case .obj, .asciiPLY: return 4
        case .binaryPLY: return 2
        case .serialized: return 8
        }
    }

    enum MeshFormat { case obj, asciiPLY, binaryPLY, serialized }

    /// Throws when loading a `fileBytes`-byte mesh file of `format` would take more than `limit` bytes.
    static func check(fileBytes: Int, format: MeshFormat, limit: Int?, fileName: String) throws {
        guard let limit else { return }
        let (estimate, overflow) = fileBytes.multipliedReportingOverflow(by: bytesPerFileByte(format))
        guard overflow || estimate > limit else { return }
        throw MeshLoadError(fileName: fileName, reason: "loading it would take about "
                            + (overflow ? "more than 2^63 bytes" : RenderMemory.gibibytes(estimate))
                            + " (a \(RenderMemory.gibibytes(fileBytes)) file), more than the memory limit of "
                            + "\(RenderMemory.gibibytes(limit)); raise the limit (--memory-limit) or simplify the mesh")
    }

    /// Bytes of the traced buffers and of Embree's copy and BVH for `vertices` vertices and `triangles` triangles:
    /// positions, normals and uv (32 bytes a vertex) and indices (12 a triangle) twice, and Embree's high-quality
    /// BVH at about 64 bytes a triangle.
    static func tracingBytes(vertices: Int, triangles: Int) -> Int {
        2 * (32 * vertices + 12 * triangles) + 64 * triangles
    }
}
