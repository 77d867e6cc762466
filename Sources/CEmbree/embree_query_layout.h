/* The order of the query functions' input and output buffers (CEmbree.h), shared by their implementations. */
#ifndef REFRACT_EMBREE_QUERY_LAYOUT_H
#define REFRACT_EMBREE_QUERY_LAYOUT_H

/* The seven float inputs of both queries, and the six outputs of the intersection. */
enum { IN_OX, IN_OY, IN_OZ, IN_DX, IN_DY, IN_DZ, IN_TFAR };
enum { OUT_T, OUT_U, OUT_V, OUT_PRIM, OUT_GEOM, OUT_INST };

#endif
