/* EmbreeABI: the part of Embree 3's C ABI (3.x, as Debian builds libembree3) that Refract calls, written from its facts. */
#ifndef REFRACT_EMBREE_ABI_H
#define REFRACT_EMBREE_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Nothing here comes from Embree's headers: the package must build where Embree is not installed, and the library is
 * opened with dlopen at run time. The layouts below are those of an Embree 3 built with one instance level
 * (RTC_MAX_INSTANCE_LEVEL_COUNT = 1) and no minimum curve width (RTC_MIN_WIDTH = 0), the defaults Debian keeps;
 * embree_abi_checks.c asserts the sizes and offsets that depend on it.
 */

/* Opaque handles. */
typedef struct RTCDeviceTy *RTCDevice;
typedef struct RTCSceneTy *RTCScene;
typedef struct RTCGeometryTy *RTCGeometry;

/* The geometry id Embree reports for "no geometry" (a miss, or a hit outside any instance). */
#define RTC_INVALID_GEOMETRY_ID ((unsigned int)-1)

enum RTCError {
    RTC_ERROR_NONE = 0,
    RTC_ERROR_UNKNOWN = 1,
    RTC_ERROR_INVALID_ARGUMENT = 2,
    RTC_ERROR_INVALID_OPERATION = 3,
    RTC_ERROR_OUT_OF_MEMORY = 4,
    RTC_ERROR_UNSUPPORTED_CPU = 5,
    RTC_ERROR_CANCELLED = 6
};

enum RTCDeviceProperty {
    RTC_DEVICE_PROPERTY_VERSION = 0,
    RTC_DEVICE_PROPERTY_VERSION_MAJOR = 1,
    RTC_DEVICE_PROPERTY_VERSION_MINOR = 2,
    RTC_DEVICE_PROPERTY_VERSION_PATCH = 3,
    RTC_DEVICE_PROPERTY_BACKFACE_CULLING_ENABLED = 65,
    RTC_DEVICE_PROPERTY_TRIANGLE_GEOMETRY_SUPPORTED = 96,
    RTC_DEVICE_PROPERTY_TASKING_SYSTEM = 128
};

enum RTCBuildQuality {
    RTC_BUILD_QUALITY_LOW = 0,
    RTC_BUILD_QUALITY_MEDIUM = 1,
    RTC_BUILD_QUALITY_HIGH = 2,
    RTC_BUILD_QUALITY_REFIT = 3
};

enum RTCSceneFlags {
    RTC_SCENE_FLAG_NONE = 0,
    RTC_SCENE_FLAG_DYNAMIC = 1 << 0,
    RTC_SCENE_FLAG_COMPACT = 1 << 1,
    RTC_SCENE_FLAG_ROBUST = 1 << 2
};

enum RTCGeometryType {
    RTC_GEOMETRY_TYPE_TRIANGLE = 0,
    RTC_GEOMETRY_TYPE_ROUND_LINEAR_CURVE = 16,
    RTC_GEOMETRY_TYPE_ROUND_BSPLINE_CURVE = 32,
    RTC_GEOMETRY_TYPE_INSTANCE = 121
};

enum RTCBufferType {
    RTC_BUFFER_TYPE_INDEX = 0,
    RTC_BUFFER_TYPE_VERTEX = 1
};

/* Only the formats Refract passes: the ones in a family count up from its first member. */
enum RTCFormat {
    RTC_FORMAT_UNDEFINED = 0,
    RTC_FORMAT_UINT = 0x5001,
    RTC_FORMAT_UINT3 = 0x5003,
    RTC_FORMAT_FLOAT3 = 0x9003,
    /* x, y, z and radius of a curve's control point. */
    RTC_FORMAT_FLOAT4 = 0x9004,
    /* 12 floats, xfm[column * 3 + row]: the three rows of an affine 4x4 matrix, column by column. */
    RTC_FORMAT_FLOAT3X4_COLUMN_MAJOR = 0x9234
};

enum RTCIntersectContextFlags {
    RTC_INTERSECT_CONTEXT_FLAG_NONE = 0,
    RTC_INTERSECT_CONTEXT_FLAG_INCOHERENT = 0,
    RTC_INTERSECT_CONTEXT_FLAG_COHERENT = 1
};

/* A filter callback; Refract sets none, but the context holds a pointer of this type. */
typedef void (*RTCFilterFunctionN)(const void *arguments);

/* Passed to every query. `refract_embree_init_context` sets it as Embree's inline rtcInitIntersectContext does. */
struct RTCIntersectContext {
    enum RTCIntersectContextFlags flags;
    RTCFilterFunctionN filter;
    unsigned int instID[1];
};

struct __attribute__((aligned(16))) RTCBounds {
    float lower_x, lower_y, lower_z, align0;
    float upper_x, upper_y, upper_z, align1;
};

/* One ray: origin, tnear, direction, time, tfar, then mask, id and flags. */
struct __attribute__((aligned(16))) RTCRay {
    float org_x, org_y, org_z, tnear;
    float dir_x, dir_y, dir_z, time;
    float tfar;
    unsigned int mask, id, flags;
};

/* One hit: geometric normal, barycentrics, then primitive, geometry and instance ids. */
struct __attribute__((aligned(16))) RTCHit {
    float Ng_x, Ng_y, Ng_z;
    float u, v;
    unsigned int primID, geomID;
    unsigned int instID[1];
};

struct RTCRayHit {
    struct RTCRay ray;
    struct RTCHit hit;
};

