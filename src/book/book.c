/* book: a price-time-priority limit order book built for speed.
 *
 * The data structures and their invariants are described in bookInt.h. In
 * short: a pool of orders addressed by index, a window of price levels indexed
 * by tick with a hierarchical occupancy bitmap per side, best-price cursors,
 * and an open-addressing index from id to pool slot. Submit validates and
 * reserves everything it may need (pool slot, new window) before it changes
 * anything, so every error leaves the book as it was; matching and resting
 * allocate nothing. Besides the limits in book.h, submit refuses (CAS_ERANGE)
 * an order that could rest when its lots would push the lots resting on its
 * side past INT64_MAX, so that no level or side total can overflow.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "book/bookInt.h"

#define POOL_MIN 64u
#define POOL_MAX (UINT32_C(1) << 30) /* keeps the index size within uint32 */
#define WINDOW_DEFAULT 4096u
#define WINDOW_MIN 64u
#define WINDOW_MAX ((uint32_t)CAS_BOOK_MAX_SPAN + 1u)

/* ---- small helpers ---------------------------------------------------- */

static inline enum cas_side opposite(enum cas_side side)
{
    return side == CAS_BUY ? CAS_SELL : CAS_BUY;
}

static inline bool can_rest(enum cas_order_type type)
{
    return type == CAS_LIMIT || type == CAS_POST_ONLY;
}

/* splitmix64's finalizer: every input bit affects every output bit. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static uint32_t pow2_at_least(uint32_t n) /* n <= 2^31 */
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* ---- occupancy bitmap ------------------------------------------------- */

static int bitmap_init(struct bitmap *bm, uint32_t nbits)
{
    size_t total = 0;
    uint32_t n = nbits, k = 0;
    do {
        n = (n + 63) / 64;
        bm->nwords[k++] = n;
        total += n;
    } while (n > 1 && k < BITMAP_DEPTH);
    if (n > 1)
        return CAS_ERANGE; /* cannot happen for widths up to WINDOW_MAX */
    uint64_t *w = calloc(total, sizeof *w);
    if (!w)
        return CAS_ENOMEM;
    bm->top = k - 1;
    bm->nbits = nbits;
    for (uint32_t i = 0; i < k; i++) {
        bm->words[i] = w;
        w += bm->nwords[i];
    }
    return 0;
}

static void bitmap_release(struct bitmap *bm)
{
    free(bm->words[0]);
    bm->words[0] = NULL;
}

static inline bool bitmap_test(const struct bitmap *bm, uint32_t i)
{
    return (bm->words[0][i >> 6] >> (i & 63)) & 1;
}

static inline void bitmap_set(struct bitmap *bm, uint32_t i)
{
    assert(i < bm->nbits);
    for (uint32_t k = 0; k <= bm->top; k++, i >>= 6) {
        uint64_t *w = &bm->words[k][i >> 6];
        uint64_t old = *w;
        *w = old | UINT64_C(1) << (i & 63);
        if (old)
            return; /* the levels above already say this word is occupied */
    }
}

static inline void bitmap_clear(struct bitmap *bm, uint32_t i)
{
    assert(i < bm->nbits);
    for (uint32_t k = 0; k <= bm->top; k++, i >>= 6) {
        uint64_t *w = &bm->words[k][i >> 6];
        *w &= ~(UINT64_C(1) << (i & 63));
        if (*w)
            return; /* the word still has occupied bits */
    }
}

/* Smallest set bit >= i, or NIL: climb until a word has one, then descend. */
static uint32_t bitmap_next(const struct bitmap *bm, uint32_t i)
{
    if (i >= bm->nbits)
        return NIL;
    uint32_t k = 0;
    for (;;) {
        uint64_t w = bm->words[k][i >> 6] & (~UINT64_C(0) << (i & 63));
        if (w) {
            i = (i & ~63u) | (uint32_t)__builtin_ctzll(w);
            break;
        }
        if (k == bm->top)
            return NIL;
        i = (i >> 6) + 1;
        k++;
        if ((i >> 6) >= bm->nwords[k])
            return NIL;
    }
    while (k > 0) {
        k--;
        i = i << 6 | (uint32_t)__builtin_ctzll(bm->words[k][i]);
    }
    return i;
}

/* Largest set bit <= i, or NIL. */
static uint32_t bitmap_prev(const struct bitmap *bm, uint32_t i)
{
    if (i >= bm->nbits)
        i = bm->nbits - 1;
    uint32_t k = 0;
    for (;;) {
        uint64_t w = bm->words[k][i >> 6] & (~UINT64_C(0) >> (63 - (i & 63)));
        if (w) {
            i = (i & ~63u) | (63 - (uint32_t)__builtin_clzll(w));
            break;
        }
        if (k == bm->top || (i >> 6) == 0)
            return NIL;
        i = (i >> 6) - 1;
        k++;
    }
    while (k > 0) {
        k--;
        i = i << 6 | (63 - (uint32_t)__builtin_clzll(bm->words[k][i]));
    }
    return i;
}

