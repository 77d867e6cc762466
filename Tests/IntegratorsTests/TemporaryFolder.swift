// A fresh folder under the system's temporary directory for a test's files, removed when the test is done.
import Foundation

/// Runs `body` with a new empty folder named `refract-PREFIX-UUID`, and removes the folder afterwards.
func withTemporaryFolder<T>(_ prefix: String, _ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("refract-\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}
