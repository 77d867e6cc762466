/* Packet ray queries with the Tracer's native-call ABI: SoA lanes packed into Embree's RTCRayHitN and back. */
#include "CEmbree.h"
#include "embree_clusters.h"
#include "embree_packet16_avx512.h"
#include "embree_packet8_avx2.h"
#include "embree_query_layout.h"

#include <math.h>
#include <string.h>


static void fill_lanes(float *lanes, const float *source, size_t count, size_t width, float rest) {
    memcpy(lanes, source, count * sizeof(float));
    for (size_t l = count; l < width; l++) lanes[l] = rest;
}

static void fill_words(unsigned int *lanes, unsigned int value, size_t width) {
    for (size_t l = 0; l < width; l++) lanes[l] = value;
}

/* Lanes [first, first + count) of the buffers, as one packet of N rays (N >= count; lanes past count are invalid).
   `valid` is N lanes, -1 or 0. Lanes that are not valid are packed too (their inputs are initialised memory of
   unspecified value, which Embree ignores) but neither traced nor written: copying whole lanes is cheaper than
   picking. Then one rtcIntersectN or rtcOccludedN, and the valid lanes' results written out. */
#define DEFINE_PACKET_QUERIES(N)                                                                                   \
    static void intersect_packet##N(const RefractEmbreeQuery *query, const int *valid, const float *const *in,    \
                                    void *const *out, size_t first, size_t count) {                              \
        struct RTCRayHit##N packet;                                                                               \
        fill_lanes(packet.ray.org_x, in[IN_OX] + first, count, N, 0);                                            \
        fill_lanes(packet.ray.org_y, in[IN_OY] + first, count, N, 0);                                            \
        fill_lanes(packet.ray.org_z, in[IN_OZ] + first, count, N, 0);                                            \
        fill_lanes(packet.ray.dir_x, in[IN_DX] + first, count, N, 0);                                            \
        fill_lanes(packet.ray.dir_y, in[IN_DY] + first, count, N, 0);                                            \
        fill_lanes(packet.ray.dir_z, in[IN_DZ] + first, count, N, 1);                                            \
        fill_lanes(packet.ray.tfar, in[IN_TFAR] + first, count, N, 0);                                           \
        memset(packet.ray.tnear, 0, sizeof packet.ray.tnear);                                                     \
        memset(packet.ray.time, 0, sizeof packet.ray.time);                                                       \
        fill_words(packet.ray.mask, 0xFFFFFFFFu, N);                                                              \
        memset(packet.ray.id, 0, sizeof packet.ray.id);                                                           \
        memset(packet.ray.flags, 0, sizeof packet.ray.flags);                                                     \
        fill_words(packet.hit.geomID, RTC_INVALID_GEOMETRY_ID, N);                                                \
        fill_words(packet.hit.instID[0], RTC_INVALID_GEOMETRY_ID, N);                                             \
        struct RTCIntersectContext context;                                                                       \
        refract_embree_init_context(&context);                                                                    \
        query->intersect##N(valid, query->scene, &context, &packet);                                              \
        float *t = (float *)out[OUT_T] + first, *u = (float *)out[OUT_U] + first, *v = (float *)out[OUT_V] + first; \
        uint32_t *prim = (uint32_t *)out[OUT_PRIM] + first, *geom = (uint32_t *)out[OUT_GEOM] + first;            \
        uint32_t *inst = (uint32_t *)out[OUT_INST] + first;                                                       \
        for (size_t l = 0; l < count; l++) {                                                                      \
            if (!valid[l]) continue;                                                                              \
            unsigned int g = packet.hit.geomID[l], i = packet.hit.instID[0][l];                                   \
            int hit = g != RTC_INVALID_GEOMETRY_ID;                                                               \
            t[l] = hit ? packet.ray.tfar[l] : INFINITY;                                                           \
            u[l] = hit ? packet.hit.u[l] : 0.0f;                                                                  \
            v[l] = hit ? packet.hit.v[l] : 0.0f;                                                                  \
            prim[l] = hit ? packet.hit.primID[l] : RTC_INVALID_GEOMETRY_ID;                                       \
            geom[l] = g;                                                                                          \
            inst[l] = hit && i != RTC_INVALID_GEOMETRY_ID ? i - query->instanceBase : RTC_INVALID_GEOMETRY_ID;    \
        }                                                                                                         \
    }                                                                                                             \
    static void occluded_packet##N(const RefractEmbreeQuery *query, const int *valid, const float *const *in,     \
                                   void *const *out, size_t first, size_t count) {                               \
        struct RTCRay##N packet;                                                                                  \
        fill_lanes(packet.org_x, in[IN_OX] + first, count, N, 0);                                                \
        fill_lanes(packet.org_y, in[IN_OY] + first, count, N, 0);                                                \
        fill_lanes(packet.org_z, in[IN_OZ] + first, count, N, 0);                                                \
        fill_lanes(packet.dir_x, in[IN_DX] + first, count, N, 0);                                                \
        fill_lanes(packet.dir_y, in[IN_DY] + first, count, N, 0);                                                \
        fill_lanes(packet.dir_z, in[IN_DZ] + first, count, N, 1);                                                \
        fill_lanes(packet.tfar, in[IN_TFAR] + first, count, N, 0);                                               \
        memset(packet.tnear, 0, sizeof packet.tnear);                                                             \
        memset(packet.time, 0, sizeof packet.time);                                                               \
        fill_words(packet.mask, 0xFFFFFFFFu, N);                                                                  \
        memset(packet.id, 0, sizeof packet.id);                                                                   \
        memset(packet.flags, 0, sizeof packet.flags);                                                             \
        struct RTCIntersectContext context;                                                                       \
        refract_embree_init_context(&context);                                                                    \
        query->occluded##N(valid, query->scene, &context, &packet);                                               \
        uint32_t *occluded = (uint32_t *)out[0] + first;                                                          \
        const float *tfar = in[IN_TFAR] + first;                                                                  \
        /* Embree marks an occluded ray by setting its tfar to -inf. */                                           \
        for (size_t l = 0; l < count; l++) {                                                                      \
            if (valid[l]) occluded[l] = packet.tfar[l] < tfar[l] ? 1u : 0u;                                       \
        }                                                                                                         \
    }

