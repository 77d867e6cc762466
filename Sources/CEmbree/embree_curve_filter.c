/* The filter Refract sets on curve geometries: back-face hits rejected, so that curves are one-sided as in Mitsuba. */
#include "CEmbree.h"

/* Mitsuba 3.9.1 relies on its Embree culling a curve's back faces at trace time (its curves' docs: "impossible to
   intersect the curve with a ray whose origin is inside"), and culls again after the hit. Debian's Embree 3 reports
   the exit hit of a ray that starts inside a round B-spline tube; a hit culled only afterwards would hide whatever
   lies beyond it, where Mitsuba finds that next surface. Rejecting the candidate here lets Embree go on. */
void refract_embree_cull_back_faces(const void *arguments) {
    const struct RTCFilterFunctionNArguments *args = (const struct RTCFilterFunctionNArguments *)arguments;
    const unsigned int n = args->N;
    /* RTCRayN: org_x, org_y, org_z, tnear, dir_x, dir_y, dir_z, ... each n lanes; RTCHitN: Ng_x, Ng_y, Ng_z, ... */
    const float *ray = (const float *)args->ray, *hit = (const float *)args->hit;
    for (unsigned int l = 0; l < n; l++) {
        if (args->valid[l] != -1) continue;
        float facing = ray[4 * n + l] * hit[l] + ray[5 * n + l] * hit[n + l] + ray[6 * n + l] * hit[2 * n + l];
        if (facing > 0.0f) args->valid[l] = 0;
    }
}
