/* Ray queries of a small scene's triangle clusters for kernels of width 8, in AVX2 and FMA: the AVX-512 file's
   packet-major half only (without mask registers, the ray-major reduction was not written), masks as all-ones words. */
#include "embree_clusters.h"
#include "embree_query_layout.h"

#include <float.h>
#include <immintrin.h>
#include <math.h>

#define AVX2 __attribute__((target("avx2,fma")))

int refract_clusters_have_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

typedef struct Rays8 {
    __m256 ox, oy, oz, dx, dy, dz, rx, ry, rz;
    __m256i active;
} Rays8;

AVX2 static inline __m256 abs8(__m256 x) {
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

/* 1/d, components under FLT_MIN in magnitude taken as FLT_MIN of their sign (see the AVX-512 file). */
AVX2 static inline __m256 safe_reciprocal8(__m256 d) {
    __m256 sign = _mm256_and_ps(d, _mm256_set1_ps(-0.0f));
    __m256 tiny = _mm256_cmp_ps(abs8(d), _mm256_set1_ps(FLT_MIN), _CMP_LT_OQ);
    __m256 floor = _mm256_or_ps(_mm256_set1_ps(FLT_MIN), sign);
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_blendv_ps(d, floor, tiny));
}

AVX2 static inline Rays8 load_rays8(const int32_t *mask, const float *const *in) {
    Rays8 rays;
    __m256i words = _mm256_loadu_si256((const __m256i *)mask);
    rays.active = _mm256_xor_si256(_mm256_cmpeq_epi32(words, _mm256_setzero_si256()), _mm256_set1_epi32(-1));
    rays.ox = _mm256_maskload_ps(in[IN_OX], rays.active);
    rays.oy = _mm256_maskload_ps(in[IN_OY], rays.active);
    rays.oz = _mm256_maskload_ps(in[IN_OZ], rays.active);
    rays.dx = _mm256_maskload_ps(in[IN_DX], rays.active);
    rays.dy = _mm256_maskload_ps(in[IN_DY], rays.active);
    rays.dz = _mm256_maskload_ps(in[IN_DZ], rays.active);
    rays.rx = safe_reciprocal8(rays.dx);
    rays.ry = safe_reciprocal8(rays.dy);
    rays.rz = safe_reciprocal8(rays.dz);
    return rays;
}

/* The lanes of `lanes` (all-ones words) whose ray meets the node's box within [0, tfar]. */
AVX2 static inline __m256 box_lanes8(const RefractClusterNode *box, const Rays8 *rays, __m256 tfar,
                                     __m256 lanes) {
    __m256 ax = _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(box->lower[0]), rays->ox), rays->rx);
    __m256 bx = _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(box->upper[0]), rays->ox), rays->rx);
    __m256 ay = _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(box->lower[1]), rays->oy), rays->ry);
    __m256 by = _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(box->upper[1]), rays->oy), rays->ry);
    __m256 az = _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(box->lower[2]), rays->oz), rays->rz);
    __m256 bz = _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(box->upper[2]), rays->oz), rays->rz);
    __m256 near = _mm256_max_ps(_mm256_max_ps(_mm256_min_ps(ax, bx), _mm256_min_ps(ay, by)),
                                _mm256_max_ps(_mm256_min_ps(az, bz), _mm256_setzero_ps()));
    __m256 far = _mm256_min_ps(_mm256_min_ps(_mm256_max_ps(ax, bx), _mm256_max_ps(ay, by)),
                               _mm256_min_ps(_mm256_max_ps(az, bz), tfar));
    return _mm256_and_ps(lanes, _mm256_cmp_ps(near, far, _CMP_LE_OQ));
}

typedef struct Candidate8 {
    __m256 hit;
    __m256 t, unscaledT, u, v, den;
} Candidate8;

/* The AVX-512 file's `test` in its packet-major layout: lanes whose ray meets triangle k at t > 0, t not yet
   compared with tfar. */
