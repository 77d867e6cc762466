// refract-fuzz: libFuzzer on one reader of a user's file. Usage: refract-fuzz TARGET [libFuzzer arguments...]

import Foundation
import FuzzDriver
import FuzzTargets

/// The reader under test, chosen from the first argument before libFuzzer starts: libFuzzer calls a C function,
/// which cannot capture it.
var reader: (@Sendable (Data) -> Void)?

/// One input: decoded and discarded; a crash, a leak, a hang or a huge allocation is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    reader?(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

var arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTargets.target(named: arguments[1]) else {
    let names = FuzzTargets.all.map(\.name).joined(separator: " ")
    fputs("usage: refract-fuzz TARGET [libFuzzer arguments...]\ntargets: \(names)\n", stderr)
    exit(2)
}
reader = target
// libFuzzer reads its own options only, so the target's name leaves the command line it sees.
arguments.remove(at: 1)
var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
exit(argv.withUnsafeMutableBufferPointer { refract_fuzz_run(Int32(arguments.count), $0.baseAddress!, testOneInput) })
