// Embree's answers in a PRB primal replay, kept so that the adjoint pass reads them instead of tracing again.
//
// PRB's adjoint pass replays the primal replay's paths with the same random numbers and the same arithmetic, so
// it casts the same rays, and Embree would give the same answers. In mesh scenes those queries were about half of
// the adjoint kernel's time. The log holds, per replayed sample and bounce below its depth capacity, the closest
// hit (t, u, v and the three ids) and the answer of the bounce's shadow ray: 28 bytes. Deeper bounces query
// Embree as before; a scene without instances logs no instance id, and where the geometry and primitive ids fit one
// word together they share it with the shadow ray's answer (16 bytes, `IdPacking`). Mitsuba traces again (PRB keeps no
// per-bounce state); the log trades that time for memory bounded by the capacity. Only symbolic path loops use it:
// a wavefront compacts its lanes, which moves them.
import Tracer

extension Scene {
    /// Bytes per sample that a PRB gradient render of this scene holds on top of `RenderMemory`'s estimate: its
    /// `ReplayHitLog` (0 when it keeps none).
    public var replayLogBytesPerSample: Int {
        guard let capacity = ReplayHitLog.depthCapacity(of: self), let meshes else { return 0 }
        return capacity * ReplayHitLog.bytesPerEntry(logsInstances: ReplayHitLog.logsInstances(meshes),
                                                     packsIds: ReplayHitLog.IdPacking(meshes.accelerator) != nil)
    }
}

/// The mesh queries of a primal replay's first bounces: written by the replay, read by its adjoint pass.
final class ReplayHitLog {
    /// Bounces logged at most: deeper ones are traced again (with an unlimited depth, most paths end before).
    static let maximumDepthCapacity = 8
    /// Bytes per sample and logged bounce: six words of hit (one fewer without instances) and one of shadow-ray
    /// answer, or, where the geometry and primitive ids share a word with that answer, four words in all.
    static func bytesPerEntry(logsInstances: Bool, packsIds: Bool) -> Int {
        packsIds ? 16 : logsInstances ? 28 : 24
    }

    /// A hit's geometry and primitive ids in one word, geometry << `primitiveBits` | primitive, a miss as
    /// `missWord`, and the top bit for the bounce's shadow ray (set when a mesh blocked it): possible where every id
    /// of a top-level mesh hit fits in 30 bits together (no curves, no instances, whose ids would need more). Why:
    /// the log is written by the replay and read by the adjoint; two words less per entry are a third less of that
    /// memory and traffic (`Tool gradient` sizes its passes by the log).
    struct IdPacking {
        /// A miss, its shadow-ray bit clear: above every pair of ids.
        static let missWord: UInt32 = 0x7FFF_FFFF
        static let occludedBit: UInt32 = 0x8000_0000

        let primitiveBits: UInt32

        init?(_ accelerator: EmbreeScene) {
            guard accelerator.curveCount == 0, accelerator.instanceCount == 0 else { return nil }
            self.init(meshCount: accelerator.meshCount, triangleCount: accelerator.triangleCount)
        }

        /// The packing for `meshCount` meshes of `triangleCount` triangles in all, nil where their ids need more
        /// than 30 bits together.
        init?(meshCount: Int, triangleCount: Int) {
            guard meshCount > 0, triangleCount > 0 else { return nil }
            // Bits for the largest id of each kind: a mesh's primitive ids are below the scene's triangle count.
            let geometryBits = Int.bitWidth - (meshCount - 1).leadingZeroBitCount
            let primitiveBits = Int.bitWidth - (triangleCount - 1).leadingZeroBitCount
            guard geometryBits + primitiveBits <= 30 else { return nil }
            self.primitiveBits = UInt32(primitiveBits)
        }

        /// The words of `hit`, shadow-ray bits clear.
        func word(_ hit: EmbreeHit) -> UInt32Array {
            select(hit.isHit, (hit.geometry << primitiveBits) | hit.primitive, UInt32Array(repeating: Self.missWord))
        }

        /// `word` with the shadow-ray bit set where `blocked`.
        func word(_ word: UInt32Array, blocked: BoolArray) -> UInt32Array {
            select(blocked, word | Self.occludedBit, word)
        }

        /// The geometry and primitive ids of `word`s, `UInt32.max` both for a miss.
        func ids(_ word: UInt32Array) -> (geometry: UInt32Array, primitive: UInt32Array) {
            let ids = word & ~Self.occludedBit
            let miss = ids .== Self.missWord
            let none = UInt32Array(repeating: .max)
            return (select(miss, none, ids >> primitiveBits),
                    select(miss, none, ids & ((1 << primitiveBits) - 1)))
        }

        /// Whether the shadow rays of `word`s were blocked.
        func isBlocked(_ word: UInt32Array) -> BoolArray { (word & Self.occludedBit) .!= 0 }
    }

