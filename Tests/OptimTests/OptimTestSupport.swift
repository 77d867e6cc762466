// Helpers shared by the Optim tests: a fresh trace context per test, tolerant comparisons, fixture paths.

import Foundation
import Testing
import Tracer

/// Runs `body` in a fresh trace context (its own statistics and kernel counters).
func inFreshContext<Result>(_ variant: Variant = .llvm, _ body: () throws -> Result) rethrows -> Result {
    try TraceContext.with(CompileOptions(variant: variant), body)
}

/// True when every pair differs by at most `tolerance` times max(1, |expected|).
func close(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5) -> Bool {
    actual.count == expected.count
        && zip(actual, expected).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
}

/// Double-precision version of `close`.
func close(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-5) -> Bool {
    actual.count == expected.count
        && zip(actual, expected).allSatisfy { Swift.abs(Double($0) - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
}

/// A file under Tests/OptimTests/Fixtures.
func fixture(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
}

/// A new empty directory for files a test writes; removed by the caller with `removeDirectory`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("OptimTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