/* Packets: the same fields, each an array of N lanes, aligned to the packet's vector size. */
#define REFRACT_EMBREE_PACKET(N, ALIGN)                                                                           \
    struct __attribute__((aligned(ALIGN))) RTCRay##N {                                                            \
        float org_x[N], org_y[N], org_z[N], tnear[N];                                                             \
        float dir_x[N], dir_y[N], dir_z[N], time[N];                                                              \
        float tfar[N];                                                                                            \
        unsigned int mask[N], id[N], flags[N];                                                                    \
    };                                                                                                            \
    struct __attribute__((aligned(ALIGN))) RTCHit##N {                                                            \
        float Ng_x[N], Ng_y[N], Ng_z[N];                                                                          \
        float u[N], v[N];                                                                                         \
        unsigned int primID[N], geomID[N];                                                                        \
        unsigned int instID[1][N];                                                                                \
    };                                                                                                            \
    struct RTCRayHit##N {                                                                                         \
        struct RTCRay##N ray;                                                                                     \
        struct RTCHit##N hit;                                                                                     \
    };
REFRACT_EMBREE_PACKET(4, 16)
REFRACT_EMBREE_PACKET(8, 32)
REFRACT_EMBREE_PACKET(16, 64)
#undef REFRACT_EMBREE_PACKET

typedef void (*RTCErrorFunction)(void *userPtr, enum RTCError code, const char *message);
/* Called before each allocation (bytes > 0, post false; returning false fails it) and after each release
   (bytes < 0, post true) of the device's memory. */
typedef bool (*RTCMemoryMonitorFunction)(void *ptr, ssize_t bytes, bool post);

/* The functions, as pointer types: they are looked up with dlsym. */
typedef RTCDevice (*RTCNewDeviceFunction)(const char *config);
typedef void (*RTCReleaseDeviceFunction)(RTCDevice device);
typedef enum RTCError (*RTCGetDeviceErrorFunction)(RTCDevice device);
typedef void (*RTCSetDeviceErrorFunctionFunction)(RTCDevice device, RTCErrorFunction function, void *userPtr);
typedef void (*RTCSetDeviceMemoryMonitorFunctionFunction)(RTCDevice device, RTCMemoryMonitorFunction function,
                                                         void *userPtr);
typedef ssize_t (*RTCGetDevicePropertyFunction)(RTCDevice device, enum RTCDeviceProperty property);
typedef RTCScene (*RTCNewSceneFunction)(RTCDevice device);
typedef void (*RTCReleaseSceneFunction)(RTCScene scene);
typedef void (*RTCSetSceneBuildQualityFunction)(RTCScene scene, enum RTCBuildQuality quality);
typedef void (*RTCSetSceneFlagsFunction)(RTCScene scene, enum RTCSceneFlags flags);
typedef void (*RTCCommitSceneFunction)(RTCScene scene);
typedef void (*RTCGetSceneBoundsFunction)(RTCScene scene, struct RTCBounds *bounds);
typedef unsigned int (*RTCAttachGeometryFunction)(RTCScene scene, RTCGeometry geometry);
typedef RTCGeometry (*RTCNewGeometryFunction)(RTCDevice device, enum RTCGeometryType type);
typedef void (*RTCReleaseGeometryFunction)(RTCGeometry geometry);
typedef void (*RTCCommitGeometryFunction)(RTCGeometry geometry);
typedef void *(*RTCSetNewGeometryBufferFunction)(RTCGeometry geometry, enum RTCBufferType type, unsigned int slot,
                                                 enum RTCFormat format, size_t byteStride, size_t itemCount);
/* What Embree passes a filter callback: N lanes, each valid (-1) or not (0), of rays (RTCRayN: each of the 12
   ray words as N lanes) and candidate hits (RTCHitN: Ng_x, Ng_y, Ng_z, u, v, primID, geomID, instID as N lanes). */
struct RTCFilterFunctionNArguments {
    int *valid;
    void *geometryUserPtr;
    struct RTCIntersectContext *context;
    void *ray;
    void *hit;
    unsigned int N;
};
typedef void (*RTCSetGeometryFilterFunctionFunction)(RTCGeometry geometry, RTCFilterFunctionN filter);
typedef void (*RTCSetGeometryInstancedSceneFunction)(RTCGeometry geometry, RTCScene scene);
typedef void (*RTCSetGeometryTransformFunction)(RTCGeometry geometry, unsigned int timeStep, enum RTCFormat format,
                                                const void *transform);
typedef void (*RTCIntersect1Function)(RTCScene scene, struct RTCIntersectContext *context, struct RTCRayHit *rayhit);
typedef void (*RTCIntersect4Function)(const int *valid, RTCScene scene, struct RTCIntersectContext *context,
                                      struct RTCRayHit4 *rayhit);
typedef void (*RTCIntersect8Function)(const int *valid, RTCScene scene, struct RTCIntersectContext *context,
                                      struct RTCRayHit8 *rayhit);
typedef void (*RTCIntersect16Function)(const int *valid, RTCScene scene, struct RTCIntersectContext *context,
                                       struct RTCRayHit16 *rayhit);
typedef void (*RTCOccluded1Function)(RTCScene scene, struct RTCIntersectContext *context, struct RTCRay *ray);
typedef void (*RTCOccluded4Function)(const int *valid, RTCScene scene, struct RTCIntersectContext *context,
                                     struct RTCRay4 *ray);
typedef void (*RTCOccluded8Function)(const int *valid, RTCScene scene, struct RTCIntersectContext *context,
                                     struct RTCRay8 *ray);
typedef void (*RTCOccluded16Function)(const int *valid, RTCScene scene, struct RTCIntersectContext *context,
                                      struct RTCRay16 *ray);

#endif
