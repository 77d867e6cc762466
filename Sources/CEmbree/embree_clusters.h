/* The cluster queries of small scenes (internal to CEmbree; see embree_queries.c and embree_clusters_avx512.c). */
#ifndef REFRACT_EMBREE_CLUSTERS_H
#define REFRACT_EMBREE_CLUSTERS_H

#include "CEmbree.h"

/* refract_embree_intersect's and refract_embree_occluded's work for a kernel of width 16 on a scene of clusters,
   with AVX-512F: the same inputs, outputs and masking (lanes off are neither read nor written). Instance outputs
   are always 0xFFFFFFFF: a scene of clusters has no instances. */
void refract_clusters_intersect16_avx512(const RefractTriangleClusters *scene, const int32_t *mask,
                                         const float *const *in, void *const *out);
void refract_clusters_occluded16_avx512(const RefractTriangleClusters *scene, const int32_t *mask,
                                        const float *const *in, void *const *out);

/* The same for kernels of width 8 with AVX2 and FMA, and whether this CPU has both (asked when a query context is made). */
void refract_clusters_intersect8_avx2(const RefractTriangleClusters *scene, const int32_t *mask,
                                      const float *const *in, void *const *out);
void refract_clusters_occluded8_avx2(const RefractTriangleClusters *scene, const int32_t *mask,
                                     const float *const *in, void *const *out);
int refract_clusters_have_avx2(void);

/* One step of a query's depth-first walk over the nodes: from node *n, which some lane of the packet reaches or
   none does, on to the next node or past the node's subtree. The cluster to test next, or -1 (a group, or a node
   no lane reaches). Passing over a group changes no answer: its box holds its members' boxes, and the slab test is
   monotone in the planes. */
static inline int32_t refract_clusters_step(const RefractTriangleClusters *scene, uint32_t *n, int reached) {
    const RefractClusterNode *node = &scene->nodes[*n];
    *n = reached ? *n + 1 : node->skip;
    return reached && node->cluster != REFRACT_CLUSTER_GROUP ? (int32_t)node->cluster : -1;
}

#endif
