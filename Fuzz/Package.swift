// swift-tools-version: 6.1
// Refract's libFuzzer harnesses, one executable per reader of a user's file; built and run by scripts/fuzz.sh.
import PackageDescription

/// The readers, named as in `FuzzTargets.all` and the corpus folders.
let readers = ["scene_xml", "exr", "png", "jpeg", "npy", "safetensors"]

let package = Package(
    name: "RefractFuzz",
    dependencies: [.package(name: "Refract", path: "..")],
    targets: [.target(name: "FuzzDriver")] + readers.map { name in
        .executableTarget(
            name: "fuzz_\(name)",
            dependencies: ["FuzzDriver", .product(name: "FuzzTargets", package: "Refract")]
        )
    },
    swiftLanguageModes: [.v5]
)
