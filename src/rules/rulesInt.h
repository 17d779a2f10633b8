/* rulesInt: what the rules' files share; private to rules/. */
#ifndef CASCADE_RULES_INT_H
#define CASCADE_RULES_INT_H

#include "cascade/rules.h"

/* A window of recent values (ring.c, struct cas_ring), for the band and dynamic margin. */

/* An empty ring of `size` >= 1 values: 0 or CAS_ENOMEM (*r then holds nothing). */
int cas__ring_init(struct cas_ring *r, cas_step size);
void cas__ring_release(struct cas_ring *r);
/* Store x: over the oldest value when full (returns true, *old = it), else after the
 * newest. head comes back to 0 each time the ring wraps. */
bool cas__ring_push(struct cas_ring *r, double x, double *old);

#endif