/* ---- price window ----------------------------------------------------- */

static void window_release(struct window *w)
{
    free(w->levels);
    w->levels = NULL;
    bitmap_release(&w->occ[CAS_BUY]);
    bitmap_release(&w->occ[CAS_SELL]);
}

/* Levels need no initialization (one is read only while its bit is set), but
 * calloc leaves the untouched pages of a wide window unmapped until used,
 * where malloc may fill them (glibc's MALLOC_PERTURB_). */
static int window_init(struct window *w, cas_ticks lo, uint32_t width)
{
    *w = (struct window){.lo = lo, .width = width};
    w->levels = calloc(width, sizeof *w->levels);
    if (!w->levels || bitmap_init(&w->occ[CAS_BUY], width) ||
        bitmap_init(&w->occ[CAS_SELL], width)) {
        window_release(w);
        return CAS_ENOMEM;
    }
    return 0;
}

static inline bool window_holds(const struct window *w, cas_ticks price)
{
    return price >= w->lo && price - w->lo < (cas_ticks)w->width;
}

/* A window of at least `width` ticks (more, to leave room to drift) centred on
 * [lo_r, hi_r], which spans at most WINDOW_MAX ticks. */
static void window_place(cas_ticks lo_r, cas_ticks hi_r, uint32_t width, cas_ticks *lo,
                         uint32_t *out_width)
{
    uint64_t need = (uint64_t)(hi_r - lo_r) + 1;
    uint64_t w = width > 2 * need ? width : 2 * need;
    w = (w + 63) & ~UINT64_C(63);
    if (w > WINDOW_MAX)
        w = WINDOW_MAX;
    cas_ticks l = lo_r - (cas_ticks)(w - need) / 2;
    *lo = l < 1 ? 1 : l;
    *out_width = (uint32_t)w;
}

/* ---- id index --------------------------------------------------------- */

/* Slot holding id, or NIL. */
static inline uint32_t index_find(const struct cas_book *b, uint64_t id)
{
    uint32_t m = b->index_mask;
    for (uint32_t h = (uint32_t)mix64(id) & m;; h = (h + 1) & m) {
        const struct slot *s = &b->index[h];
        if (s->idx == NIL)
            return NIL;
        if (s->id == id)
            return h;
    }
}

static inline void index_put(struct slot *tab, uint32_t mask, uint64_t id, uint32_t idx)
{
    uint32_t h = (uint32_t)mix64(id) & mask;
    while (tab[h].idx != NIL)
        h = (h + 1) & mask;
    tab[h] = (struct slot){.id = id, .idx = idx};
}

/* Empty slot h, shifting back later entries of the probe run that would
 * otherwise become unreachable (no tombstones). */
static void index_erase_at(struct cas_book *b, uint32_t h)
{
    uint32_t m = b->index_mask;
    for (uint32_t j = (h + 1) & m; b->index[j].idx != NIL; j = (j + 1) & m) {
        uint32_t home = (uint32_t)mix64(b->index[j].id) & m;
        if (((j - home) & m) >= ((j - h) & m)) {
            b->index[h] = b->index[j];
            h = j;
        }
    }
    b->index[h].idx = NIL;
}

static struct slot *index_alloc(size_t size)
{
    struct slot *tab = malloc(size * sizeof *tab);
    if (tab)
        for (size_t i = 0; i < size; i++)
            tab[i].idx = NIL;
    return tab;
}

/* ---- order pool ------------------------------------------------------- */

static void pool_chain(struct order *pool, uint32_t from, uint32_t to, uint32_t then)
{
    for (uint32_t i = from; i < to; i++)
        pool[i].next = i + 1 < to ? i + 1 : then;
}

/* Double the pool and the index (the index stays at least twice the pool). */
static int pool_grow(struct cas_book *b)
{
    if (b->pool_cap >= POOL_MAX)
        return CAS_ENOMEM;
    uint32_t cap = b->pool_cap * 2;
    size_t size = (size_t)cap * 2;
    struct slot *tab = index_alloc(size);
    if (!tab)
        return CAS_ENOMEM;
    struct order *pool = realloc(b->pool, (size_t)cap * sizeof *pool);
    if (!pool) {
        free(tab);
        return CAS_ENOMEM;
    }
    for (size_t i = 0; i <= b->index_mask; i++)
        if (b->index[i].idx != NIL)
            index_put(tab, (uint32_t)(size - 1), b->index[i].id, b->index[i].idx);
    free(b->index);
    b->index = tab;
    b->index_mask = (uint32_t)(size - 1);
    pool_chain(pool, b->pool_cap, cap, b->free_head);
    b->free_head = b->pool_cap;
    b->pool = pool;
    b->pool_cap = cap;
    return 0;
}

static inline uint32_t pool_take(struct cas_book *b)
{
    uint32_t oi = b->free_head;
    assert(oi != NIL && oi < b->pool_cap); /* reserve() grew the pool first */
    b->free_head = b->pool[oi].next;
    return oi;
}

