/* Full 16-lane packets packed and unpacked with AVX-512 vectors and masked stores, where the CPU has AVX-512F. */
#include "embree_packet16_avx512.h"
#include "embree_query_layout.h"

#include <immintrin.h>
#include <math.h>


int refract_embree_has_avx512(void) { return __builtin_cpu_supports("avx512f") ? 1 : 0; }

#define AVX512 __attribute__((target("avx512f")))

/* The ray part both queries share: the seven inputs, tnear = time = 0, every mask bit, id = flags = 0. */
AVX512 static inline void pack_ray16(struct RTCRay16 *ray, const float *const *in) {
    _mm512_store_ps(ray->org_x, _mm512_loadu_ps(in[IN_OX]));
    _mm512_store_ps(ray->org_y, _mm512_loadu_ps(in[IN_OY]));
    _mm512_store_ps(ray->org_z, _mm512_loadu_ps(in[IN_OZ]));
    _mm512_store_ps(ray->dir_x, _mm512_loadu_ps(in[IN_DX]));
    _mm512_store_ps(ray->dir_y, _mm512_loadu_ps(in[IN_DY]));
    _mm512_store_ps(ray->dir_z, _mm512_loadu_ps(in[IN_DZ]));
    _mm512_store_ps(ray->tfar, _mm512_loadu_ps(in[IN_TFAR]));
    __m512 zero = _mm512_setzero_ps();
    _mm512_store_ps(ray->tnear, zero);
    _mm512_store_ps(ray->time, zero);
    _mm512_store_si512((__m512i *)ray->mask, _mm512_set1_epi32(-1));
    _mm512_store_ps((float *)ray->id, zero);
    _mm512_store_ps((float *)ray->flags, zero);
}

/* Lanes whose kernel mask is -1 (any nonzero word counts as on, as Embree reads it). */
AVX512 static inline __mmask16 valid_lanes(const int32_t *mask) {
    return _mm512_test_epi32_mask(_mm512_loadu_si512(mask), _mm512_loadu_si512(mask));
}

AVX512 size_t refract_embree_active16_avx512(const int32_t *mask, size_t *last) {
    unsigned bits = valid_lanes(mask);
    if (bits != 0) *last = 31 - (size_t)__builtin_clz(bits);
    return (size_t)__builtin_popcount(bits);
}

AVX512 void refract_embree_intersect16_avx512(const RefractEmbreeQuery *query, const int32_t *mask,
                                              const float *const *in, void *const *out) {
    struct RTCRayHit16 packet;
    pack_ray16(&packet.ray, in);
    __m512i invalid = _mm512_set1_epi32((int)RTC_INVALID_GEOMETRY_ID);
    _mm512_store_si512((__m512i *)packet.hit.geomID, invalid);
    _mm512_store_si512((__m512i *)packet.hit.instID[0], invalid);
    struct RTCIntersectContext context;
    refract_embree_init_context(&context);
    query->intersect16(mask, query->scene, &context, &packet);

    __mmask16 valid = valid_lanes(mask);
    __m512i geom = _mm512_load_si512((const __m512i *)packet.hit.geomID);
    __m512i inst = _mm512_load_si512((const __m512i *)packet.hit.instID[0]);
    __mmask16 hit = _mm512_mask_cmpneq_epi32_mask(valid, geom, invalid);
    __mmask16 instanced = _mm512_mask_cmpneq_epi32_mask(hit, inst, invalid);
    _mm512_mask_storeu_ps(out[OUT_T], valid,
                          _mm512_mask_blend_ps(hit, _mm512_set1_ps(INFINITY), _mm512_load_ps(packet.ray.tfar)));
    _mm512_mask_storeu_ps(out[OUT_U], valid, _mm512_maskz_mov_ps(hit, _mm512_load_ps(packet.hit.u)));
    _mm512_mask_storeu_ps(out[OUT_V], valid, _mm512_maskz_mov_ps(hit, _mm512_load_ps(packet.hit.v)));
    _mm512_mask_storeu_epi32(out[OUT_PRIM], valid,
                             _mm512_mask_blend_epi32(hit, invalid,
                                                     _mm512_load_si512((const __m512i *)packet.hit.primID)));
    _mm512_mask_storeu_epi32(out[OUT_GEOM], valid, geom);
    __m512i local = _mm512_sub_epi32(inst, _mm512_set1_epi32((int)query->instanceBase));
    _mm512_mask_storeu_epi32(out[OUT_INST], valid, _mm512_mask_blend_epi32(instanced, invalid, local));
}

AVX512 void refract_embree_occluded16_avx512(const RefractEmbreeQuery *query, const int32_t *mask,
                                             const float *const *in, void *const *out) {
    struct RTCRay16 packet;
    pack_ray16(&packet, in);
    struct RTCIntersectContext context;
    refract_embree_init_context(&context);
    query->occluded16(mask, query->scene, &context, &packet);
    /* Embree marks an occluded ray by setting its tfar to -inf. */
    __mmask16 occluded = _mm512_cmp_ps_mask(_mm512_load_ps(packet.tfar), _mm512_loadu_ps(in[IN_TFAR]), _CMP_LT_OQ);
    _mm512_mask_storeu_epi32(out[0], valid_lanes(mask), _mm512_maskz_mov_epi32(occluded, _mm512_set1_epi32(1)));
}
