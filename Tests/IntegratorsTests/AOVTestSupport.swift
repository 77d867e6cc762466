// Looking up an AOV image's channels by name in tests.
import Testing

@testable import Integrators

extension AOVImage {
    /// The position of channel `name` ("pp.X", "si.I", ...) among `channels`; records an issue naming the channels
    /// there are when it is missing.
    func channelIndex(_ name: String) throws -> Int {
        try #require(channels.firstIndex(of: name), "\(channels)")
    }
}