DEFINE_PACKET_QUERIES(4)
DEFINE_PACKET_QUERIES(8)
DEFINE_PACKET_QUERIES(16)

/* One ray, lane `lane`, with rtcIntersect1: the scalar backend's calls, and packets that have one active lane left
   (Embree's single-ray traversal is faster than a packet with one lane on). */
static void intersect_one(const RefractEmbreeQuery *query, const float *const *in, void *const *out, size_t lane) {
    struct RTCRayHit rayhit;
    rayhit.ray.org_x = in[IN_OX][lane];
    rayhit.ray.org_y = in[IN_OY][lane];
    rayhit.ray.org_z = in[IN_OZ][lane];
    rayhit.ray.tnear = 0;
    rayhit.ray.dir_x = in[IN_DX][lane];
    rayhit.ray.dir_y = in[IN_DY][lane];
    rayhit.ray.dir_z = in[IN_DZ][lane];
    rayhit.ray.time = 0;
    rayhit.ray.tfar = in[IN_TFAR][lane];
    rayhit.ray.mask = 0xFFFFFFFFu;
    rayhit.ray.id = 0;
    rayhit.ray.flags = 0;
    rayhit.hit.geomID = RTC_INVALID_GEOMETRY_ID;
    rayhit.hit.instID[0] = RTC_INVALID_GEOMETRY_ID;
    struct RTCIntersectContext context;
    refract_embree_init_context(&context);
    query->intersect1(query->scene, &context, &rayhit);
    unsigned int g = rayhit.hit.geomID, i = rayhit.hit.instID[0];
    int hit = g != RTC_INVALID_GEOMETRY_ID;
    ((float *)out[OUT_T])[lane] = hit ? rayhit.ray.tfar : INFINITY;
    ((float *)out[OUT_U])[lane] = hit ? rayhit.hit.u : 0.0f;
    ((float *)out[OUT_V])[lane] = hit ? rayhit.hit.v : 0.0f;
    ((uint32_t *)out[OUT_PRIM])[lane] = hit ? rayhit.hit.primID : RTC_INVALID_GEOMETRY_ID;
    ((uint32_t *)out[OUT_GEOM])[lane] = g;
    ((uint32_t *)out[OUT_INST])[lane] =
        hit && i != RTC_INVALID_GEOMETRY_ID ? i - query->instanceBase : RTC_INVALID_GEOMETRY_ID;
}

static void occluded_one(const RefractEmbreeQuery *query, const float *const *in, void *const *out, size_t lane) {
    struct RTCRay ray;
    ray.org_x = in[IN_OX][lane];
    ray.org_y = in[IN_OY][lane];
    ray.org_z = in[IN_OZ][lane];
    ray.tnear = 0;
    ray.dir_x = in[IN_DX][lane];
    ray.dir_y = in[IN_DY][lane];
    ray.dir_z = in[IN_DZ][lane];
    ray.time = 0;
    ray.tfar = in[IN_TFAR][lane];
    ray.mask = 0xFFFFFFFFu;
    ray.id = 0;
    ray.flags = 0;
    struct RTCIntersectContext context;
    refract_embree_init_context(&context);
    query->occluded1(query->scene, &context, &ray);
    ((uint32_t *)out[0])[lane] = ray.tfar < in[IN_TFAR][lane] ? 1u : 0u;
}

typedef void (*PacketQuery)(const RefractEmbreeQuery *, const int *, const float *const *, void *const *, size_t,
                            size_t);
