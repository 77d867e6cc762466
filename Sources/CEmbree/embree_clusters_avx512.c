/* Ray queries of a small scene's triangle clusters for kernels of width 16, in AVX-512: no BVH, no packing. */
#include "embree_clusters.h"
#include "embree_query_layout.h"

#include <float.h>
#include <immintrin.h>
#include <math.h>

#define AVX512 __attribute__((target("avx512f")))

/* A packet's rays: origin, direction, the reciprocal direction the box tests use, and the lanes to trace. */
typedef struct Rays16 {
    __m512 ox, oy, oz, dx, dy, dz, rx, ry, rz;
    __mmask16 active;
} Rays16;

/* 1/d with components of magnitude under FLT_MIN replaced by FLT_MIN of their sign: a finite reciprocal, so that
   a box test never multiplies 0 by infinity (NaN would drop a lane the box holds). */
AVX512 static inline __m512 safe_reciprocal(__m512 d) {
    __m512 magnitude = _mm512_abs_ps(d);
    __m512 sign = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(d), _mm512_set1_epi32((int)0x80000000u)));
    __mmask16 tiny = _mm512_cmp_ps_mask(magnitude, _mm512_set1_ps(FLT_MIN), _CMP_LT_OQ);
    __m512 floor = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(FLT_MIN)),
                                                       _mm512_castps_si512(sign)));
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_mask_blend_ps(tiny, d, floor));
}

AVX512 static inline Rays16 load_rays(const int32_t *mask, const float *const *in) {
    Rays16 rays;
    __m512i words = _mm512_loadu_si512(mask);
    rays.active = _mm512_test_epi32_mask(words, words);
    /* Masked loads: lanes off may hold anything, NaN included; they read 0 here and are never written. */
    rays.ox = _mm512_maskz_loadu_ps(rays.active, in[IN_OX]);
    rays.oy = _mm512_maskz_loadu_ps(rays.active, in[IN_OY]);
    rays.oz = _mm512_maskz_loadu_ps(rays.active, in[IN_OZ]);
    rays.dx = _mm512_maskz_loadu_ps(rays.active, in[IN_DX]);
    rays.dy = _mm512_maskz_loadu_ps(rays.active, in[IN_DY]);
    rays.dz = _mm512_maskz_loadu_ps(rays.active, in[IN_DZ]);
    rays.rx = safe_reciprocal(rays.dx);
    rays.ry = safe_reciprocal(rays.dy);
    rays.rz = safe_reciprocal(rays.dz);
    return rays;
}

/* The lanes of `lanes` whose ray meets the cluster's box within [0, tfar]. */
AVX512 static inline __mmask16 box_lanes(const RefractTriangleCluster *box, const Rays16 *rays, __m512 tfar,
                                         __mmask16 lanes) {
    __m512 ax = _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(box->lower[0]), rays->ox), rays->rx);
    __m512 bx = _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(box->upper[0]), rays->ox), rays->rx);
    __m512 ay = _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(box->lower[1]), rays->oy), rays->ry);
    __m512 by = _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(box->upper[1]), rays->oy), rays->ry);
    __m512 az = _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(box->lower[2]), rays->oz), rays->rz);
    __m512 bz = _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(box->upper[2]), rays->oz), rays->rz);
    __m512 near = _mm512_max_ps(_mm512_max_ps(_mm512_min_ps(ax, bx), _mm512_min_ps(ay, by)),
                                _mm512_max_ps(_mm512_min_ps(az, bz), _mm512_setzero_ps()));
    __m512 far = _mm512_min_ps(_mm512_min_ps(_mm512_max_ps(ax, bx), _mm512_max_ps(ay, by)),
                               _mm512_min_ps(_mm512_max_ps(az, bz), tfar));
    return _mm512_mask_cmp_ps_mask(lanes, near, far, _CMP_LE_OQ);
}

/* One triangle against the lanes of `lanes` (Embree's Moeller-Trumbore test): the lanes whose ray meets it at a
   distance t > 0, with t and the unnormalised barycentrics and |determinant| that divides them. Whether t is
   within the ray's reach is the caller's compare: this way nothing here waits on the previous triangle's answer,
   and the tests of a run of triangles overlap in the pipeline. */
