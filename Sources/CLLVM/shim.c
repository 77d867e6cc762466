// Empty translation unit: CLLVM only re-exports the LLVM C API headers (SwiftPM needs one source file).
#include "CLLVM.h"