AVX2 static inline Candidate8 test_triangle8(const RefractClusterTriangles *block, uint32_t k, const Rays8 *rays,
                                             __m256 lanes) {
    __m256 cx = _mm256_sub_ps(_mm256_set1_ps(block->v0[0][k]), rays->ox);
    __m256 cy = _mm256_sub_ps(_mm256_set1_ps(block->v0[1][k]), rays->oy);
    __m256 cz = _mm256_sub_ps(_mm256_set1_ps(block->v0[2][k]), rays->oz);
    __m256 rx = _mm256_fmsub_ps(cy, rays->dz, _mm256_mul_ps(cz, rays->dy));
    __m256 ry = _mm256_fmsub_ps(cz, rays->dx, _mm256_mul_ps(cx, rays->dz));
    __m256 rz = _mm256_fmsub_ps(cx, rays->dy, _mm256_mul_ps(cy, rays->dx));
    __m256 nx = _mm256_set1_ps(block->ng[0][k]), ny = _mm256_set1_ps(block->ng[1][k]);
    __m256 nz = _mm256_set1_ps(block->ng[2][k]);
    __m256 den = _mm256_fmadd_ps(nx, rays->dx, _mm256_fmadd_ps(ny, rays->dy, _mm256_mul_ps(nz, rays->dz)));
    __m256 sign = _mm256_and_ps(den, _mm256_set1_ps(-0.0f));
    __m256 absDen = abs8(den);
    __m256 u = _mm256_fmadd_ps(rx, _mm256_set1_ps(block->e2[0][k]),
                               _mm256_fmadd_ps(ry, _mm256_set1_ps(block->e2[1][k]),
                                               _mm256_mul_ps(rz, _mm256_set1_ps(block->e2[2][k]))));
    __m256 v = _mm256_fmadd_ps(rx, _mm256_set1_ps(block->e1[0][k]),
                               _mm256_fmadd_ps(ry, _mm256_set1_ps(block->e1[1][k]),
                                               _mm256_mul_ps(rz, _mm256_set1_ps(block->e1[2][k]))));
    u = _mm256_xor_ps(u, sign);
    v = _mm256_xor_ps(v, sign);
    __m256 t = _mm256_xor_ps(_mm256_fmadd_ps(nx, cx, _mm256_fmadd_ps(ny, cy, _mm256_mul_ps(nz, cz))), sign);
    __m256 zero = _mm256_setzero_ps();
    __m256 hit = _mm256_and_ps(lanes, _mm256_cmp_ps(_mm256_min_ps(u, v), zero, _CMP_GE_OQ));
    hit = _mm256_and_ps(hit, _mm256_cmp_ps(_mm256_add_ps(u, v), absDen, _CMP_LE_OQ));
    hit = _mm256_and_ps(hit, _mm256_cmp_ps(t, zero, _CMP_GT_OQ));
    hit = _mm256_and_ps(hit, _mm256_cmp_ps(absDen, zero, _CMP_GT_OQ));
    /* 1/|den| to 12 bits and one Newton step. */
    __m256 r = _mm256_rcp_ps(absDen);
    r = _mm256_mul_ps(r, _mm256_fnmadd_ps(absDen, r, _mm256_set1_ps(2.0f)));
    return (Candidate8){hit, _mm256_mul_ps(t, r), t, u, v, absDen};
}