typedef struct Candidate16 {
    __mmask16 hit;
    /* t / |den| (to about 22 bits), and t itself, which a caller that needs no distance compares with |den| tfar. */
    __m512 t, unscaledT, u, v, den;
} Candidate16;

AVX512 static inline Candidate16 test_triangle(const RefractTriangle *triangle, const Rays16 *rays, __mmask16 lanes) {
    __m512 cx = _mm512_sub_ps(_mm512_set1_ps(triangle->v0[0]), rays->ox);
    __m512 cy = _mm512_sub_ps(_mm512_set1_ps(triangle->v0[1]), rays->oy);
    __m512 cz = _mm512_sub_ps(_mm512_set1_ps(triangle->v0[2]), rays->oz);
    /* r = c x d */
    __m512 rx = _mm512_fmsub_ps(cy, rays->dz, _mm512_mul_ps(cz, rays->dy));
    __m512 ry = _mm512_fmsub_ps(cz, rays->dx, _mm512_mul_ps(cx, rays->dz));
    __m512 rz = _mm512_fmsub_ps(cx, rays->dy, _mm512_mul_ps(cy, rays->dx));
    __m512 nx = _mm512_set1_ps(triangle->ng[0]), ny = _mm512_set1_ps(triangle->ng[1]);
    __m512 nz = _mm512_set1_ps(triangle->ng[2]);
    __m512 den = _mm512_fmadd_ps(nx, rays->dx, _mm512_fmadd_ps(ny, rays->dy, _mm512_mul_ps(nz, rays->dz)));
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(den), _mm512_set1_epi32((int)0x80000000u));
    __m512 absDen = _mm512_abs_ps(den);
    __m512 u = _mm512_fmadd_ps(rx, _mm512_set1_ps(triangle->e2[0]),
                               _mm512_fmadd_ps(ry, _mm512_set1_ps(triangle->e2[1]),
                                               _mm512_mul_ps(rz, _mm512_set1_ps(triangle->e2[2]))));
    __m512 v = _mm512_fmadd_ps(rx, _mm512_set1_ps(triangle->e1[0]),
                               _mm512_fmadd_ps(ry, _mm512_set1_ps(triangle->e1[1]),
                                               _mm512_mul_ps(rz, _mm512_set1_ps(triangle->e1[2]))));
    u = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(u), sign));
    v = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), sign));
    __m512 t = _mm512_fmadd_ps(nx, cx, _mm512_fmadd_ps(ny, cy, _mm512_mul_ps(nz, cz)));
    t = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(t), sign));
    __m512 zero = _mm512_setzero_ps();
    /* den = 0 fails t > 0 (t is then 0 or has the sign of nothing; a parallel ray never hits). */
    __mmask16 hit = _mm512_mask_cmp_ps_mask(lanes, _mm512_min_ps(u, v), zero, _CMP_GE_OQ);
    hit &= _mm512_cmp_ps_mask(_mm512_add_ps(u, v), absDen, _CMP_LE_OQ);
    hit &= _mm512_cmp_ps_mask(t, zero, _CMP_GT_OQ);
    hit &= _mm512_cmp_ps_mask(absDen, zero, _CMP_GT_OQ);
    /* t / |den|: 1/|den| to 14 bits and one Newton step, a division's accuracy at a fraction of its latency. */
    __m512 r = _mm512_rcp14_ps(absDen);
    r = _mm512_mul_ps(r, _mm512_fnmadd_ps(absDen, r, _mm512_set1_ps(2.0f)));
    return (Candidate16){hit, _mm512_mul_ps(t, r), t, u, v, absDen};
}