static inline void pool_put(struct cas_book *b, uint32_t oi)
{
    assert(oi < b->pool_cap);
    b->pool[oi].next = b->free_head;
    b->free_head = oi;
}

/* ---- sides and levels ------------------------------------------------- */

static inline cas_ticks tick_of(const struct cas_book *b, uint32_t li)
{
    assert(li < b->win.width);
    return b->win.lo + (cas_ticks)li;
}

/* See bookInt.h: sides are told apart by the best bid. */
static inline enum cas_side side_of(const struct cas_book *b, const struct order *o)
{
    uint32_t bid = b->best[CAS_BUY];
    return bid != NIL && o->price <= tick_of(b, bid) ? CAS_BUY : CAS_SELL;
}

/* The next occupied level after li going away from the best price, or NIL. */
static inline uint32_t level_after(const struct cas_book *b, enum cas_side side, uint32_t li)
{
    if (side == CAS_SELL)
        return bitmap_next(&b->win.occ[CAS_SELL], li + 1);
    return li == 0 ? NIL : bitmap_prev(&b->win.occ[CAS_BUY], li - 1);
}

/* The worst occupied level of a side, or NIL. */
static uint32_t level_worst(const struct cas_book *b, enum cas_side side)
{
    if (side == CAS_SELL)
        return bitmap_prev(&b->win.occ[CAS_SELL], b->win.width - 1);
    return bitmap_next(&b->win.occ[CAS_BUY], 0);
}

/* Level li of `side` has become empty: unmark it and move the cursor. */
static inline void level_vacate(struct cas_book *b, enum cas_side side, uint32_t li)
{
    struct bitmap *bm = &b->win.occ[side];
    assert(bitmap_test(bm, li));
    bitmap_clear(bm, li);
    if (b->best[side] == li)
        b->best[side] = side == CAS_SELL ? bitmap_next(bm, li) : bitmap_prev(bm, li);
}

static inline void level_unlink(struct cas_book *b, struct level *l, const struct order *o)
{
    assert(l->count > 0 && o->qty > 0 && l->qty >= o->qty);
    if (o->prev != NIL)
        b->pool[o->prev].next = o->next;
    else
        l->head = o->next;
    if (o->next != NIL)
        b->pool[o->next].prev = o->prev;
    else
        l->tail = o->prev;
    l->count--;
    l->qty -= o->qty;
    assert((l->count == 0) == (l->head == NIL) && (l->head == NIL) == (l->tail == NIL));
}

/* ---- create and destroy ----------------------------------------------- */

struct cas_book *cas_book_create(const struct cas_book_params *params)
{
    struct cas_book_params p = params ? *params : (struct cas_book_params){0};
    uint32_t hint = p.orders < POOL_MIN ? POOL_MIN : p.orders > POOL_MAX ? POOL_MAX : p.orders;
    uint32_t cap = pow2_at_least(hint);
    cas_ticks lo = 1;
    uint32_t width = WINDOW_DEFAULT;
    if (p.price_lo >= 1 && p.price_hi >= p.price_lo && p.price_lo <= CAS_BOOK_MAX_PRICE) {
        cas_ticks span = p.price_hi - p.price_lo + 1;
        lo = p.price_lo;
        width = WINDOW_MAX;
        if (span < WINDOW_MAX)
            width = span < WINDOW_MIN ? WINDOW_MIN : (uint32_t)span;
    }
    struct cas_book *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->pool = malloc((size_t)cap * sizeof *b->pool);
    b->index = index_alloc((size_t)cap * 2);
    if (!b->pool || !b->index || window_init(&b->win, lo, width)) {
        cas_book_destroy(b);
        return NULL;
    }
    b->pool_cap = cap;
    b->index_mask = cap * 2 - 1;
    pool_chain(b->pool, 0, cap, NIL);
    b->free_head = 0;
    b->best[CAS_BUY] = b->best[CAS_SELL] = NIL;
    return b;
}

void cas_book_destroy(struct cas_book *book)
{
    if (!book)
        return;
    window_release(&book->win);
    free(book->index);
    free(book->pool);
    free(book);
}

/* ---- submit: validation and reservation ------------------------------- */

static int validate(const struct cas_book *b, uint64_t id, enum cas_side side,
                    enum cas_order_type type, cas_ticks price, cas_lots qty)
{
    if ((unsigned)side > CAS_SELL || (unsigned)type > CAS_POST_ONLY)
        return CAS_EINVAL;
    if (qty < 1 || qty > CAS_BOOK_MAX_QTY)
        return CAS_ERANGE;
    if (type != CAS_MARKET && (price < 1 || price > CAS_BOOK_MAX_PRICE))
        return CAS_ERANGE;
    if (index_find(b, id) != NIL)
        return CAS_EEXIST;
    return 0;
}

