/* The AVX2 packers of full 8-lane packets (internal to CEmbree; see embree_queries.c). */
#ifndef REFRACT_EMBREE_PACKET8_AVX2_H
#define REFRACT_EMBREE_PACKET8_AVX2_H

#include "CEmbree.h"

/* Whether this CPU has AVX2 (asked once). The packers below may run only where it does. */
int refract_embree_has_avx2(void);

/* The number of lanes on in an 8-lane kernel mask, and in `last` the highest of them when there is one. */
size_t refract_embree_active8_avx2(const int32_t *mask, size_t *last);

/* refract_embree_intersect's and refract_embree_occluded's work for a kernel of width 8 with AVX2: the same
   inputs, outputs and masking (lanes off are neither traced nor written), packed with vector moves. */
void refract_embree_intersect8_avx2(const RefractEmbreeQuery *query, const int32_t *mask, const float *const *in,
                                    void *const *out);
void refract_embree_occluded8_avx2(const RefractEmbreeQuery *query, const int32_t *mask, const float *const *in,
                                   void *const *out);

#endif
