/* heap: the library's one binary heap, written once and instantiated for each
 * element type, as a template would be.
 *
 *     CAS_HEAP(NAME, TYPE, CTX, BEFORE, PLACED)
 *
 * defines two static inline functions over an array v of n elements:
 *
 *     NAME_up(CTX ctx, TYPE *v, uint32_t k)              move v[k] toward the root
 *     NAME_down(CTX ctx, TYPE *v, uint32_t n, uint32_t k) move v[k] toward the leaves
 *
 * BEFORE(ctx, a, b) is true when *a must come out before *b; it must be a
 * strict total order (break ties by an id), so that the order elements come
 * out in never depends on where they sit in the array. PLACED(ctx, v, k) is
 * called whenever an element lands in v[k]: an indexed heap records the slot
 * there (the risk heaps, whose positions know their slot); other heaps pass
 * CAS_HEAP_NOTHING_PLACED. Both are inlined; the heap costs what a
 * hand-written one does.
 *
 * Push: append at v[n] and call NAME_up(ctx, v, n). Pop: move v[n - 1] to
 * v[0] and call NAME_down(ctx, v, n - 1, 0). Remove slot k: move the last
 * element there, then NAME_up and NAME_down it. Re-key slot k: change it,
 * then NAME_up and NAME_down it. NAME_make(ctx, v, n) orders n elements at
 * once (Floyd: O(n), where n pushes cost O(n log n)); PLACED is called for
 * those it moves, so an indexed heap records every slot itself first.
 * The four are marked unused: an instantiation that never builds a heap at
 * once (the scheduler's) or never moves an entry up (the ADL queue's) must
 * not trip clang's -Wunused-function.
 */
#ifndef CASCADE_HEAP_H
#define CASCADE_HEAP_H

#define CAS__HEAP_FN __attribute__((unused)) static inline

#include <assert.h>
#include <stdint.h>

#define CAS_HEAP_NOTHING_PLACED(ctx, v, k) ((void)(ctx), (void)(v), (void)(k))

#define CAS_HEAP(NAME, TYPE, CTX, BEFORE, PLACED)                              \
    CAS__HEAP_FN void NAME##_put(CTX ctx, TYPE *v, uint32_t k, TYPE e)         \
    {                                                                          \
        v[k] = e;                                                              \
        PLACED(ctx, v, k);                                                     \
    }                                                                          \
    CAS__HEAP_FN void NAME##_up(CTX ctx, TYPE *v, uint32_t k)                  \
    {                                                                          \
        TYPE e = v[k];                                                         \
        for (uint32_t p; k > 0 && BEFORE(ctx, &e, &v[p = (k - 1) / 2]); k = p) \
            NAME##_put(ctx, v, k, v[p]);                                       \
        NAME##_put(ctx, v, k, e);                                              \
    }                                                                          \
    CAS__HEAP_FN void NAME##_down(CTX ctx, TYPE *v, uint32_t n, uint32_t k)    \
    {                                                                          \
        assert(k < n || (k == 0 && n == 0));                                   \
        TYPE e = v[k];                                                         \
        for (uint32_t c; (c = 2 * k + 1) < n; k = c) {                         \
            if (c + 1 < n && BEFORE(ctx, &v[c + 1], &v[c]))                    \
                c++;                                                           \
            if (!BEFORE(ctx, &v[c], &e))                                       \
                break;                                                         \
            NAME##_put(ctx, v, k, v[c]);                                       \
        }                                                                      \
        NAME##_put(ctx, v, k, e);                                              \
    }                                                                          \
    CAS__HEAP_FN void NAME##_make(CTX ctx, TYPE *v, uint32_t n)                \
    {                                                                          \
        for (uint32_t k = n / 2; k-- > 0;)                                     \
            NAME##_down(ctx, v, n, k);                                         \
    }

#endif
