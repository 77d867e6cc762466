// What one render binds to the scene's parameter slots: the values its lookups read, the layout of batched ones
// and, in a compacted wavefront, the image of each lane.
//
// A render makes its bindings when it starts (`Scene.render`) and passes them down the path loop (`PathTracer`,
// `PathVertex.trace`, `Scene+Materials`, `Scene+Emitters`, the PRB adjoint) to every BSDF, texture and emitter
// lookup, which reads `value(of:)` instead of the slot. Nothing in the scene changes while it renders, so renders of
// one scene (a batched one and a plain one, say) can be recorded interleaved, and the backward of a render
// differentiates the values that render used whatever the slots hold by then.
import Tracer

/// The parameter values one render reads, keyed by slot identity, with the batch layout of batched slots.
public struct RenderBindings {
    /// A slot's bound value (retaining the slot, so that its identity stays unique while the bindings live).
    private struct Entry {
        var slot: ParameterSlot
        var value: FloatArray
        var batch: SlotBatch?
        /// In a wavefront whose lanes moved (a compaction): the image of each lane. Nil: lane l is in its original
        /// place, image ⌊l / lanesPerImage⌋.
        var laneImages: Int32Array?
    }

    private var entries: [ObjectIdentifier: Entry] = [:]
    /// The batched slots, in the order in which `originalLaneImages(lanes:)` lists their lane images.
    private var batched: [ObjectIdentifier] = []

    /// Bindings that bind nothing: every lookup reads its slot's user-set value (a plugin evaluated outside a
    /// render).
    public init() {}

    /// A snapshot of every slot's current value: what a render starting now reads.
    init(snapshotOf slots: [ParameterSlot]) {
        for slot in slots { entries[ObjectIdentifier(slot)] = Entry(slot: slot, value: slot.value) }
    }

    /// The value lookups of `slot` read: the bound one, or the slot's own when it is not bound.
    public func value(of slot: ParameterSlot) -> FloatArray {
        entries[ObjectIdentifier(slot)]?.value ?? slot.value
    }

    /// Whether some slot is bound to a batch of values.
    var isBatched: Bool { !batched.isEmpty }

    /// Binds `values` (one value per image, one after another) to `slot`, read by the lanes of each image as
    /// `batch` lays them out.
    mutating func bind(_ slot: ParameterSlot, batchOf values: FloatArray, layout batch: SlotBatch) {
        let key = ObjectIdentifier(slot)
        entries[key] = Entry(slot: slot, value: values, batch: batch)
        if !batched.contains(key) { batched.append(key) }
    }

    /// The same bindings with `values[i]` bound to `slots[i]` (the PRB backward's fresh leaves), batch layouts kept.
    func replacingValues(of slots: [ParameterSlot], with values: [FloatArray]) -> RenderBindings {
        var result = self
        for (slot, value) in zip(slots, values) {
            let key = ObjectIdentifier(slot)
            if result.entries[key] != nil {
                result.entries[key]!.value = value
            } else {
                result.entries[key] = Entry(slot: slot, value: value)
            }
        }
        return result
    }

    /// Per lane of a wavefront of `lanes` lanes: the offset of its image's value in `value(of: slot)`; nil when
    /// `slot` is not batched.
    func batchOffsets(of slot: ParameterSlot, lanes: Int) -> Int32Array? {
        guard let entry = entries[ObjectIdentifier(slot)], let batch = entry.batch else { return nil }
        let elements = Int32(slot.elementCount)
        if let laneImages = entry.laneImages {
            precondition(lanes == laneImages.count,
                         "RenderBindings: a lookup over \(lanes) lanes in a compacted batch of \(laneImages.count) lanes")
            return batch.valueIndex(ofImage: laneImages) * elements
        }
        precondition(lanes % (batch.images * batch.lanesPerImage) == 0,
                     "RenderBindings: a lookup over \(lanes) lanes in a batch of \(batch.images) x \(batch.lanesPerImage)")
        return batch.valueIndex(ofImage: batch.originalLaneImages(lanes: lanes)) * elements
    }

    /// For a new wavefront of `lanes` lanes: the image of each lane, per batched slot (lane l belongs to image
    /// ⌊l / lanesPerImage⌋). A wavefront loop keeps them with its arrays, compacts them with the rest and binds
    /// them with `placingLanes(_:)` before recording a bounce.
    func originalLaneImages(lanes: Int) -> [Int32Array] {
        batched.map { entries[$0]!.batch!.originalLaneImages(lanes: lanes) }
    }

    /// The same bindings for a wavefront whose lanes belong to the images `laneImages` (one array per batched slot,
    /// as `originalLaneImages(lanes:)` lists them, possibly compacted since).
    func placingLanes(_ laneImages: [Int32Array]) -> RenderBindings {
        var result = self
        for (key, images) in zip(batched, laneImages) { result.entries[key]!.laneImages = images }
        return result
    }
}