/* Would an order of `side` at `price` trade with the opposite side now? */
static inline bool crosses(const struct cas_book *b, enum cas_side side, cas_ticks price)
{
    uint32_t li = b->best[opposite(side)];
    if (li == NIL)
        return false;
    return side == CAS_BUY ? tick_of(b, li) <= price : tick_of(b, li) >= price;
}

/* Lots resting on `side` at prices a taker with this limit would take,
 * counting no further than `enough`. */
static cas_lots qty_within(const struct cas_book *b, enum cas_side side, cas_ticks limit,
                           cas_lots enough)
{
    cas_lots sum = 0;
    for (uint32_t li = b->best[side]; li != NIL && sum < enough; li = level_after(b, side, li)) {
        cas_ticks px = tick_of(b, li);
        if (side == CAS_SELL ? px > limit : px < limit)
            break;
        sum += b->win.levels[li].qty;
    }
    return sum;
}

static inline void widen(cas_ticks *lo, cas_ticks *hi, cas_ticks px)
{
    if (px < *lo)
        *lo = px;
    if (px > *hi)
        *hi = px;
}

/* The range of resting prices once an order of `side` at `price` has matched
 * everything it crosses and rested: its own side, the opposite levels it does
 * not reach, and `price`. */
static void range_after(const struct cas_book *b, enum cas_side side, cas_ticks price,
                        cas_ticks *lo, cas_ticks *hi)
{
    *lo = *hi = price;
    if (b->best[side] != NIL) {
        widen(lo, hi, tick_of(b, b->best[side]));
        widen(lo, hi, tick_of(b, level_worst(b, side)));
    }
    enum cas_side other = opposite(side);
    uint32_t first = b->best[other];
    if (first != NIL && crosses(b, side, price)) {
        /* it takes the opposite levels up to its price: look past them */
        cas_ticks off = price - b->win.lo; /* >= 0 for a buy, < width for a sell */
        if (other == CAS_SELL)
            first = off + 1 >= (cas_ticks)b->win.width
                        ? NIL
                        : bitmap_next(&b->win.occ[other], (uint32_t)off + 1);
        else
            first = off <= 0 ? NIL : bitmap_prev(&b->win.occ[other], (uint32_t)off - 1);
    }
    if (first != NIL) {
        widen(lo, hi, tick_of(b, first));
        widen(lo, hi, tick_of(b, level_worst(b, other)));
    }
}

/* Where an order that may rest outside the window needs the window to be:
 * *width stays 0 when the window can stay, and CAS_ERANGE when resting
 * would spread resting prices over more than CAS_BOOK_MAX_SPAN ticks. */
static int plan_window(const struct cas_book *b, enum cas_side side, enum cas_order_type type,
                       cas_ticks price, cas_lots qty, cas_ticks *lo, uint32_t *width)
{
    *width = 0;
    if (window_holds(&b->win, price))
        return 0; /* the window spans at most CAS_BOOK_MAX_SPAN + 1 ticks */
    if (type == CAS_LIMIT && qty_within(b, opposite(side), price, qty) >= qty)
        return 0; /* fills in full, never rests */
    cas_ticks rlo, rhi;
    range_after(b, side, price, &rlo, &rhi);
    if (rhi - rlo > CAS_BOOK_MAX_SPAN)
        return CAS_ERANGE;
    window_place(rlo, rhi, b->win.width, lo, width);
    return 0;
}

/* Everything an order that may rest needs, obtained before anything changes:
 * a free pool slot and, when it must rest outside the window, either a wider
 * fresh window (fresh->levels stays NULL otherwise) or, when the width
 * suffices, the tick *recentre where the window will start instead. */
static int reserve(struct cas_book *b, enum cas_side side, enum cas_order_type type,
                   cas_ticks price, cas_lots qty, struct window *fresh, cas_ticks *recentre)
{
    if (qty > INT64_MAX - b->total[side])
        return CAS_ERANGE;
    cas_ticks lo;
    uint32_t width;
    int rc = plan_window(b, side, type, price, qty, &lo, &width);
    if (rc)
        return rc;
    if (b->free_head == NIL && (rc = pool_grow(b)))
        return rc;
    if (width == 0)
        return 0;
    if (width == b->win.width) {
        *recentre = lo;
        return 0;
    }
    return window_init(fresh, lo, width);
}

/* The occupied level after (up) or before (down) index i on either side, or
 * NIL; *side tells which side holds it. */
static uint32_t occupied_step(const struct window *w, uint32_t i, bool up, enum cas_side *side)
{
    uint32_t bid, ask;
    if (up) {
        bid = bitmap_next(&w->occ[CAS_BUY], i);
        ask = bitmap_next(&w->occ[CAS_SELL], i);
        *side = ask < bid ? CAS_SELL : CAS_BUY; /* NIL is the largest index */
        return ask < bid ? ask : bid;
    }
    bid = bitmap_prev(&w->occ[CAS_BUY], i);
    ask = bitmap_prev(&w->occ[CAS_SELL], i);
    if (bid == NIL || (ask != NIL && ask > bid)) {
        *side = CAS_SELL;
        return ask;
    }
    *side = CAS_BUY;
    return bid;
}

