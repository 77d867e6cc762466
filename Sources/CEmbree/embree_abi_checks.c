/* Compile-time checks of the Embree 3 layouts declared in EmbreeABI.h (one instance level, no minimum width). */
#include "CEmbree.h"

#include <stddef.h>

/* Mitsuba and Dr.Jit assume the same 24 bytes: flags, padding, filter pointer, one instance id, padding. */
_Static_assert(sizeof(struct RTCIntersectContext) == 24, "RTCIntersectContext is 24 bytes");
_Static_assert(offsetof(struct RTCIntersectContext, instID) == 16, "RTCIntersectContext.instID at 16");
_Static_assert(sizeof(struct RTCBounds) == 32, "RTCBounds is 32 bytes");

_Static_assert(sizeof(struct RTCRay) == 48 && _Alignof(struct RTCRay) == 16, "RTCRay: 12 words, 16-byte aligned");
_Static_assert(sizeof(struct RTCHit) == 32 && _Alignof(struct RTCHit) == 16, "RTCHit: 8 words, 16-byte aligned");
_Static_assert(sizeof(struct RTCRayHit) == 80 && offsetof(struct RTCRayHit, hit) == 48, "RTCRayHit: ray then hit");
_Static_assert(offsetof(struct RTCRay, tfar) == 32 && offsetof(struct RTCRay, flags) == 44, "RTCRay field order");
_Static_assert(offsetof(struct RTCHit, u) == 12 && offsetof(struct RTCHit, instID) == 28, "RTCHit field order");

/* A packet of N rays is the single ray's 12 words, then the hit's 8, each widened to N lanes. */
#define CHECK_PACKET(N, ALIGN)                                                                                   \
    _Static_assert(sizeof(struct RTCRay##N) == 12 * 4 * N, "RTCRay" #N " size");                                  \
    _Static_assert(sizeof(struct RTCHit##N) == 8 * 4 * N, "RTCHit" #N " size");                                   \
    _Static_assert(offsetof(struct RTCRayHit##N, hit) == 12 * 4 * N, "RTCRayHit" #N " hit offset");               \
    _Static_assert(sizeof(struct RTCRayHit##N) == 20 * 4 * N, "RTCRayHit" #N " size");                            \
    _Static_assert(_Alignof(struct RTCRayHit##N) == ALIGN, "RTCRayHit" #N " alignment");                          \
    _Static_assert(offsetof(struct RTCHit##N, instID) == 7 * 4 * N, "RTCHit" #N " instID offset");
CHECK_PACKET(4, 16)
CHECK_PACKET(8, 32)
CHECK_PACKET(16, 64)
