/* CEmbree: Embree 3 opened at run time (dlopen), and the packet ray queries that Refract's kernels call natively. */
#ifndef REFRACT_CEMBREE_H
#define REFRACT_CEMBREE_H

#include "EmbreeABI.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every Embree function Refract calls, filled by refract_embree_load. */
typedef struct RefractEmbreeAPI {
    RTCNewDeviceFunction _Null_unspecified newDevice;
    RTCReleaseDeviceFunction _Null_unspecified releaseDevice;
    RTCGetDeviceErrorFunction _Null_unspecified getDeviceError;
    RTCSetDeviceErrorFunctionFunction _Null_unspecified setDeviceErrorFunction;
    RTCSetDeviceMemoryMonitorFunctionFunction _Null_unspecified setDeviceMemoryMonitorFunction;
    RTCGetDevicePropertyFunction _Null_unspecified getDeviceProperty;
    RTCNewSceneFunction _Null_unspecified newScene;
    RTCReleaseSceneFunction _Null_unspecified releaseScene;
    RTCSetSceneBuildQualityFunction _Null_unspecified setSceneBuildQuality;
    RTCSetSceneFlagsFunction _Null_unspecified setSceneFlags;
    RTCCommitSceneFunction _Null_unspecified commitScene;
    RTCGetSceneBoundsFunction _Null_unspecified getSceneBounds;
    RTCAttachGeometryFunction _Null_unspecified attachGeometry;
    RTCNewGeometryFunction _Null_unspecified newGeometry;
    RTCReleaseGeometryFunction _Null_unspecified releaseGeometry;
    RTCCommitGeometryFunction _Null_unspecified commitGeometry;
    RTCSetNewGeometryBufferFunction _Null_unspecified setNewGeometryBuffer;
    RTCSetGeometryInstancedSceneFunction _Null_unspecified setGeometryInstancedScene;
    RTCSetGeometryTransformFunction _Null_unspecified setGeometryTransform;
    RTCSetGeometryFilterFunctionFunction _Null_unspecified setGeometryIntersectFilterFunction;
    RTCSetGeometryFilterFunctionFunction _Null_unspecified setGeometryOccludedFilterFunction;
    RTCIntersect1Function _Null_unspecified intersect1;
    RTCIntersect4Function _Null_unspecified intersect4;
    RTCIntersect8Function _Null_unspecified intersect8;
    RTCIntersect16Function _Null_unspecified intersect16;
    RTCOccluded1Function _Null_unspecified occluded1;
    RTCOccluded4Function _Null_unspecified occluded4;
    RTCOccluded8Function _Null_unspecified occluded8;
    RTCOccluded16Function _Null_unspecified occluded16;
} RefractEmbreeAPI;

/* Handles and function pointers in the two structs are _Null_unspecified (Swift sees them as implicitly
   unwrapped); the functions below take non-null pointers unless marked. */
#pragma clang assume_nonnull begin

/* Opens libembree3.so.3 (or libembree3.so) and looks up every function of `api`. Returns 0 on success; otherwise
   writes why into `message` (NUL-terminated when capacity > 0) and returns -1. The library stays open for the life
   of the process: compiled kernels hold pointers into it. Not thread-safe: the caller loads once. */
int refract_embree_load(RefractEmbreeAPI *api, char *message, size_t capacity);

/* An RTCErrorFunction that keeps the last error of the calling thread, for refract_embree_take_error. */
void refract_embree_record_error(void *_Nullable userPtr, enum RTCError code, const char *_Nullable message);

/* The calling thread's last recorded error code (RTC_ERROR_NONE if none), its message copied into `message`;
   clears it. */
enum RTCError refract_embree_take_error(char *message, size_t capacity);

/* An RTCMemoryMonitorFunction that keeps a process-wide count of the bytes Embree holds; never refuses. */
bool refract_embree_count_memory(void *_Nullable userPtr, ssize_t bytes, bool post);

/* The bytes Embree's devices hold now (scenes, their copies of the meshes and their BVHs), by that count. */
long long refract_embree_allocated_bytes(void);

#pragma clang assume_nonnull end

#pragma clang assume_nonnull begin

/* An RTCFilterFunctionN for curves: rejects candidate hits whose geometric normal faces along the ray (rays leaving
   a tube from inside), so that Embree goes on to the next hit. `arguments` is an RTCFilterFunctionNArguments. */
void refract_embree_cull_back_faces(const void *_Nullable arguments);

#pragma clang assume_nonnull end

/* A cluster of a small scene: up to 16 triangles in structure-of-arrays form (Embree's Moeller-Trumbore form: v0,
   e1 = v0 - v1, e2 = v2 - v0 and the unnormalised normal ng = e2 x e1, then the ids a hit reports), so that a query
   can broadcast one triangle to a packet of rays or test one ray against all 16 at once. Unused slots have ng = 0,
   which nothing hits. 896 bytes. */
