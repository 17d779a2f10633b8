/* grow: the one growable-array helper of the library (cas__grow in core.h). */
#include <stdlib.h>
#include <string.h>

#include "cascade/core.h"
#include "core/coreInt.h"

int cas__grow(void **v, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    uint32_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > UINT32_MAX / 2) /* a doubling would wrap: 2^31 elements at most */
            return CAS_ENOMEM;
        c *= 2;
    }
    void *n = realloc(*v, (size_t)c * size);
    if (!n)
        return CAS_ENOMEM;
    *v = n;
    *cap = c;
    return 0;
}

int cas__grow_zeroed(void **v, uint32_t *cap, uint32_t need, size_t size)
{
    uint32_t old = *cap;
    int rc = cas__grow(v, cap, need, size);
    if (rc == 0 && *cap > old)
        memset((char *)*v + (size_t)old * size, 0, (size_t)(*cap - old) * size);
    return rc;
}
