// A minimal DOM for scene files, built with Foundation's XMLParser, keeping line numbers.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element of a scene file.
final class XMLElementNode {
    var name: String
    var attributes: [String: String]
    /// Attribute names in the order first seen in the source (XMLParser hands a dictionary).
    var attributeOrder: [String]
    let location: SourceLocation
    var children: [XMLElementNode] = []
    /// Non-whitespace character data directly inside the element (an error for scene files).
    var text: String = ""

    init(name: String, attributes: [String: String], attributeOrder: [String], location: SourceLocation) {
        self.name = name
        self.attributes = attributes
        self.attributeOrder = attributeOrder
        self.location = location
    }
}

/// Parses XML data into `XMLElementNode`s; malformed XML becomes a `SceneError` with the line.
final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    private let path: String
    private let bytes: [UInt8]
    /// Byte offset of the start of each line (line n starts at lineStarts[n - 1]).
    private let lineStarts: [Int]
    private var stack: [XMLElementNode] = []
    private var root: XMLElementNode?
    private var failure: SceneError?

    private init(data: Data, path: String) {
        self.path = path
        self.bytes = [UInt8](data)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// Parses `data` (the contents of `path`) and returns the root element.
    static func parse(data: Data, path: String) throws -> XMLElementNode {
        if let refusal = encodingRefusal([UInt8](data.prefix(4096))) ?? instructionRefusal(data) {
            throw SceneError("malformed XML: \(refusal) (scene files are UTF-8)",
                             at: SourceLocation(path: path, line: 1))
        }
        let builder = XMLTreeBuilder(data: data, path: path)
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let failure = builder.failure { throw failure }
        if !ok || builder.root == nil {
            let code = (parser.parserError as NSError?)?.code ?? 4
            throw SceneError(
                "malformed XML: \(XMLTreeBuilder.message(forCode: code)) (libxml2 error \(code))",
                at: SourceLocation(path: path, line: max(parser.lineNumber, 1)))
        }
        return builder.root!
    }

    /// Why `head` (the file's first bytes) is refused before libxml2 sees it, or nil. Scene files are UTF-8; any
    /// other encoding, declared or guessed from the first bytes (UTF-16/32, EBCDIC), makes libxml2's push parser
    /// (under XMLParser) switch decoders through iconv, and that crashed on fuzzed files ("utf-32", "ebcdic-us"
    /// declarations: a null dereference in xmlParseChunk). ASCII is UTF-8, so it is accepted.
    static func encodingRefusal(_ head: [UInt8]) -> String? {
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.prefix(4).contains(0) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
            || bytes.starts(with: [0x4C, 0x6F, 0xA7, 0x94]) {
            return "the file is not UTF-8 (UTF-16, UTF-32 or EBCDIC)"
        }
        // "<?xml" and a space open the declaration ("<?xml-stylesheet" is another processing instruction).
        guard bytes.starts(with: Array("<?xml".utf8)), bytes.count > 5,
              [0x20, 0x09, 0x0D, 0x0A].contains(bytes[bytes.startIndex + 5]) else { return nil }
        // The declaration runs to its "?>" (or to the end of what was read, which libxml2 then refuses anyway).
        let text = String(decoding: bytes, as: UTF8.self)
        let declaration = text.range(of: "?>").map { text[..<$0.lowerBound] } ?? text[...]
        guard let keyword = declaration.range(of: "encoding") else { return nil }
        var rest = declaration[keyword.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard rest.first == "=" else { return "malformed encoding declaration" }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let quote = rest.first, quote == "\"" || quote == "'",
              let end = rest.dropFirst().firstIndex(of: quote) else { return "malformed encoding declaration" }
        let name = rest[rest.index(after: rest.startIndex)..<end]
        let accepted = ["utf-8", "utf8", "us-ascii", "ascii"]
        return accepted.contains(name.lowercased()) ? nil : "unsupported encoding '\(name)' in the XML declaration"
    }

    /// Why `data` is refused for a processing instruction with a target and no data (`<?name?>`), or nil:
    /// libxml2 hands XMLParser a null pointer for its data and XMLParser calls strlen on it (found by fuzzing).
    /// The scan flags every such instruction and, harmlessly, the same text inside comments or CDATA.
    static func instructionRefusal(_ data: Data) -> String? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> String? in
            var i = 0
            while i + 1 < bytes.count {
                guard bytes[i] == 0x3C, bytes[i + 1] == 0x3F else { i += 1; continue }  // "<?"
                var end = i + 2
                // The target runs to a space, '?', '>', '<' or the end (libxml2's names stop there or earlier).
                while end < bytes.count, ![0x20, 0x09, 0x0D, 0x0A, 0x3F, 0x3E, 0x3C].contains(bytes[end]) { end += 1 }
                if end > i + 2, end + 1 < bytes.count, bytes[end] == 0x3F, bytes[end + 1] == 0x3E {
                    let target = String(decoding: bytes[(i + 2)..<end], as: UTF8.self)
                    return "processing instruction <?\(target)?> has no data"
                }
                i = end
            }
            return nil
        }
    }

    /// The byte offset and line of the `<` that opens the start tag ending at (line, column) as
    /// reported by the parser (libxml2 reports the position of the tag's end).
    private func tagStart(reportedLine line: Int, column: Int) -> (offset: Int?, line: Int) {
        guard line >= 1, line <= lineStarts.count, !bytes.isEmpty else { return (nil, max(line, 1)) }
        // Walk `column - 1` characters (UTF-8 scalars) into the reported line.
        var offset = lineStarts[line - 1]
        var remaining = max(column - 1, 0)
        while remaining > 0, offset < bytes.count, bytes[offset] != 0x0A {
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        offset = min(offset, bytes.count - 1)
        while offset >= 0, bytes[offset] != 0x3C { offset -= 1 }  // '<'
        guard offset >= 0 else { return (nil, line) }
        // Binary search the line containing `offset`.
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (offset, lo + 1)
    }

    /// The order in which attribute names appear in the start tag at `offset` (best effort).
    private func attributeOrder(_ attributes: [String: String], tagOffset: Int?) -> [String] {
        guard attributes.count > 1, let start = tagOffset else { return attributes.keys.sorted() }
        var end = start
        while end < bytes.count, bytes[end] != 0x3E { end += 1 }  // '>'
        let tag = String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
        func position(_ key: String) -> Int {
            for separator in [" ", "\t", "\n", "\r"] {
                if let r = tag.range(of: separator + key + "=") {
                    return tag.distance(from: tag.startIndex, to: r.lowerBound)
                }
            }
            return Int.max
        }
        return attributes.keys.sorted { (position($0), $0) < (position($1), $1) }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        let start = tagStart(reportedLine: parser.lineNumber, column: parser.columnNumber)
        let node = XMLElementNode(
            name: elementName, attributes: attributeDict,
            attributeOrder: attributeOrder(attributeDict, tagOffset: start.offset),
            location: SourceLocation(path: path, line: start.line))
        if let parent = stack.last {
            parent.children.append(node)
        } else {
            root = node
        }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard let top = stack.last else { return }
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { top.text += trimmed }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard let top = stack.last else { return }
        let trimmed = String(decoding: CDATABlock, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { top.text += trimmed }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        guard failure == nil else { return }
        let code = (parseError as NSError).code
        var message = "malformed XML: \(XMLTreeBuilder.message(forCode: code))"
        if [5, 74, 76, 77, 85].contains(code), let open = stack.last {
            message += "; the open element is <\(open.name)> from line \(open.location.line ?? 0)"
        }
        var details: [String] = []
        if parser.columnNumber > 0 { details.append("column \(parser.columnNumber)") }
        details.append("libxml2 error \(code)")
        message += " (" + details.joined(separator: ", ") + ")"
        failure = SceneError(message, at: SourceLocation(path: path, line: max(parser.lineNumber, 1)))
        parser.abortParsing()
    }

    /// Messages for libxml2's error codes (which FoundationXML passes through as the NSError code).
    static func message(forCode code: Int) -> String {
        let messages: [Int: String] = [
            1: "internal parser error",
            2: "out of memory",
            3: "start tag expected, '<' not found",
            4: "document is empty",
            5: "extra content at the end of the document (a second root element, or text after it)",
            6: "invalid hexadecimal character reference",
            7: "invalid decimal character reference",
            8: "invalid character reference",
            9: "invalid character",
            23: "entity reference must end with ';'",
            26: "undeclared entity (escape '&' as '&amp;')",
            22: "'&' must be followed by an entity name (escape '&' as '&amp;')",
            38: "'<' is not allowed in attribute values (escape it as '&lt;')",
            39: "attribute value expected (quote it: name=\"value\")",
            40: "attribute value is not finished (missing closing quote?)",
            41: "attribute has no value",
            42: "attribute given twice in the same element",
            43: "attribute value must be quoted",
            44: "unterminated quoted string",
            45: "comment not terminated ('-->' missing)",
            47: "processing instruction not terminated",
            57: "malformed XML declaration",
            61: "DOCTYPE not terminated",
            63: "CDATA section not terminated",
            64: "XML declaration allowed only at the start of the document",
            65: "space required between attributes",
            68: "element or attribute name expected",
            73: "'>' expected (unterminated tag?)",
            74: "'</' expected",
            75: "'=' expected after the attribute name",
            76: "closing tag does not match the opening tag",
            77: "premature end of data (an element is not closed)",
            80: "'--' is not allowed inside a comment",
            81: "invalid encoding (the file must be UTF-8)",
            85: "elements are not properly nested",
            86: "extra content at the end of the document",
            111: "parsing stopped",
        ]
        return messages[code] ?? "XML syntax error"
    }
}