/* Make the window start at tick lo, keeping its width: every occupied level
 * (all of them lie in the new window too) moves by the shift, taken in the
 * order in which no level lands on one not yet moved. */
static void window_shift(struct cas_book *b, cas_ticks lo)
{
    struct window *w = &b->win;
    cas_ticks shift = lo - w->lo; /* index i moves to i - shift */
    bool up = shift > 0;          /* levels move down: take them lowest first */
    enum cas_side s;
    uint32_t i = occupied_step(w, up ? 0 : w->width - 1, up, &s);
    while (i != NIL) {
        uint32_t j = (uint32_t)((cas_ticks)i - shift);
        w->levels[j] = w->levels[i];
        bitmap_clear(&w->occ[s], i);
        bitmap_set(&w->occ[s], j);
        if (up)
            i = occupied_step(w, i + 1, true, &s);
        else
            i = i == 0 ? NIL : occupied_step(w, i - 1, false, &s);
    }
    for (int side = CAS_BUY; side <= CAS_SELL; side++)
        if (b->best[side] != NIL)
            b->best[side] = (uint32_t)((cas_ticks)b->best[side] - shift);
    w->lo = lo;
}

/* Move the occupied levels into `fresh` (which covers every resting price)
 * and make it the book's window. */
static void window_adopt(struct cas_book *b, struct window *fresh)
{
    struct window *old = &b->win;
    for (int s = CAS_BUY; s <= CAS_SELL; s++) {
        const struct bitmap *bm = &old->occ[s];
        for (uint32_t i = bitmap_next(bm, 0); i != NIL; i = bitmap_next(bm, i + 1)) {
            uint32_t j = (uint32_t)(old->lo + (cas_ticks)i - fresh->lo);
            fresh->levels[j] = old->levels[i];
            bitmap_set(&fresh->occ[s], j);
        }
        if (b->best[s] != NIL)
            b->best[s] = (uint32_t)(old->lo + (cas_ticks)b->best[s] - fresh->lo);
    }
    window_release(old);
    *old = *fresh;
    *fresh = (struct window){0}; /* the book owns it now */
}

/* ---- submit: matching and resting ------------------------------------- */

/* Take lots from the queue at level li (price px) until the taker is done or
 * the level is empty; returns what the taker has left. */
static cas_lots take_level(struct cas_book *b, uint32_t li, cas_ticks px, uint64_t taker,
                           enum cas_side side, cas_lots qty, cas_fill_fn on_fill, void *ctx)
{
    enum cas_side maker_side = opposite(side);
    struct level *l = &b->win.levels[li];
    struct cas_fill f = {.taker_id = taker, .price = px, .taker_side = side};
    while (qty > 0 && l->count > 0) {
        uint32_t oi = l->head;
        struct order *o = &b->pool[oi];
        cas_lots q = o->qty < qty ? o->qty : qty;
        o->qty -= q;
        l->qty -= q;
        b->total[maker_side] -= q;
        qty -= q;
        f.maker_id = o->id;
        f.qty = q;
        f.maker_left = o->qty;
        if (o->qty == 0) {
            index_erase_at(b, index_find(b, o->id));
            l->head = o->next;
            if (o->next != NIL)
                b->pool[o->next].prev = NIL;
            l->count--;
            b->norders--;
            pool_put(b, oi);
        }
        if (on_fill)
            on_fill(ctx, &f);
    }
    if (l->count == 0)
        level_vacate(b, maker_side, li);
    return qty;
}

/* Match against the opposite side at prices up to `limit`; returns lots left. */
static cas_lots match(struct cas_book *b, uint64_t taker, enum cas_side side, cas_ticks limit,
                      cas_lots qty, cas_fill_fn on_fill, void *ctx)
{
    enum cas_side maker_side = opposite(side);
    while (qty > 0) {
        uint32_t li = b->best[maker_side];
        if (li == NIL)
            break;
        cas_ticks px = tick_of(b, li);
        if (side == CAS_BUY ? px > limit : px < limit)
            break;
        qty = take_level(b, li, px, taker, side, qty, on_fill, ctx);
    }
    return qty;
}

/* Append an order to the tail of its level (the window holds its price and
 * the pool has a free slot). */
static void rest(struct cas_book *b, uint64_t id, enum cas_side side, cas_ticks price, cas_lots qty)
{
    uint32_t oi = pool_take(b);
    struct order *o = &b->pool[oi];
    *o = (struct order){.id = id, .qty = qty, .price = price, .seq = b->seq++, .next = NIL};
    uint32_t li = (uint32_t)(price - b->win.lo);
    struct level *l = &b->win.levels[li];
    struct bitmap *bm = &b->win.occ[side];
    if (bitmap_test(bm, li)) {
        o->prev = l->tail;
        b->pool[l->tail].next = oi;
        l->tail = oi;
        l->count++;
        l->qty += qty;
    } else {
        o->prev = NIL;
        *l = (struct level){.head = oi, .tail = oi, .count = 1, .qty = qty};
        bitmap_set(bm, li);
        uint32_t best = b->best[side];
        if (best == NIL || (side == CAS_BUY ? li > best : li < best))
            b->best[side] = li;
    }
    b->total[side] += qty;
    b->norders++;
    index_put(b->index, b->index_mask, id, oi);
}