typedef void (*SingleQuery)(const RefractEmbreeQuery *, const float *const *, void *const *, size_t);
typedef void (*VectorQuery)(const RefractEmbreeQuery *, const int32_t *, const float *const *, void *const *);

/* Runs one query on the W = query->width lanes of a kernel's packet. The packet size follows W, so that a kernel of
   width 4, 8 or 16 makes exactly one Embree call per vector; other widths go by packets of 16 whose lanes past W
   are off. The kernel's mask (-1 active, 0 off) is Embree's valid mask as it is: both are 32-bit lanes, and the
   Tracer aligns it to 64 bytes, more than any packet needs. */
static void run_query(const RefractEmbreeQuery *query, const int32_t *mask, const void *const *inputs,
                      void *const *outputs, SingleQuery one, PacketQuery packet4, PacketQuery packet8,
                      PacketQuery packet16, VectorQuery vector16, VectorQuery vector8) {
    const float *const *in = (const float *const *)inputs;
    size_t width = query->width, active = 0, last = 0;
    /* W = 16 is AVX-512's width: packed lane by lane, a packet's set-up took a seventh as long as Embree's work. */
    if (width == 16 && refract_embree_has_avx512()) {
        active = refract_embree_active16_avx512(mask, &last);
        if (active == 0) return;
        if (active == 1) return one(query, in, outputs, last);
        return vector16(query, mask, in, outputs);
    }
    /* W = 8 with AVX2 likewise: packed lane by lane (memcpy calls and scalar loops), the packing took a sixth as
       long as Embree in a Cornell box. */
    if (width == 8 && refract_embree_has_avx2()) {
        active = refract_embree_active8_avx2(mask, &last);
        if (active == 0) return;
        if (active == 1) return one(query, in, outputs, last);
        return vector8(query, mask, in, outputs);
    }
    for (size_t l = 0; l < width; l++) {
        if (mask[l]) {
            active++;
            last = l;
        }
    }
    if (active == 0) return;
    if (active == 1) return one(query, in, outputs, last);
    switch (width) {
    case 4: return packet4(query, mask, in, outputs, 0, 4);
    case 8: return packet8(query, mask, in, outputs, 0, 8);
    case 16: return packet16(query, mask, in, outputs, 0, 16);
    default: break;
    }
    for (size_t first = 0; first < width; first += 16) {
        size_t count = width - first < 16 ? width - first : 16;
        int valid[16] __attribute__((aligned(64)));
        int any = 0;
        for (size_t l = 0; l < 16; l++) {
            valid[l] = l < count ? mask[first + l] : 0;
            any |= valid[l];
        }
        if (any) packet16(query, valid, in, outputs, first, count);
    }
}

int refract_triangle_clusters_supported(uint32_t width) {
    return (width == 16 && refract_embree_has_avx512()) || (width == 8 && refract_clusters_have_avx2());
}

void refract_embree_intersect(void *context, const int32_t *mask, const void *const *inputs, void *const *outputs) {
    const RefractEmbreeQuery *query = context;
    /* A packet with one lane on goes the same way as a full one: the scalar backend's answers are the vectors'. */
    if (query->clusters) {
        const float *const *in = (const float *const *)inputs;
        if (query->width == 16) return refract_clusters_intersect16_avx512(query->clusters, mask, in, outputs);
        return refract_clusters_intersect8_avx2(query->clusters, mask, in, outputs);
    }
    run_query((const RefractEmbreeQuery *)context, mask, inputs, outputs, intersect_one, intersect_packet4,
              intersect_packet8, intersect_packet16, refract_embree_intersect16_avx512,
              refract_embree_intersect8_avx2);
}

void refract_embree_occluded(void *context, const int32_t *mask, const void *const *inputs, void *const *outputs) {
    const RefractEmbreeQuery *query = context;
    if (query->clusters) {
        const float *const *in = (const float *const *)inputs;
        if (query->width == 16) return refract_clusters_occluded16_avx512(query->clusters, mask, in, outputs);
        return refract_clusters_occluded8_avx2(query->clusters, mask, in, outputs);
    }
    run_query((const RefractEmbreeQuery *)context, mask, inputs, outputs, occluded_one, occluded_packet4,
              occluded_packet8, occluded_packet16, refract_embree_occluded16_avx512,
              refract_embree_occluded8_avx2);
}

void refract_embree_intersect_stream(const RefractEmbreeQuery *query, size_t count, const float *const *inputs,
                                     void *const *outputs) {
    int valid[16] __attribute__((aligned(64)));
    for (size_t first = 0; first < count; first += 16) {
        size_t lanes = count - first < 16 ? count - first : 16;
        for (size_t l = 0; l < 16; l++) valid[l] = l < lanes ? -1 : 0;
        intersect_packet16(query, valid, inputs, outputs, first, lanes);
    }
}
