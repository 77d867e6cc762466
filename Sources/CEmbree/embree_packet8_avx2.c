/* Full 8-lane packets packed and unpacked with AVX2 vectors and masked stores, where the CPU has AVX2. */
#include "embree_packet8_avx2.h"
#include "embree_query_layout.h"

#include <immintrin.h>
#include <math.h>


int refract_embree_has_avx2(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }

#define AVX2 __attribute__((target("avx2")))

/* The ray part both queries share: the seven inputs, tnear = time = 0, every mask bit, id = flags = 0. */
AVX2 static inline void pack_ray8(struct RTCRay8 *ray, const float *const *in) {
    _mm256_store_ps(ray->org_x, _mm256_loadu_ps(in[IN_OX]));
    _mm256_store_ps(ray->org_y, _mm256_loadu_ps(in[IN_OY]));
    _mm256_store_ps(ray->org_z, _mm256_loadu_ps(in[IN_OZ]));
    _mm256_store_ps(ray->dir_x, _mm256_loadu_ps(in[IN_DX]));
    _mm256_store_ps(ray->dir_y, _mm256_loadu_ps(in[IN_DY]));
    _mm256_store_ps(ray->dir_z, _mm256_loadu_ps(in[IN_DZ]));
    _mm256_store_ps(ray->tfar, _mm256_loadu_ps(in[IN_TFAR]));
    __m256 zero = _mm256_setzero_ps();
    _mm256_store_ps(ray->tnear, zero);
    _mm256_store_ps(ray->time, zero);
    _mm256_store_si256((__m256i *)ray->mask, _mm256_set1_epi32(-1));
    _mm256_store_ps((float *)ray->id, zero);
    _mm256_store_ps((float *)ray->flags, zero);
}

/* Lanes whose kernel mask word is nonzero (as Embree reads it), as all-ones words: the masked stores' mask. */
AVX2 static inline __m256i valid_lanes(const int32_t *mask) {
    __m256i words = _mm256_loadu_si256((const __m256i *)mask);
    return _mm256_xor_si256(_mm256_cmpeq_epi32(words, _mm256_setzero_si256()), _mm256_set1_epi32(-1));
}

AVX2 size_t refract_embree_active8_avx2(const int32_t *mask, size_t *last) {
    unsigned bits = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(valid_lanes(mask)));
    if (bits != 0) *last = 31 - (size_t)__builtin_clz(bits);
    return (size_t)__builtin_popcount(bits);
}

AVX2 void refract_embree_intersect8_avx2(const RefractEmbreeQuery *query, const int32_t *mask,
                                         const float *const *in, void *const *out) {
    struct RTCRayHit8 packet;
    pack_ray8(&packet.ray, in);
    __m256i invalid = _mm256_set1_epi32((int)RTC_INVALID_GEOMETRY_ID);
    _mm256_store_si256((__m256i *)packet.hit.geomID, invalid);
    _mm256_store_si256((__m256i *)packet.hit.instID[0], invalid);
    struct RTCIntersectContext context;
    refract_embree_init_context(&context);
    query->intersect8(mask, query->scene, &context, &packet);

    __m256i valid = valid_lanes(mask);
    __m256i geom = _mm256_load_si256((const __m256i *)packet.hit.geomID);
    __m256i inst = _mm256_load_si256((const __m256i *)packet.hit.instID[0]);
    __m256i missed = _mm256_cmpeq_epi32(geom, invalid);
    __m256i instanced = _mm256_andnot_si256(_mm256_or_si256(missed, _mm256_cmpeq_epi32(inst, invalid)),
                                            _mm256_set1_epi32(-1));
    __m256 missedLanes = _mm256_castsi256_ps(missed);
    _mm256_maskstore_ps(out[OUT_T], valid,
                        _mm256_blendv_ps(_mm256_load_ps(packet.ray.tfar), _mm256_set1_ps(INFINITY), missedLanes));
    _mm256_maskstore_ps(out[OUT_U], valid, _mm256_andnot_ps(missedLanes, _mm256_load_ps(packet.hit.u)));
    _mm256_maskstore_ps(out[OUT_V], valid, _mm256_andnot_ps(missedLanes, _mm256_load_ps(packet.hit.v)));
    __m256i prim = _mm256_load_si256((const __m256i *)packet.hit.primID);
    _mm256_maskstore_epi32(out[OUT_PRIM], valid, _mm256_blendv_epi8(prim, invalid, missed));
    _mm256_maskstore_epi32(out[OUT_GEOM], valid, geom);
    __m256i local = _mm256_sub_epi32(inst, _mm256_set1_epi32((int)query->instanceBase));
    _mm256_maskstore_epi32(out[OUT_INST], valid, _mm256_blendv_epi8(invalid, local, instanced));
}

AVX2 void refract_embree_occluded8_avx2(const RefractEmbreeQuery *query, const int32_t *mask,
                                        const float *const *in, void *const *out) {
    struct RTCRay8 packet;
    pack_ray8(&packet, in);
    struct RTCIntersectContext context;
    refract_embree_init_context(&context);
    query->occluded8(mask, query->scene, &context, &packet);
    /* Embree marks an occluded ray by setting its tfar to -inf. */
    __m256 occluded = _mm256_cmp_ps(_mm256_load_ps(packet.tfar), _mm256_loadu_ps(in[IN_TFAR]), _CMP_LT_OQ);
    _mm256_maskstore_epi32(out[0], valid_lanes(mask),
                           _mm256_and_si256(_mm256_castps_si256(occluded), _mm256_set1_epi32(1)));
}