    /// Whether hits on `meshes` can name an instance: in a scene without instances every hit's instance id is
    /// Embree's invalid id, so the log keeps none (its writes and reads are memory traffic).
    static func logsInstances(_ meshes: MeshGeometry) -> Bool { meshes.accelerator.instanceCount > 0 }

    /// Replayed samples (lanes of the adjoint pass).
    let laneCount: Int
    /// Bounces logged per sample.
    let depthCapacity: Int
    /// Whether every bounce a path can have is logged (a depth limit within the capacity): replaying lanes then
    /// never query Embree.
    let coversEveryBounce: Bool
    /// Entry `depth * laneCount + lane`: the closest mesh hit as `EmbreeScene.intersect` returned it.
    private var t, u, v: FloatArray
    /// Entry `depth * laneCount + lane`: the primitive id, or both ids as `packing` stores them.
    private var primitive: UInt32Array
    /// Entry `depth * laneCount + lane`: the geometry id; nil where `packing` keeps it with the primitive's.
    private var geometry: UInt32Array?
    private let packing: IdPacking?
    /// Entry `depth * laneCount + lane`: the hit's instance id; nil where the scene has no instances.
    private var instance: UInt32Array?
    /// Entry `depth * laneCount + lane`: 1 when the shadow ray of next event estimation was blocked by a mesh; nil
    /// where `packing` keeps that in the ids' word.
    private var occluded: UInt32Array?

    /// A log for `laneCount` replayed samples of `scene`, or nil where the scene's PRB adjoint would not use one:
    /// no meshes, a wavefront path loop, `IntegratorSettings.reusesReplayHits` off, or no bounce to log.
    init?(scene: Scene, laneCount: Int) {
        guard let capacity = Self.depthCapacity(of: scene), let meshes = scene.meshes else { return nil }
        let (entries, overflow) = laneCount.multipliedReportingOverflow(by: capacity)
        // Entries are indexed by 32-bit lanes.
        guard !overflow, entries <= Int(UInt32.max) else { return nil }
        self.laneCount = laneCount
        depthCapacity = capacity
        coversEveryBounce = scene.integrator.maxDepth > 0 && scene.integrator.maxDepth <= capacity
        // Left unfilled: the adjoint reads an entry only under the mask with which the replay wrote it (the same
        // paths, lanes and bounces), so no entry is read before it is written. Filling the 7 arrays (11 MB for the
        // Cornell box's optimisation) took 1.3 ms of each iteration, one thread writing while the other idled.
        // Buffers from the start (a frozen path loop names them as inputs before the loop is recorded).
        let context = TraceContext.current
        t = .empty(count: entries, context: context)
        u = .empty(count: entries, context: context)
        v = .empty(count: entries, context: context)
        primitive = .empty(count: entries, context: context)
        packing = IdPacking(meshes.accelerator)
        geometry = packing == nil ? .empty(count: entries, context: context) : nil
        instance = Self.logsInstances(meshes) ? .empty(count: entries, context: context) : nil
        occluded = packing == nil ? .empty(count: entries, context: context) : nil
        if Self.poisonsEntries {
            // A hit at NaN distance on geometry 0 (instance 0) with an out-of-range primitive, behind a blocked
            // shadow ray; packed, on an out-of-range geometry (every valid pair of ids is below 2^30).
            let word: UInt32 = packing == nil ? 0x7FFF_FFFF : IdPacking.occludedBit | 0x7FFF_FFFE
            let poison: [(Node?, UInt32)] = [(t.node, 0x7FC0_0000), (u.node, 0x7FC0_0000), (v.node, 0x7FC0_0000),
                                             (primitive.node, word), (geometry?.node, 0),
                                             (instance?.node, 0), (occluded?.node, 1)]
            for case let (node?, bits) in poison {
                node.storage!.fill(bits)
            }
        }
    }

    /// Tests set this to fill new logs with answers no query gives, so that an entry read before it is written
    /// changes the gradients.
    @TaskLocal static var poisonsEntries = false

    /// The log's arrays (the inputs a frozen replay writes into).
    var buffers: [Node] {
        [t.node, u.node, v.node, primitive.node] + [geometry?.node, instance?.node, occluded?.node].compactMap { $0 }
    }

    /// Bounces a log of `scene` holds per sample, nil when its gradient renders keep none.
    static func depthCapacity(of scene: Scene) -> Int? {
        let settings = scene.integrator
        guard scene.meshes != nil, settings.reusesReplayHits, settings.pathLoop == .symbolic, settings.maxDepth != 0,
              settings.kind != .direct else { return nil }
        return settings.maxDepth < 0 ? maximumDepthCapacity : min(settings.maxDepth, maximumDepthCapacity)
    }

    /// How a path loop uses the log: its lanes are the replayed samples, and `recording` writes the answers,
    /// otherwise they are read.
    struct Use {
        let log: ReplayHitLog
        let recording: Bool
    }