int cas_book_submit(struct cas_book *book, uint64_t id, enum cas_side side,
                    enum cas_order_type type, cas_ticks price, cas_lots qty, cas_fill_fn on_fill,
                    void *ctx, struct cas_submit_result *out)
{
    struct cas_submit_result res = {0};
    struct window fresh; /* only window_init fills it in, and only then sets levels */
    fresh.levels = NULL;
    cas_ticks recentre = 0;
    int rc = validate(book, id, side, type, price, qty);
    if (rc)
        goto done;
    if (type == CAS_POST_ONLY && crosses(book, side, price)) {
        res = (struct cas_submit_result){.dropped = qty, .rejected = true};
        goto done;
    }
    if (can_rest(type) && (rc = reserve(book, side, type, price, qty, &fresh, &recentre)))
        goto done;
    if (type == CAS_MARKET)
        price = side == CAS_BUY ? CAS_BOOK_MAX_PRICE : 1;
    cas_lots left = match(book, id, side, price, qty, on_fill, ctx);
    res.filled = qty - left;
    if (left == 0 || !can_rest(type)) {
        res.dropped = left;
        goto done;
    }
    if (fresh.levels)
        window_adopt(book, &fresh);
    else if (recentre)
        window_shift(book, recentre);
    rest(book, id, side, price, left);
    res.rested = left;
done:
    if (fresh.levels)
        window_release(&fresh); /* reserved but not needed: the order filled in full */
    if (out)
        *out = res;
    return rc;
}

/* ---- cancel and reduce ------------------------------------------------ */

int cas_book_cancel(struct cas_book *book, uint64_t id)
{
    return cas_book_take(book, id, NULL);
}

int cas_book_take(struct cas_book *book, uint64_t id, struct cas_order_info *out)
{
    uint32_t h = index_find(book, id);
    if (h == NIL)
        return CAS_ENOTFOUND;
    uint32_t oi = book->index[h].idx;
    const struct order *o = &book->pool[oi];
    enum cas_side side = side_of(book, o);
    if (out)
        *out = (struct cas_order_info){.id = o->id, .side = side, .price = o->price, .qty = o->qty};
    uint32_t li = (uint32_t)(o->price - book->win.lo);
    struct level *l = &book->win.levels[li];
    index_erase_at(book, h);
    level_unlink(book, l, o);
    book->total[side] -= o->qty;
    book->norders--;
    if (l->count == 0)
        level_vacate(book, side, li);
    pool_put(book, oi);
    return 0;
}

int cas_book_reduce(struct cas_book *book, uint64_t id, cas_lots new_qty)
{
    uint32_t h = index_find(book, id);
    if (h == NIL)
        return CAS_ENOTFOUND;
    struct order *o = &book->pool[book->index[h].idx];
    if (new_qty < 1 || new_qty > o->qty)
        return CAS_ERANGE;
    cas_lots cut = o->qty - new_qty;
    book->win.levels[o->price - book->win.lo].qty -= cut;
    book->total[side_of(book, o)] -= cut;
    o->qty = new_qty;
    return 0;
}

/* ---- queries ---------------------------------------------------------- */

static bool best_price(const struct cas_book *b, enum cas_side side, cas_ticks *price)
{
    uint32_t li = b->best[side];
    if (li == NIL)
        return false;
    if (price)
        *price = tick_of(b, li);
    return true;
}

bool cas_book_best_bid(const struct cas_book *book, cas_ticks *price)
{
    return best_price(book, CAS_BUY, price);
}

bool cas_book_best_ask(const struct cas_book *book, cas_ticks *price)
{
    return best_price(book, CAS_SELL, price);
}

cas_lots cas_book_best_qty(const struct cas_book *book, enum cas_side side)
{
    if ((unsigned)side > CAS_SELL || book->best[side] == NIL)
        return 0;
    return book->win.levels[book->best[side]].qty;
}

static struct cas_level_info level_info(const struct cas_book *b, uint32_t li)
{
    const struct level *l = &b->win.levels[li];
    return (struct cas_level_info){.price = tick_of(b, li), .qty = l->qty, .orders = l->count};
}

uint32_t cas_book_depth(const struct cas_book *book, enum cas_side side, uint32_t n,
                        struct cas_level_info *out)
{
    if ((unsigned)side > CAS_SELL)
        return 0;
    uint32_t k = 0;
    for (uint32_t li = book->best[side]; li != NIL && k < n; li = level_after(book, side, li))
        out[k++] = level_info(book, li);
    return k;
}