AVX512 void refract_clusters_intersect16_avx512(const RefractTriangleClusters *scene, const int32_t *mask,
                                                const float *const *in, void *const *out) {
    Rays16 rays = load_rays(mask, in);
    if (!rays.active) return;
    __m512 tfar = _mm512_maskz_loadu_ps(rays.active, in[IN_TFAR]);
    __m512 bestT = tfar, bestU = _mm512_setzero_ps(), bestV = _mm512_setzero_ps();
    __m512 bestDen = _mm512_set1_ps(1.0f);
    __m512i invalid = _mm512_set1_epi32(-1);
    __m512i geometry = invalid, primitive = invalid;
    __mmask16 found = 0;
    for (uint32_t c = 0; c < scene->clusterCount; c++) {
        const RefractTriangleCluster *cluster = &scene->clusters[c];
        __mmask16 lanes = box_lanes(cluster, &rays, tfar, rays.active);
        if (!lanes) continue;
        const RefractTriangle *triangle = &scene->triangles[cluster->first];
        for (uint32_t k = 0; k < cluster->count; k++, triangle++) {
            Candidate16 candidate = test_triangle(triangle, &rays, lanes);
            /* The closest hit so far narrows tfar: the only step that waits on the previous triangle. No branch:
               whether a lane hits is as good as random. */
            __mmask16 hit = _mm512_mask_cmp_ps_mask(candidate.hit, candidate.t, tfar, _CMP_LE_OQ);
            found |= hit;
            tfar = _mm512_mask_mov_ps(tfar, hit, candidate.t);
            bestU = _mm512_mask_mov_ps(bestU, hit, candidate.u);
            bestV = _mm512_mask_mov_ps(bestV, hit, candidate.v);
            bestDen = _mm512_mask_mov_ps(bestDen, hit, candidate.den);
            geometry = _mm512_mask_mov_epi32(geometry, hit, _mm512_set1_epi32((int)triangle->geometry));
            primitive = _mm512_mask_mov_epi32(primitive, hit, _mm512_set1_epi32((int)triangle->primitive));
        }
    }
    bestT = _mm512_mask_blend_ps(found, _mm512_set1_ps(INFINITY), tfar);
    bestU = _mm512_maskz_div_ps(found, bestU, bestDen);
    bestV = _mm512_maskz_div_ps(found, bestV, bestDen);
    _mm512_mask_storeu_ps(out[OUT_T], rays.active, bestT);
    _mm512_mask_storeu_ps(out[OUT_U], rays.active, bestU);
    _mm512_mask_storeu_ps(out[OUT_V], rays.active, bestV);
    _mm512_mask_storeu_epi32(out[OUT_PRIM], rays.active, primitive);
    _mm512_mask_storeu_epi32(out[OUT_GEOM], rays.active, geometry);
    _mm512_mask_storeu_epi32(out[OUT_INST], rays.active, invalid);
}

AVX512 void refract_clusters_occluded16_avx512(const RefractTriangleClusters *scene, const int32_t *mask,
                                               const float *const *in, void *const *out) {
    Rays16 rays = load_rays(mask, in);
    if (!rays.active) return;
    __m512 tfar = _mm512_maskz_loadu_ps(rays.active, in[IN_TFAR]);
    /* Lanes leave `open` at their first hit; the query ends when none is left. */
    __mmask16 open = rays.active;
    for (uint32_t c = 0; c < scene->clusterCount && open; c++) {
        const RefractTriangleCluster *cluster = &scene->clusters[c];
        __mmask16 lanes = box_lanes(cluster, &rays, tfar, open);
        if (!lanes) continue;
        const RefractTriangle *triangle = &scene->triangles[cluster->first];
        for (uint32_t k = 0; k < cluster->count; k++, triangle++) {
            Candidate16 candidate = test_triangle(triangle, &rays, lanes);
            /* No distance wanted: t <= |den| tfar, without the reciprocal. */
            open &= (__mmask16)~_mm512_mask_cmp_ps_mask(candidate.hit, candidate.unscaledT,
                                                         _mm512_mul_ps(candidate.den, tfar), _CMP_LE_OQ);
        }
    }
    __mmask16 occluded = rays.active & (__mmask16)~open;
    _mm512_mask_storeu_epi32(out[0], rays.active, _mm512_maskz_mov_epi32(occluded, _mm512_set1_epi32(1)));
}
