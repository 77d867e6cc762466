// swift-tools-version: 6.1
// An example program that embeds Refract as a library: it loads a Mitsuba 3 scene file, renders it and writes
// an EXR. Built and run by Refract's tests (Tests/ToolTests/EmbeddingExampleTests.swift).
import PackageDescription

let package = Package(
    name: "RenderScene",
    dependencies: [.package(name: "Refract", path: "../..")],
    targets: [
        .executableTarget(
            name: "RenderScene",
            dependencies: [.product(name: "Integrators", package: "Refract"), .product(name: "Tracer", package: "Refract")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
