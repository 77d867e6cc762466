// Embree 3 opened once per process at run time: its functions and the one device every scene is built on.
import CEmbree
import Foundation

/// Embree 3 (Debian's libembree3), opened with `dlopen` the first time a scene needs it, so that Refract builds and
/// runs without it as long as no scene has triangle meshes. One device serves the whole process, as in Mitsuba.
public final class EmbreeLibrary: @unchecked Sendable {
    // Sendable: every stored property is set once in `init`; Embree's device is thread-safe for building scenes
    // and tracing rays.

    /// The library, opened on first use; throws `EmbreeError` (the same one every time) when it cannot be used.
    public static func shared() throws -> EmbreeLibrary { try loaded.get() }

    /// Whether Embree 3 can be used in this process (opens it if that has not been tried yet).
    public static var isAvailable: Bool { (try? loaded.get()) != nil }

    // A static let is initialised once, thread-safely, on first access: one dlopen and one device per process.
    private static let loaded = Result { () throws(EmbreeError) in try EmbreeLibrary() }

    /// The library's version, e.g. "3.13.5".
    public let version: String
    /// Every Embree function Refract calls.
    let api: RefractEmbreeAPI
    /// The process's device; never released, since compiled kernels and scenes may outlive any owner.
    let device: RTCDevice

    private init() throws(EmbreeError) {
        var api = RefractEmbreeAPI()
        var message = [CChar](repeating: 0, count: 1024)
        guard refract_embree_load(&api, &message, message.count) == 0 else {
            throw EmbreeError.libraryUnavailable(reason: String(cString: message))
        }
        // Mitsuba asks for as many build threads as its own pool has; ours are all the cores. Embree starts them
        // lazily, at the first commit.
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard let device = api.newDevice("threads=\(threads)") else {
            let code = api.getDeviceError(nil as RTCDevice?)
            throw EmbreeError.unsupportedLibrary(reason: "rtcNewDevice failed (RTCError \(code.rawValue))")
        }
        api.setDeviceErrorFunction(device, refract_embree_record_error, nil as UnsafeMutableRawPointer?)
        api.setDeviceMemoryMonitorFunction(device, refract_embree_count_memory, nil as UnsafeMutableRawPointer?)
        let major = api.getDeviceProperty(device, RTC_DEVICE_PROPERTY_VERSION_MAJOR)
        let minor = api.getDeviceProperty(device, RTC_DEVICE_PROPERTY_VERSION_MINOR)
        let patch = api.getDeviceProperty(device, RTC_DEVICE_PROPERTY_VERSION_PATCH)
        let version = "\(major).\(minor).\(patch)"
        // The layouts in EmbreeABI.h are Embree 3's; a build that culls back faces would miss hits Mitsuba reports.
        let problem: String? = if major != 3 {
            "version \(version) is not Embree 3"
        } else if api.getDeviceProperty(device, RTC_DEVICE_PROPERTY_TRIANGLE_GEOMETRY_SUPPORTED) == 0 {
            "Embree \(version) was built without triangle geometry"
        } else if api.getDeviceProperty(device, RTC_DEVICE_PROPERTY_BACKFACE_CULLING_ENABLED) != 0 {
            "Embree \(version) was built with back-face culling"
        } else {
            nil
        }
        if let problem {
            api.releaseDevice(device)
            throw EmbreeError.unsupportedLibrary(reason: problem)
        }
        self.api = api
        self.device = device
        self.version = version
    }

    /// The bytes Embree holds now, over all scenes of the process: its copies of the meshes and its BVHs, as its
    /// memory monitor reports them (what `Tool info --scene` and the scale benchmark show per triangle).
    public var allocatedBytes: Int { Int(refract_embree_allocated_bytes()) }

    /// Throws the error Embree reported on this thread since the last check, if any.
    func check(_ operation: @autoclosure () -> String) throws {
        var message = [CChar](repeating: 0, count: 512)
        var code = refract_embree_take_error(&message, message.count)
        // The callback may not have run (an error before it was set); the device's own record still has the code.
        if code == RTC_ERROR_NONE { code = api.getDeviceError(device) }
        guard code != RTC_ERROR_NONE else { return }
        throw EmbreeError.embreeFailure(operation: operation(), code: Int(code.rawValue),
                                        message: String(cString: message))
    }
}
