/* The AVX-512 packers of full 16-lane packets (internal to CEmbree; see embree_queries.c). */
#ifndef REFRACT_EMBREE_PACKET16_AVX512_H
#define REFRACT_EMBREE_PACKET16_AVX512_H

#include "CEmbree.h"

/* Whether this CPU has AVX-512F (asked once). The packers below may run only where it does. */
int refract_embree_has_avx512(void);

/* The number of lanes on in a 16-lane kernel mask, and in `last` the highest of them when there is one. */
size_t refract_embree_active16_avx512(const int32_t *mask, size_t *last);

/* refract_embree_intersect's and refract_embree_occluded's work for a kernel of width 16 with AVX-512: the same
   inputs, outputs and masking (lanes off are neither traced nor written), packed with vector moves. */
void refract_embree_intersect16_avx512(const RefractEmbreeQuery *query, const int32_t *mask, const float *const *in,
                                       void *const *out);
void refract_embree_occluded16_avx512(const RefractEmbreeQuery *query, const int32_t *mask, const float *const *in,
                                      void *const *out);

#endif
