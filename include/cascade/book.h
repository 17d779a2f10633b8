/* book: one price-time-priority limit order book on integer ticks and lots.
 *
 * Orders rest in FIFO queues per price level; levels are a flat array indexed
 * by tick (a window that grows when a price outside it arrives); orders come
 * from a preallocated pool and are found by id through an open-addressing
 * index, so matching, cancel and lookup allocate nothing in steady state.
 * Fills are always at the maker's (resting order's) price.
 *
 * Invariants (cas_book_check verifies them all): the book is never crossed
 * after an operation (best bid < best ask); each level's quantity and order
 * count equal the sums over its queue; every resting order has qty > 0 and is
 * reachable by its id; orders within a level are in arrival order.
 */
#ifndef CASCADE_BOOK_H
#define CASCADE_BOOK_H

#include "cascade/core.h"

enum cas_side { CAS_BUY = 0, CAS_SELL = 1 };

enum cas_order_type {
    CAS_LIMIT,     /* good till cancelled: match what crosses, rest the remainder */
    CAS_MARKET,    /* match at any price; the remainder is dropped */
    CAS_IOC,       /* match up to the limit price; the remainder is dropped */
    CAS_POST_ONLY, /* rest in full, or be rejected whole if it would cross */
};

struct cas_fill {
    uint64_t taker_id;
    uint64_t maker_id;
    cas_ticks price; /* the maker's price */
    cas_lots qty;
    cas_lots maker_left; /* what remains of the maker order; 0 = it left the book */
    enum cas_side taker_side;
};

/* Called once per fill, in execution order, during cas_book_submit. The
 * callback must not call into the same book. */
typedef void (*cas_fill_fn)(void *ctx, const struct cas_fill *fill);

struct cas_submit_result {
    cas_lots filled; /* lots traded by the incoming order */
    cas_lots rested; /* lots left resting in the book (LIMIT, POST_ONLY) */
    cas_lots
        dropped;   /* remainder dropped (MARKET, IOC), or the whole qty of a rejected post-only */
    bool rejected; /* a post-only order that would have crossed */
};

struct cas_level_info {
    cas_ticks price;
    cas_lots qty;
    uint32_t orders;
};

struct cas_order_info {
    uint64_t id;
    enum cas_side side;
    cas_ticks price;
    cas_lots qty; /* remaining */
};

/* Capacity hints: the book starts with room for `orders` resting orders and
 * the price window [price_lo, price_hi] and grows past them when needed
 * (amortized; never in steady state). Zeros pick small defaults. */
struct cas_book_params {
    uint32_t orders;
    cas_ticks price_lo;
    cas_ticks price_hi;
};

/* Limits on input; beyond them submit returns CAS_ERANGE. */
#define CAS_BOOK_MAX_PRICE ((cas_ticks)1 << 40)
#define CAS_BOOK_MAX_SPAN ((cas_ticks)1 << 24) /* resting prices at most this many ticks apart */
#define CAS_BOOK_MAX_QTY ((cas_lots)1 << 50)

/* Create an empty book; NULL when out of memory. */
struct cas_book *cas_book_create(const struct cas_book_params *params);
/* Free a book and all its orders; NULL is a no-op. */
void cas_book_destroy(struct cas_book *book);

/* Submit an order. `id` must not name an order resting in this book
 * (CAS_EEXIST otherwise); price is ignored for MARKET and must lie in
 * [1, CAS_BOOK_MAX_PRICE] otherwise; qty in [1, CAS_BOOK_MAX_QTY].
 * On an error nothing changes and `out` is zeroed. `on_fill` may be NULL. */
int cas_book_submit(struct cas_book *book, uint64_t id, enum cas_side side,
                    enum cas_order_type type, cas_ticks price, cas_lots qty, cas_fill_fn on_fill,
                    void *ctx, struct cas_submit_result *out);

/* Cancel a resting order: 0, or CAS_ENOTFOUND if no resting order has that id. */
int cas_book_cancel(struct cas_book *book, uint64_t id);
/* The same, saying in *out (which may be NULL) what the order was: one lookup
 * where cas_book_order then cas_book_cancel take two. */
int cas_book_take(struct cas_book *book, uint64_t id, struct cas_order_info *out);

/* Reduce a resting order's remaining quantity to new_qty in [1, current],
 * keeping its place in the queue: 0, CAS_ENOTFOUND, or CAS_ERANGE. */
int cas_book_reduce(struct cas_book *book, uint64_t id, cas_lots new_qty);

/* Best prices; false when that side is empty. */
bool cas_book_best_bid(const struct cas_book *book, cas_ticks *price);
bool cas_book_best_ask(const struct cas_book *book, cas_ticks *price);

/* Lots resting at the best level of a side (0 when empty). */
cas_lots cas_book_best_qty(const struct cas_book *book, enum cas_side side);

/* The top n levels of a side, best first; returns how many were written. */
uint32_t cas_book_depth(const struct cas_book *book, enum cas_side side, uint32_t n,
                        struct cas_level_info *out);

/* Lots resting on `side` at prices at least as good for a taker as `limit`
 * (asks <= limit when side is CAS_SELL, bids >= limit when side is CAS_BUY). */
cas_lots cas_book_qty_to(const struct cas_book *book, enum cas_side side, cas_ticks limit);

/* Look up a resting order by id in O(1): true and *out filled if it rests. */
bool cas_book_order(const struct cas_book *book, uint64_t id, struct cas_order_info *out);

/* Number of resting orders. */
uint32_t cas_book_orders(const struct cas_book *book);

/* Walk every level of a side best first, calling fn for each (stop when fn
 * returns false). For writers and tests, not for the hot path. */
void cas_book_levels(const struct cas_book *book, enum cas_side side,
                     bool (*fn)(void *ctx, const struct cas_level_info *level), void *ctx);

/* Walk the orders of one level in queue order (for tests of FIFO). */
void cas_book_level_orders(const struct cas_book *book, enum cas_side side, cas_ticks price,
                           bool (*fn)(void *ctx, const struct cas_order_info *order), void *ctx);

/* Check every invariant; on failure false and a one-line reason in why. */
bool cas_book_check(const struct cas_book *book, char *why, size_t why_len);

#endif