cas_lots cas_book_qty_to(const struct cas_book *book, enum cas_side side, cas_ticks limit)
{
    if ((unsigned)side > CAS_SELL)
        return 0;
    uint32_t worst = level_worst(book, side);
    if (worst == NIL)
        return 0;
    cas_ticks px = tick_of(book, worst);
    if (side == CAS_SELL ? px <= limit : px >= limit)
        return book->total[side]; /* every level is within the limit */
    return qty_within(book, side, limit, INT64_MAX);
}

bool cas_book_order(const struct cas_book *book, uint64_t id, struct cas_order_info *out)
{
    uint32_t h = index_find(book, id);
    if (h == NIL)
        return false;
    if (out) {
        const struct order *o = &book->pool[book->index[h].idx];
        *out = (struct cas_order_info){
            .id = o->id, .side = side_of(book, o), .price = o->price, .qty = o->qty};
    }
    return true;
}

uint32_t cas_book_orders(const struct cas_book *book)
{
    return book->norders;
}

void cas_book_levels(const struct cas_book *book, enum cas_side side,
                     bool (*fn)(void *ctx, const struct cas_level_info *level), void *ctx)
{
    if ((unsigned)side > CAS_SELL)
        return;
    for (uint32_t li = book->best[side]; li != NIL; li = level_after(book, side, li)) {
        struct cas_level_info info = level_info(book, li);
        if (!fn(ctx, &info))
            return;
    }
}

void cas_book_level_orders(const struct cas_book *book, enum cas_side side, cas_ticks price,
                           bool (*fn)(void *ctx, const struct cas_order_info *order), void *ctx)
{
    if ((unsigned)side > CAS_SELL || !window_holds(&book->win, price))
        return;
    uint32_t li = (uint32_t)(price - book->win.lo);
    if (!bitmap_test(&book->win.occ[side], li))
        return;
    for (uint32_t oi = book->win.levels[li].head; oi != NIL; oi = book->pool[oi].next) {
        const struct order *o = &book->pool[oi];
        struct cas_order_info info = {.id = o->id, .side = side, .price = price, .qty = o->qty};
        if (!fn(ctx, &info))
            return;
    }
}

/* ---- check ------------------------------------------------------------ */

enum { SEEN_RESTING = 1, SEEN_FREE = 2 };

/* Every summary bit is set iff the word below it is non-zero, and no bit lies
 * past the end of its level. */
static bool check_bitmap(const struct bitmap *bm, const char *name, char *why, size_t len)
{
    uint32_t spare = bm->nwords[0] * 64 - bm->nbits;
    if (spare && bm->words[0][bm->nwords[0] - 1] >> (64 - spare))
        return cas_check_failed(why, len, "%s bitmap has bits past the window", name);
    for (uint32_t k = 1; k <= bm->top; k++) {
        for (uint32_t j = 0; j < bm->nwords[k]; j++) {
            uint64_t want = 0;
            for (uint32_t i = 0; i < 64 && j * 64 + i < bm->nwords[k - 1]; i++)
                want |= (uint64_t)(bm->words[k - 1][j * 64 + i] != 0) << i;
            if (bm->words[k][j] != want)
                return cas_check_failed(why, len,
                                        "%s bitmap level %u word %u disagrees with level %u", name,
                                        k, j, k - 1);
        }
    }
    return true;
}

/* One occupied level: its queue is well linked, in arrival order, made of
 * live orders at its price that the index finds, and sums to its totals. */
static bool check_level(const struct cas_book *b, uint32_t li, unsigned char *seen, char *why,
                        size_t len)
{
    const struct level *l = &b->win.levels[li];
    cas_ticks px = tick_of(b, li);
    uint32_t n = 0, prev = NIL;
    cas_lots sum = 0;
    uint64_t last_seq = 0;
    for (uint32_t oi = l->head; oi != NIL; prev = oi, oi = b->pool[oi].next) {
        if (oi >= b->pool_cap || seen[oi] || n >= l->count)
            return cas_check_failed(why, len, "level %lld: bad queue at slot %u", (long long)px,
                                    oi);
        const struct order *o = &b->pool[oi];
        seen[oi] = SEEN_RESTING;
        if (o->prev != prev || o->price != px || o->qty < 1 || o->qty > CAS_BOOK_MAX_QTY)
            return cas_check_failed(why, len, "order %llu: bad link, price or qty",
                                    (unsigned long long)o->id);
        if ((n > 0 && o->seq <= last_seq) || o->seq >= b->seq)
            return cas_check_failed(why, len, "order %llu: out of arrival order",
                                    (unsigned long long)o->id);
        uint32_t h = index_find(b, o->id);
        if (h == NIL || b->index[h].idx != oi)
            return cas_check_failed(why, len, "order %llu: not indexed", (unsigned long long)o->id);
        last_seq = o->seq;
        sum += o->qty;
        n++;
    }
    if (n == 0 || n != l->count || prev != l->tail || sum != l->qty)
        return cas_check_failed(why, len, "level %lld: count, tail or qty disagrees with its queue",
                                (long long)px);
    return true;
}

