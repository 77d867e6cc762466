// swift-tools-version: 6.1
// Example programs that embed Refract as a library (a separate package that depends on Refract by path):
// RenderScene renders a Mitsuba 3 scene file to an EXR; InverseRendering recovers a scene parameter with Adam.
// Both are built and run by Refract's tests (Tests/ToolTests/EmbeddingExampleTests.swift).
import PackageDescription

let package = Package(
    name: "RefractExamples",
    dependencies: [.package(name: "Refract", path: "..")],
    targets: [
        .executableTarget(
            name: "RenderScene",
            dependencies: [.product(name: "Integrators", package: "Refract"), .product(name: "Tracer", package: "Refract")],
            path: "RenderScene"
        ),
        .executableTarget(
            name: "InverseRendering",
            dependencies: [.product(name: "Integrators", package: "Refract"), .product(name: "Optim", package: "Refract"),
                           .product(name: "Tracer", package: "Refract")],
            path: "InverseRendering",
            exclude: ["Scenes"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