typedef struct RefractClusterTriangles {
    float v0[3][16], e1[3][16], e2[3][16], ng[3][16];
    uint32_t geometry[16], primitive[16];
} RefractClusterTriangles;

/* A cluster's box (slightly enlarged: it only culls) and its number of triangles. */
typedef struct RefractTriangleCluster {
    float lower[3], upper[3];
    uint32_t count, unused;
} RefractTriangleCluster;

/* A node of the clusters' tree in depth-first order: a cluster (its box and index) or a group of the nodes that
   follow it up to `skip` (a box that holds all of theirs). A packet none of whose lanes reaches a node's box goes
   on at `skip`; otherwise at the next node. The leaves come in the clusters' order. */
typedef struct RefractClusterNode {
    float lower[3], upper[3];
    /* The cluster's index for a leaf; REFRACT_CLUSTER_GROUP for a group. */
    uint32_t cluster;
    /* The index of the node after this one's subtree (for a leaf, the next node). */
    uint32_t skip;
} RefractClusterNode;

#define REFRACT_CLUSTER_GROUP 0xFFFFFFFFu

/* A scene small enough that testing each packet against the clusters' boxes, and the triangles of the boxes some
   lane reaches, beats Embree's BVH (embree_clusters_avx512.c). Cluster c's triangles are triangles[c]. `nodes`
   lists every cluster once, in order, with groups whose boxes let a packet pass over clusters it cannot reach. */
typedef struct RefractTriangleClusters {
    const RefractTriangleCluster *_Null_unspecified clusters;
    const RefractClusterTriangles *_Null_unspecified triangles;
    uint32_t clusterCount;
    uint32_t nodeCount;
    const RefractClusterNode *_Null_unspecified nodes;
} RefractTriangleClusters;

/* What a kernel's native call passes as its context: the scene and the packet width W of the kernel that calls. */
typedef struct RefractEmbreeQuery {
    RTCScene _Null_unspecified scene;
    /* Lanes in each buffer the kernel passes: the kernel's vector width (1 to 64). */
    uint32_t width;
    /* Geometry id of the first instance in `scene` (instances are attached after the meshes): the instance output
       is the instance geometry's id minus this. */
    uint32_t instanceBase;
    RTCIntersect1Function _Null_unspecified intersect1;
    RTCIntersect4Function _Null_unspecified intersect4;
    RTCIntersect8Function _Null_unspecified intersect8;
    RTCIntersect16Function _Null_unspecified intersect16;
    RTCOccluded1Function _Null_unspecified occluded1;
    RTCOccluded4Function _Null_unspecified occluded4;
    RTCOccluded8Function _Null_unspecified occluded8;
    RTCOccluded16Function _Null_unspecified occluded16;
    /* When not null, the queries test these clusters instead of calling Embree (set only where the width's vector
       code runs on this CPU: see refract_triangle_clusters_supported). */
    const RefractTriangleClusters *_Nullable clusters;
} RefractEmbreeQuery;

/* Whether kernels of width `width` can query clusters on this CPU (16 with AVX-512F, 8 with AVX2 and FMA). */
int refract_triangle_clusters_supported(uint32_t width);

/* The largest packet width the queries accept. */
#define REFRACT_EMBREE_MAX_WIDTH 64

#pragma clang assume_nonnull begin

/* Sets `context` as Embree's inline rtcInitIntersectContext does (incoherent rays, no filter, no instance). */
void refract_embree_init_context(struct RTCIntersectContext *context);

/* Native functions (Tracer's NativeFunction ABI), `context` a RefractEmbreeQuery of the calling kernel's width.
   Inputs: ox, oy, oz, dx, dy, dz, tfar (float); tnear is 0.
   refract_embree_intersect outputs: t (float, +inf on a miss), u, v (float barycentrics, 0 on a miss), primID,
   geomID, instance (uint32; 0xFFFFFFFF on a miss, and instance 0xFFFFFFFF for a hit outside any instance).
   refract_embree_occluded outputs: occluded (uint32: 1 when something lies in (0, tfar), else 0).
   Only lanes whose mask is -1 are traced and written. */
void refract_embree_intersect(void *_Nullable context, const int32_t *mask,
                              const void *_Nullable const *_Nonnull inputs, void *_Nullable const *_Nonnull outputs);
void refract_embree_occluded(void *_Nullable context, const int32_t *mask,
                             const void *_Nullable const *_Nonnull inputs, void *_Nullable const *_Nonnull outputs);

/* The benchmark's baseline: rays [0, count) of the seven input arrays traced in packets of 16 with rtcIntersect16,
   written to the six output arrays (same meaning as refract_embree_intersect's), from one thread. */
void refract_embree_intersect_stream(const RefractEmbreeQuery *query, size_t count,
                                     const float *_Nonnull const *_Nonnull inputs,
                                     void *_Nonnull const *_Nonnull outputs);

#pragma clang assume_nonnull end

#ifdef __cplusplus
}
#endif

#endif
