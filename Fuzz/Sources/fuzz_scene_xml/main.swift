// fuzz_scene_xml: libFuzzer on the Mitsuba 3 scene file reader (SceneDocument, then Scene).

import FuzzDriver
import Foundation
import FuzzTargets

/// One input: decoded and discarded; a crash, a leak, a hang or a huge allocation is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTargets.sceneXML(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

exit(refract_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzz))
