/* ring: a window of the last values pushed (struct cas_ring in rules.h). */
#include <stdlib.h>

#include "cascade/rules.h"
#include "rules/rulesInt.h"

int cas__ring_init(struct cas_ring *r, cas_step size)
{
    *r = (struct cas_ring){.v = calloc((size_t)size, sizeof *r->v), .size = size};
    if (r->v)
        return 0;
    r->size = 0;
    return CAS_ENOMEM;
}

void cas__ring_release(struct cas_ring *r)
{
    free(r->v);
    *r = (struct cas_ring){0};
}

bool cas__ring_push(struct cas_ring *r, double x, double *old)
{
    bool full = r->n == r->size;
    if (full)
        *old = r->v[r->head];
    else
        r->n++;
    r->v[r->head] = x;
    r->head = (r->head + 1) % r->size;
    return full;
}
