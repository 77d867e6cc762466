// swift-tools-version: 6.1
// Refract's libFuzzer harness: one executable that fuzzes any reader of FuzzTargets; built and run by scripts/fuzz.sh.
import PackageDescription

let package = Package(
    name: "RefractFuzz",
    dependencies: [.package(name: "Refract", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "refract-fuzz",
            dependencies: ["FuzzDriver", .product(name: "FuzzTargets", package: "Refract")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