    /// One bounce's queries through the log, for a loop whose lanes are at `depth`: each lane's entry there, and
    /// whether it has one (bounces below the capacity).
    func bounce(_ use: Use, depth: UInt32Array) -> ReplayQueries {
        let index = depth * UInt32(laneCount) + UInt32Array.arange(depth.count)
        return ReplayQueries(log: self, index: index, covered: depth .< UInt32(depthCapacity),
                             recording: use.recording, recordedWord: RecordedWord())
    }

    /// Logs `hit`; returns the ids' word where the log packs one (for `recordOcclusion` to add its bit to).
    fileprivate func record(_ hit: EmbreeHit, at index: UInt32Array, mask: BoolArray) -> UInt32Array? {
        t.scatter(hit.t, at: index, mask: mask)
        u.scatter(hit.u, at: index, mask: mask)
        v.scatter(hit.v, at: index, mask: mask)
        let word = packing?.word(hit)
        primitive.scatter(word ?? hit.primitive, at: index, mask: mask)
        geometry?.scatter(hit.geometry, at: index, mask: mask)
        instance?.scatter(hit.instance, at: index, mask: mask)
        return word
    }

    /// The logged hits of the lanes `mask`, as `EmbreeScene.intersect` returned them (misses elsewhere).
    fileprivate func hit(at index: UInt32Array, mask: BoolArray) -> EmbreeHit {
        let none = UInt32Array(repeating: .max)
        let ids = packing.map { $0.ids(primitive.gather(index, mask: mask)) }
        let geometry = select(mask, ids?.geometry ?? geometry!.gather(index, mask: mask), none)
        let isHit = mask & (geometry .!= UInt32.max)
        return EmbreeHit(t: select(isHit, t.gather(index, mask: mask), FloatArray(repeating: .infinity)),
                         u: u.gather(index, mask: mask), v: v.gather(index, mask: mask),
                         primitive: select(isHit, ids?.primitive ?? primitive.gather(index, mask: mask), none),
                         geometry: select(isHit, geometry, none),
                         instance: instance.map { select(isHit, $0.gather(index, mask: mask), none) }
                             ?? UInt32Array(repeating: .max, count: index.count),
                         isHit: isHit)
    }

    /// Logs the shadow rays' answers: in their own array, or as the bit of the ids' `word` that this bounce's
    /// `record` wrote (a shadow ray leaves from a hit of its bounce, so its lane wrote one).
    fileprivate func recordOcclusion(_ blocked: BoolArray, at index: UInt32Array, mask: BoolArray, word: UInt32Array?) {
        if let packing {
            guard let word else { preconditionFailure("ReplayHitLog: a shadow ray logged before its bounce's hit") }
            primitive.scatter(packing.word(word, blocked: blocked), at: index, mask: mask)
        } else {
            occluded!.scatter(UInt32Array(blocked), at: index, mask: mask)
        }
    }

    fileprivate func occlusion(at index: UInt32Array, mask: BoolArray) -> BoolArray {
        if let packing { return mask & packing.isBlocked(primitive.gather(index, mask: mask)) }
        return mask & (occluded!.gather(index, mask: mask) .!= 0)
    }
}

/// The ids' word a bounce's hit was logged with, kept for the bounce's shadow ray (`ReplayHitLog.recordOcclusion`).
final class RecordedWord {
    var word: UInt32Array?
}

/// The mesh queries of one bounce of a path loop that logs or replays them (`ReplayHitLog`).
struct ReplayQueries {
    let log: ReplayHitLog
    /// Each lane's entry at this bounce, and whether it has one (deeper bounces have none).
    let index: UInt32Array
    let covered: BoolArray
    let recording: Bool
    /// What this bounce's `intersect` logged, when recording into a log that packs ids.
    let recordedWord: RecordedWord

    /// The closest mesh hit of each active ray: Embree's, logged for covered lanes when recording; the logged one
    /// for covered lanes when replaying, Embree's for the others.
    func intersect(_ meshes: MeshGeometry, _ ray: RayArray, active: BoolArray) -> EmbreeHit {
        let logged = active & covered
        if recording {
            let hit = meshes.intersect(ray, active: active)
            recordedWord.word = log.record(hit, at: index, mask: logged)
            return hit
        }
        let replayed = log.hit(at: index, mask: logged)
        if log.coversEveryBounce { return replayed }
        return select(logged, replayed, meshes.intersect(ray, active: active & !covered))
    }

    /// Whether a mesh blocks each active shadow ray, logged and replayed as `intersect`'s hits are.
    func isOccluded(_ meshes: MeshGeometry, _ ray: RayArray, active: BoolArray) -> BoolArray {
        let logged = active & covered
        if recording {
            let blocked = meshes.isOccluded(ray, active: active)
            log.recordOcclusion(blocked, at: index, mask: logged, word: recordedWord.word)
            return blocked
        }
        let replayed = log.occlusion(at: index, mask: logged)
        if log.coversEveryBounce { return replayed }
        return replayed | meshes.isOccluded(ray, active: active & !covered)
    }
}
