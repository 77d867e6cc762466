// EXRLayout: OpenEXR constants, channel naming and per-chunk layout shared by reader and writer.

/// The parts of the OpenEXR 2 file layout (single-part scanline images) this module uses.
enum EXRLayout {
    /// The four bytes every EXR file starts with (20000630 little-endian).
    static let magic: [UInt8] = [0x76, 0x2F, 0x31, 0x01]
    /// The file format version in the low byte of the version field.
    static let formatVersion: UInt32 = 2
    /// Version-field flag: the single part is tiled.
    static let tiledFlag: UInt32 = 0x200
    /// Version-field flag: attribute and channel names may be up to 255 bytes.
    static let longNamesFlag: UInt32 = 0x400
    /// Version-field flag: the file holds deep data.
    static let deepDataFlag: UInt32 = 0x800
    /// Version-field flag: the file has several parts.
    static let multipartFlag: UInt32 = 0x1000

    /// Channel names, in Bitmap channel order, for each supported channel count.
    static func channelNames(forChannelCount count: Int) -> [String]? {
        switch count {
        case 1: return ["Y"]
        case 2: return ["Y", "A"]
        case 3: return ["R", "G", "B"]
        case 4: return ["R", "G", "B", "A"]
        default: return nil
        }
    }

    /// The Bitmap channel order for a set of EXR channel names, if it is a supported set.
    static func bitmapChannelOrder(forNames names: [String]) -> [String]? {
        let sorted = names.sorted()
        for count in 1...4 {
            if let order = channelNames(forChannelCount: count), order.sorted() == sorted {
                return order
            }
        }
        return nil
    }
}

/// An EXR `compression` attribute value.
enum EXRCompressionCode: UInt8 {
    case none = 0, rle, zips, zip, piz, pxr24, b44, b44a, dwaa, dwab

    /// Scanlines per chunk for this compression.
    var linesPerChunk: Int {
        switch self {
        case .none, .rle, .zips: return 1
        case .zip, .pxr24: return 16
        case .piz, .b44, .b44a, .dwaa: return 32
        case .dwab: return 256
        }
    }

    /// The OpenEXR name, for error messages.
    var name: String {
        switch self {
        case .none: return "NO_COMPRESSION"
        case .rle: return "RLE_COMPRESSION"
        case .zips: return "ZIPS_COMPRESSION"
        case .zip: return "ZIP_COMPRESSION"
        case .piz: return "PIZ_COMPRESSION"
        case .pxr24: return "PXR24_COMPRESSION"
        case .b44: return "B44_COMPRESSION"
        case .b44a: return "B44A_COMPRESSION"
        case .dwaa: return "DWAA_COMPRESSION"
        case .dwab: return "DWAB_COMPRESSION"
        }
    }
}

/// An EXR channel sample type (`pixelType` in a `chlist` entry).
enum EXRSampleType: Int32 {
    case uint = 0, half = 1, float = 2

    /// Bytes per sample.
    var byteCount: Int { self == .half ? 2 : 4 }
}

/// One entry of an EXR `chlist` attribute (sampling is always 1 x 1 here).
struct EXRChannel: Equatable {
    var name: String
    var sampleType: EXRSampleType
}
