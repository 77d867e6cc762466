// The identity of a render job: what every shard of one job must share for their partial films to merge.
import ArgumentParser
import Foundation
import Integrators
import Tracer

/// A SHA-256 over everything that decides a render's samples: the scene's files (contents, named relative to the
/// scene file, so that machines with other mount points agree), the `-D` values, the tutorial's resolution and
/// texture, the seed, the samples per pixel, the shard count, the film size and Refract's version.
struct JobIdentity {
    /// The hash, 64 hex digits.
    let hash: String

    init(sceneOptions: SceneOptions, scene: Scene, samplesPerPixel spp: Int, seed: UInt32, shardCount: Int) throws {
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(Array("\(text.utf8.count):\(text)".utf8)) }
        func addFile(_ url: URL, as name: String) throws {
            add(name)
            do {
                let data = try Data(contentsOf: url, options: .mappedIfSafe)
                add(String(data.count))
                data.withUnsafeBytes { hasher.update($0) }
            } catch {
                throw ValidationError("cannot read \(url.path) to identify the job: \(error.localizedDescription)")
            }
        }
        add("refract-job-1")
        add(BuildIdentity.version)
        if sceneOptions.scene == "tutorial" {
            add("tutorial \(sceneOptions.res ?? 128)")
            if let texture = sceneOptions.texture { try addFile(URL(fileURLWithPath: texture), as: "texture") }
        } else {
            let document = try SceneDocument(contentsOf: URL(fileURLWithPath: sceneOptions.scene),
                                             overrides: sceneOptions.overrides())
            let directory = document.directory.path + "/"
            for file in document.referencedFiles {
                let name = file.path.hasPrefix(directory) ? String(file.path.dropFirst(directory.count)) : file.path
                try addFile(file, as: name)
            }
            for (name, value) in try sceneOptions.overrides().sorted(by: { $0.key < $1.key }) { add("-D \(name)=\(value)") }
        }
        let film = scene.sensor.film
        add("film \(film.width)x\(film.height) \(film.filter)")
        if film.isCropped {
            add("crop of \(film.fullWidth)x\(film.fullHeight) at \(film.cropOffsetX),\(film.cropOffsetY)")
        }
        add("spp \(spp) seed \(seed) shards \(shardCount)")
        hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
