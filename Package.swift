// swift-tools-version: 6.1
// Refract: a differentiable renderer and tracing JIT for the CPU.
import PackageDescription
import Foundation

/// Asks `llvm-config` (or the one named by LLVM_CONFIG) how to compile against and link the LLVM C API.
func llvmConfig(_ arguments: [String]) -> [String] {
    let tool = ProcessInfo.processInfo.environment["LLVM_CONFIG"] ?? "llvm-config"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return [] }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return [] }
    return String(decoding: data, as: UTF8.self)
        .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
}

let llvmIncludeDirectory = llvmConfig(["--includedir"]).first ?? "/usr/lib/llvm-14/include"
let llvmLibraryDirectory = llvmConfig(["--libdir"]).first ?? "/usr/lib/llvm-14/lib"
let llvmLibraries = llvmConfig(["--link-shared", "--libs"]) + llvmConfig(["--link-shared", "--system-libs"])
let llvmLinkFlags = ["-L\(llvmLibraryDirectory)", "-Xlinker", "-rpath", "-Xlinker", llvmLibraryDirectory]
    + (llvmLibraries.isEmpty ? ["-lLLVM"] : llvmLibraries)

let package = Package(
    name: "Refract",
    products: [
        .library(name: "RefractSupport", targets: ["RefractSupport"]),
        .library(name: "Tracer", targets: ["Tracer"]),
        .library(name: "Integrators", targets: ["Integrators"]),
        .library(name: "Optim", targets: ["Optim"]),
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
        .executable(name: "Tool", targets: ["Tool"]),
        .executable(name: "Benchmarks", targets: ["Benchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        .target(
            name: "CLLVM",
            cSettings: [.unsafeFlags(["-I\(llvmIncludeDirectory)"])],
            linkerSettings: [.unsafeFlags(llvmLinkFlags)]
        ),
        // Atomic file writes and the seeded host random number generator: what every other target uses and that
        // needs nothing itself.
        .target(name: "RefractSupport"),
        .target(
            name: "Tracer",
            dependencies: ["CLLVM", "RefractSupport"],
            swiftSettings: [.unsafeFlags(["-I\(llvmIncludeDirectory)"])]
        ),
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        // Embree 3 is declared by our own header and opened with dlopen at run time, so nothing links it: the
        // package builds, and scenes without triangle meshes render, where it is not installed.
        .target(name: "CEmbree"),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        .target(name: "Integrators", dependencies: ["Tracer", "RefractSupport", "CImageCodecs", "CEmbree"]),
        .target(name: "Optim", dependencies: ["Tracer", "RefractSupport"]),
        .target(name: "Tutorial", dependencies: ["Tracer", "Integrators", "Optim"]),
        .target(name: "FuzzTargets", dependencies: ["Integrators", "Optim"]),
        .executableTarget(
            name: "Tool",
            dependencies: ["Tracer", "RefractSupport", "Integrators", "Optim", "Tutorial", "CFreeType",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "Benchmarks", dependencies: ["Tracer", "RefractSupport", "Integrators", "Optim", "Tutorial"]),
        .testTarget(
            name: "TracerTests",
            dependencies: ["Tracer", "CLLVM", "RefractSupport", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "IntegratorsTests", dependencies: ["Integrators", "RefractSupport", "Tutorial"], exclude: ["Fixtures"]),
        .testTarget(name: "ToolTests", dependencies: ["Tool", "Optim", "Integrators", "Tutorial"]),
        .testTarget(name: "TutorialTests", dependencies: ["Tutorial", "Integrators", "Tracer"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim", "RefractSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "Integrators", "Optim"]),
    ],
    swiftLanguageModes: [.v5]
)
