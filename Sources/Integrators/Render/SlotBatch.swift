// The layout of a batched parameter value in a render's wavefront: which lanes read which value.
import Tracer

/// The layout of a batched parameter value: `images` values, read by consecutive runs of `lanesPerImage` lanes.
/// A wavefront may hold the batch more than once (the image's samples, then the replay's): image i reads value
/// i mod `images`.
struct SlotBatch {
    var images: Int
    var lanesPerImage: Int

    /// The image of each of `lanes` lanes in their original places: lane l belongs to image ⌊l / lanesPerImage⌋.
    func originalLaneImages(lanes: Int) -> Int32Array {
        Int32Array.arange(lanes) / Int32(lanesPerImage)
    }

    /// The value that each lane's image reads.
    func valueIndex(ofImage image: Int32Array) -> Int32Array {
        image - image / Int32(images) * Int32(images)
    }
}
