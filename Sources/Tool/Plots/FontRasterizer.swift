// Text for PNG figures: glyphs rasterised by FreeType from a TrueType font (DejaVu Sans, Debian's fonts-dejavu-core).
import CFreeType
import Foundation

/// A TrueType font opened with FreeType, drawing anti-aliased text into a `Canvas`.
final class FontRasterizer {
    /// The font files tried in order; then any TrueType file under /usr/share/fonts.
    static let preferredFonts = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                 "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"]

    private var library: FT_Library?
    private var face: FT_Face?
    /// The font file in use.
    let path: String

    /// Opens the first font found. Throws when there is none or FreeType cannot read it.
    init() throws {
        guard let path = Self.findFont() else {
            throw FontError("no TrueType font found for the figures' text (install Debian's fonts-dejavu-core)")
        }
        self.path = path
        guard FT_Init_FreeType(&library) == 0 else { throw FontError("FreeType could not start") }
        guard FT_New_Face(library, path, 0, &face) == 0 else {
            FT_Done_FreeType(library)
            throw FontError("FreeType cannot read the font \(path)")
        }
    }

    deinit {
        FT_Done_Face(face)
        FT_Done_FreeType(library)
    }

    /// The width in pixels of `text` at `size` pixels.
    func width(of text: String, size: Int) -> Int {
        var width = 0
        forEachGlyph(text, size: size) { glyph, _ in width += Int(glyph.pointee.advance.x >> 6) }
        return width
    }

    /// Draws `text` at `size` pixels with its baseline at `y`, starting at `x`, centred on it or ending at it.
    func draw(_ text: String, size: Int, x: Int, y: Int, anchor: TextAnchor = .start,
              color: Canvas.Color = Canvas.black, on canvas: inout Canvas) {
        let total = width(of: text, size: size)
        var penX = anchor == .start ? x : anchor == .middle ? x - total / 2 : x - total
        forEachGlyph(text, size: size) { glyph, bitmap in
            let left = penX + Int(glyph.pointee.bitmap_left)
            let top = y - Int(glyph.pointee.bitmap_top)
            for row in 0..<Int(bitmap.rows) {
                for column in 0..<Int(bitmap.width) {
                    let coverage = bitmap.buffer[row * Int(bitmap.pitch) + column]
                    if coverage > 0 { canvas.blend(x: left + column, y: top + row, color, alpha: Float(coverage) / 255) }
                }
            }
            penX += Int(glyph.pointee.advance.x >> 6)
        }
    }

    /// Calls `body` with each rendered glyph of `text` (characters the font lacks are skipped).
    private func forEachGlyph(_ text: String, size: Int, _ body: (FT_GlyphSlot, FT_Bitmap) -> Void) {
        guard let face else { return }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        for scalar in text.unicodeScalars {
            guard FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0,
                  let glyph = face.pointee.glyph else { continue }
            body(glyph, glyph.pointee.bitmap)
        }
    }

    private static func findFont() -> String? {
        if let path = preferredFonts.first(where: FileManager.default.fileExists(atPath:)) { return path }
        let fonts = FileManager.default.enumerator(atPath: "/usr/share/fonts")
        while let name = fonts?.nextObject() as? String {
            if name.lowercased().hasSuffix(".ttf") { return "/usr/share/fonts/" + name }
        }
        return nil
    }
}

/// Where a text's anchor point is: its start, its middle or its end.
enum TextAnchor {
    case start, middle, end
}

/// A font that cannot be found or read.
struct FontError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
