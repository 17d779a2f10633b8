/* bookInt: the data structures behind one order book (private to book.c).
 *
 * Orders live in a pool, an array addressed by uint32 index; free slots are
 * chained through `next`. The pool doubles only when it is full, so indexes
 * stay valid and matching never allocates.
 *
 * Price levels live in a window: a flat array covering the ticks [lo, lo +
 * width), level i holding tick lo + i. Bids and asks share the array, which is
 * sound because the book is never crossed: a tick holds orders of one side at
 * most. Each side has an occupancy bitmap over the window; a level's fields
 * mean something only while its bit is set (an empty level is not cleared).
 * The bitmap is hierarchical: a bit of level k+1 is set iff the word of level
 * k that it stands for is non-zero, up to a top level of one word, so the next
 * occupied level is found in O(log64 width) whatever the gaps. The window never
 * spans more than CAS_BOOK_MAX_SPAN + 1 ticks. When an order must rest outside
 * it, the window is re-centred on the resting prices, in place (the occupied
 * levels shift) when it is wide enough, else in a new array at least twice as
 * wide as they spread, so that moves stay rare as the market drifts.
 *
 * Each level is a doubly-linked FIFO queue of pool indexes, oldest at the
 * head; `seq`, an insertion counter, records arrival so that the check can
 * verify the order. The cursors best[CAS_BUY] (highest occupied bid level) and
 * best[CAS_SELL] (lowest occupied ask level) are level indexes, NIL when the
 * side is empty.
 *
 * The id index is open addressing with linear probing over a power-of-two
 * table at least twice the pool; deletion shifts later entries back, so there
 * are no tombstones. A slot is empty when its idx is NIL.
 *
 * An order does not store its side: a resting order is a bid iff the bids are
 * non-empty and its price is at most the best bid (the book is not crossed).
 */
#ifndef CASCADE_BOOK_INT_H
#define CASCADE_BOOK_INT_H

#include <stdint.h>

#include "cascade/book.h"

#define NIL UINT32_MAX

/* Levels of the occupancy bitmap: 64^5 bits cover any window. */
#define BITMAP_DEPTH 5

struct order {
    uint64_t id;
    cas_lots qty; /* remaining, > 0 while resting */
    cas_ticks price;
    uint64_t seq;  /* arrival number, increasing along every queue */
    uint32_t prev; /* towards the head (older); NIL at the head */
    uint32_t next; /* towards the tail (newer), or the next free slot */
};

struct level {
    uint32_t head; /* oldest order */
    uint32_t tail; /* newest order */
    uint32_t count;
    cas_lots qty;
};

struct bitmap {
    uint64_t *words[BITMAP_DEPTH]; /* words[0] owns the one allocation */
    uint32_t nwords[BITMAP_DEPTH];
    uint32_t top; /* words[top] is a single word */
    uint32_t nbits;
};

struct window {
    struct level *levels;
    struct bitmap occ[2]; /* indexed by enum cas_side */
    cas_ticks lo;         /* tick of levels[0] */
    uint32_t width;
};

struct slot {
    uint64_t id;
    uint32_t idx; /* pool index, NIL when the slot is empty */
};

struct cas_book {
    struct order *pool;
    uint32_t pool_cap;
    uint32_t free_head; /* first free slot, NIL when the pool is full */
    uint32_t norders;   /* resting orders */

    struct slot *index;
    uint32_t index_mask; /* table size - 1 */

    struct window win;
    uint32_t best[2];  /* level index of each side's best price, or NIL */
    cas_lots total[2]; /* lots resting on each side */
    uint64_t seq;      /* next arrival number */
};

#endif