AVX2 void refract_clusters_intersect8_avx2(const RefractTriangleClusters *scene, const int32_t *mask,
                                           const float *const *in, void *const *out) {
    Rays8 rays = load_rays8(mask, in);
    __m256 active = _mm256_castsi256_ps(rays.active);
    if (_mm256_testz_ps(active, active)) return;
    __m256 tfar = _mm256_maskload_ps(in[IN_TFAR], rays.active);
    __m256 bestU = _mm256_setzero_ps(), bestV = _mm256_setzero_ps(), bestDen = _mm256_set1_ps(1.0f);
    __m256 geometry = _mm256_castsi256_ps(_mm256_set1_epi32(-1)), primitive = geometry;
    __m256 found = _mm256_setzero_ps();
    for (uint32_t n = 0; n < scene->nodeCount;) {
        __m256 lanes = box_lanes8(&scene->nodes[n], &rays, tfar, active);
        int32_t c = refract_clusters_step(scene, &n, !_mm256_testz_ps(lanes, lanes));
        if (c < 0) continue;
        const RefractTriangleCluster *cluster = &scene->clusters[c];
        const RefractClusterTriangles *block = &scene->triangles[c];
        for (uint32_t k = 0; k < cluster->count; k++) {
            Candidate8 candidate = test_triangle8(block, k, &rays, lanes);
            __m256 hit = _mm256_and_ps(candidate.hit, _mm256_cmp_ps(candidate.t, tfar, _CMP_LE_OQ));
            found = _mm256_or_ps(found, hit);
            tfar = _mm256_blendv_ps(tfar, candidate.t, hit);
            bestU = _mm256_blendv_ps(bestU, candidate.u, hit);
            bestV = _mm256_blendv_ps(bestV, candidate.v, hit);
            bestDen = _mm256_blendv_ps(bestDen, candidate.den, hit);
            geometry = _mm256_blendv_ps(geometry, _mm256_castsi256_ps(_mm256_set1_epi32((int)block->geometry[k])), hit);
            primitive = _mm256_blendv_ps(primitive, _mm256_castsi256_ps(_mm256_set1_epi32((int)block->primitive[k])),
                                         hit);
        }
    }
    __m256 t = _mm256_blendv_ps(_mm256_set1_ps(INFINITY), tfar, found);
    __m256 u = _mm256_and_ps(found, _mm256_div_ps(bestU, bestDen));
    __m256 v = _mm256_and_ps(found, _mm256_div_ps(bestV, bestDen));
    _mm256_maskstore_ps(out[OUT_T], rays.active, t);
    _mm256_maskstore_ps(out[OUT_U], rays.active, u);
    _mm256_maskstore_ps(out[OUT_V], rays.active, v);
    _mm256_maskstore_ps(out[OUT_PRIM], rays.active, primitive);
    _mm256_maskstore_ps(out[OUT_GEOM], rays.active, geometry);
    _mm256_maskstore_epi32(out[OUT_INST], rays.active, _mm256_set1_epi32(-1));
}

AVX2 void refract_clusters_occluded8_avx2(const RefractTriangleClusters *scene, const int32_t *mask,
                                          const float *const *in, void *const *out) {
    Rays8 rays = load_rays8(mask, in);
    __m256 active = _mm256_castsi256_ps(rays.active);
    if (_mm256_testz_ps(active, active)) return;
    __m256 tfar = _mm256_maskload_ps(in[IN_TFAR], rays.active);
    __m256 open = active;
    for (uint32_t n = 0; n < scene->nodeCount && !_mm256_testz_ps(open, open);) {
        __m256 lanes = box_lanes8(&scene->nodes[n], &rays, tfar, open);
        int32_t c = refract_clusters_step(scene, &n, !_mm256_testz_ps(lanes, lanes));
        if (c < 0) continue;
        const RefractTriangleCluster *cluster = &scene->clusters[c];
        const RefractClusterTriangles *block = &scene->triangles[c];
        for (uint32_t k = 0; k < cluster->count; k++) {
            Candidate8 candidate = test_triangle8(block, k, &rays, lanes);
            __m256 reach = _mm256_mul_ps(candidate.den, tfar);
            __m256 hit = _mm256_and_ps(candidate.hit, _mm256_cmp_ps(candidate.unscaledT, reach, _CMP_LE_OQ));
            open = _mm256_andnot_ps(hit, open);
        }
    }
    __m256i occluded = _mm256_castps_si256(_mm256_andnot_ps(open, active));
    _mm256_maskstore_epi32(out[0], rays.active, _mm256_and_si256(occluded, _mm256_set1_epi32(1)));
}