static bool check_side(const struct cas_book *b, enum cas_side side, unsigned char *seen,
                       uint32_t *orders, char *why, size_t len)
{
    const struct bitmap *bm = &b->win.occ[side];
    const char *name = side == CAS_BUY ? "bid" : "ask";
    if (!check_bitmap(bm, name, why, len))
        return false;
    uint32_t best = side == CAS_BUY ? bitmap_prev(bm, b->win.width - 1) : bitmap_next(bm, 0);
    if (best != b->best[side])
        return cas_check_failed(why, len, "best %s cursor at tick %lld, best %s at tick %lld", name,
                                b->best[side] == NIL ? -1LL : (long long)tick_of(b, b->best[side]),
                                name, best == NIL ? -1LL : (long long)tick_of(b, best));
    cas_lots total = 0;
    for (uint32_t li = bitmap_next(bm, 0); li != NIL; li = bitmap_next(bm, li + 1)) {
        cas_ticks px = tick_of(b, li);
        if (bitmap_test(&b->win.occ[opposite(side)], li))
            return cas_check_failed(why, len, "tick %lld occupied on both sides", (long long)px);
        if (px < 1 || px > CAS_BOOK_MAX_PRICE)
            return cas_check_failed(why, len, "%s level at tick %lld out of range", name,
                                    (long long)px);
        if (!check_level(b, li, seen, why, len))
            return false;
        total += b->win.levels[li].qty;
        *orders += b->win.levels[li].count;
    }
    if (total != b->total[side])
        return cas_check_failed(why, len, "%s total %lld, levels hold %lld", name,
                                (long long)b->total[side], (long long)total);
    return true;
}

static bool check_shape(const struct cas_book *b, char *why, size_t len)
{
    if (b->win.width < 1 || b->win.width > WINDOW_MAX)
        return cas_check_failed(why, len, "window width %u out of range", b->win.width);
    uint32_t bid = b->best[CAS_BUY], ask = b->best[CAS_SELL];
    if (bid != NIL && ask != NIL && bid >= ask)
        return cas_check_failed(why, len, "crossed: bid %lld, ask %lld", (long long)tick_of(b, bid),
                                (long long)tick_of(b, ask));
    uint32_t lo = bid != NIL ? level_worst(b, CAS_BUY) : ask;
    uint32_t hi = ask != NIL ? level_worst(b, CAS_SELL) : bid;
    if (lo != NIL && hi - lo > (uint32_t)CAS_BOOK_MAX_SPAN)
        return cas_check_failed(why, len, "resting prices span %u ticks", hi - lo);
    return true;
}

/* The index holds exactly the resting orders, each reachable from its home
 * slot; the free list holds exactly the other pool slots. */
static bool check_index(const struct cas_book *b, unsigned char *seen, char *why, size_t len)
{
    uint32_t entries = 0;
    for (size_t h = 0; h <= b->index_mask; h++) {
        const struct slot *s = &b->index[h];
        if (s->idx == NIL)
            continue;
        entries++;
        if (s->idx >= b->pool_cap || seen[s->idx] != SEEN_RESTING || b->pool[s->idx].id != s->id ||
            index_find(b, s->id) != h)
            return cas_check_failed(why, len, "index slot %zu (id %llu) is stale", h,
                                    (unsigned long long)s->id);
    }
    if (entries != b->norders)
        return cas_check_failed(why, len, "index holds %u ids for %u orders", entries, b->norders);
    uint32_t free_slots = 0;
    for (uint32_t oi = b->free_head; oi != NIL; oi = b->pool[oi].next, free_slots++)
        if (oi >= b->pool_cap || seen[oi])
            return cas_check_failed(why, len, "free list reaches slot %u twice or in use", oi);
        else
            seen[oi] = SEEN_FREE;
    if (free_slots != b->pool_cap - b->norders)
        return cas_check_failed(why, len, "free list holds %u of %u slots", free_slots,
                                b->pool_cap - b->norders);
    return true;
}

bool cas_book_check(const struct cas_book *book, char *why, size_t why_len)
{
    if (2 * (size_t)book->pool_cap > (size_t)book->index_mask + 1)
        return cas_check_failed(why, why_len, "index smaller than twice the pool");
    unsigned char *seen = calloc(book->pool_cap, 1);
    if (!seen)
        return cas_check_failed(why, why_len, "out of memory while checking");
    uint32_t orders = 0;
    bool ok = check_shape(book, why, why_len) &&
              check_side(book, CAS_BUY, seen, &orders, why, why_len) &&
              check_side(book, CAS_SELL, seen, &orders, why, why_len);
    if (ok && orders != book->norders)
        ok = cas_check_failed(why, why_len, "levels hold %u orders, count says %u", orders,
                              book->norders);
    ok = ok && check_index(book, seen, why, why_len);
    free(seen);
    return ok;
}
