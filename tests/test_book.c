/* test_book: the order book and `cascade replay`.
 *
 * Unit cases for every order type and edge; a randomized differential test
 * against a brute-force model (resting orders in a plain array, the best maker
 * found by a linear scan over price then arrival) that shares no structure
 * with the book, so the two must agree on every fill, every result and every
 * final book; golden replays; and the replay command's exit statuses,
 * messages and --final-book handling, in process and through the built binary.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/runs.h" /* source_root, slurp_file */

#include "book/bookInt.h" /* only to corrupt books on purpose for the check's own test */
#include "cascade/book.h"
#include "cli/cli.h"

#define SPAN CAS_BOOK_MAX_SPAN
#define BUY CAS_BUY
#define SELL CAS_SELL

/* ---- helpers ---------------------------------------------------------- */

struct fillvec {
    struct cas_fill *v;
    size_t n, cap;
};

static void fills_push(struct fillvec *fv, const struct cas_fill *f)
{
    if (fv->n == fv->cap) {
        fv->cap = fv->cap ? 2 * fv->cap : 64;
        fv->v = realloc(fv->v, fv->cap * sizeof *fv->v);
        cr_assert_not_null(fv->v);
    }
    fv->v[fv->n++] = *f;
}

static void record_fill(void *ctx, const struct cas_fill *f)
{
    fills_push(ctx, f);
}

static void assert_valid(const struct cas_book *b)
{
    char why[256] = "";
    cr_assert(cas_book_check(b, why, sizeof why), "book check failed: %s", why);
}

static struct cas_book *new_book(void)
{
    struct cas_book *b = cas_book_create(NULL);
    cr_assert_not_null(b);
    return b;
}

/* A submit that must succeed; fills are appended to fv when it is not NULL. */
static struct cas_submit_result submit(struct cas_book *b, uint64_t id, enum cas_side side,
                                       enum cas_order_type type, cas_ticks price, cas_lots qty,
                                       struct fillvec *fv)
{
    struct cas_submit_result r;
    int rc = cas_book_submit(b, id, side, type, price, qty, fv ? record_fill : NULL, fv, &r);
    cr_assert_eq(rc, 0, "submit of id %" PRIu64 " returned %d", id, rc);
    assert_valid(b);
    return r;
}

/* Rest a limit order that must not trade. */
static void rest(struct cas_book *b, uint64_t id, enum cas_side side, cas_ticks price, cas_lots qty)
{
    struct cas_submit_result r = submit(b, id, side, CAS_LIMIT, price, qty, NULL);
    cr_assert_eq(r.rested, qty, "order %" PRIu64 " did not rest in full", id);
}

/* An order to rest: what rest() takes. A zero qty ends a list of them. */
struct resting {
    uint64_t id;
    enum cas_side side;
    cas_ticks price;
    cas_lots qty;
};

/* Rest each order of the list, in order (each must rest in full). */
static void rest_all(struct cas_book *b, const struct resting *o)
{
    for (; o->qty != 0; o++)
        rest(b, o->id, o->side, o->price, o->qty);
}

static void assert_fill(const struct cas_fill *f, uint64_t taker, uint64_t maker, cas_ticks px,
                        cas_lots qty, cas_lots left, enum cas_side side)
{
    cr_assert(f->taker_id == taker && f->maker_id == maker && f->price == px && f->qty == qty &&
                  f->maker_left == left && f->taker_side == side,
              "fill %" PRIu64 "<-%" PRIu64 " %" PRId64 "x%" PRId64 " left %" PRId64
              " side %d; expected %" PRIu64 "<-%" PRIu64 " %" PRId64 "x%" PRId64 " left %" PRId64
              " side %d",
              f->taker_id, f->maker_id, f->price, f->qty, f->maker_left, (int)f->taker_side, taker,
              maker, px, qty, left, (int)side);
}

/* The fills recorded from index `from` on are exactly want[0..n), in order. */
static void expect_fills(const struct fillvec *got, size_t from, const struct cas_fill *want,
                         size_t n)
{
    cr_assert_eq(got->n, from + n, "%zu fills, expected %zu", got->n, from + n);
    for (size_t k = 0; k < n; k++) {
        const struct cas_fill *w = &want[k];
        assert_fill(&got->v[from + k], w->taker_id, w->maker_id, w->price, w->qty, w->maker_left,
                    w->taker_side);
    }
}

static void assert_result(struct cas_submit_result r, cas_lots filled, cas_lots rested,
                          cas_lots dropped, bool rejected)
{
    cr_assert(r.filled == filled && r.rested == rested && r.dropped == dropped &&
                  r.rejected == rejected,
              "result filled %" PRId64 " rested %" PRId64 " dropped %" PRId64
              " rejected %d; expected %" PRId64 " %" PRId64 " %" PRId64 " %d",
              r.filled, r.rested, r.dropped, r.rejected, filled, rested, dropped, rejected);
}

struct render_ctx {
    FILE *f;
    const struct cas_book *b;
    enum cas_side side;
};

static bool render_order(void *ctx, const struct cas_order_info *o)
{
    fprintf(ctx, " %" PRIu64 ":%" PRId64 "%s", o->id, o->qty, o->side == BUY ? "b" : "s");
    return true;
}

static bool render_level(void *ctx, const struct cas_level_info *lv)
{
    struct render_ctx *rc = ctx;
    fprintf(rc->f, "%s %" PRId64 " %" PRId64 " %u:", rc->side == BUY ? "bid" : "ask", lv->price,
            lv->qty, lv->orders);
    cas_book_level_orders(rc->b, rc->side, lv->price, render_order, rc->f);
    fputc('\n', rc->f);
    return true;
}

/* The whole visible state of a book as text: levels, queues, counts. */
static char *render(const struct cas_book *b)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    for (int s = BUY; s <= SELL; s++) {
        struct render_ctx ctx = {f, b, (enum cas_side)s};
        cas_book_levels(b, (enum cas_side)s, render_level, &ctx);
    }
    fprintf(f, "orders %u\n", cas_book_orders(b));
    fclose(f);
    return buf;
}

static void assert_unchanged(const struct cas_book *b, const char *before)
{
    char *now = render(b);
    cr_assert_str_eq(now, before, "book changed");
    free(now);
    assert_valid(b);
}

/* Ids in queue order at one level. */
struct idlist {
    uint64_t id[64];
    size_t n;
};

static bool collect_id(void *ctx, const struct cas_order_info *o)
{
    struct idlist *l = ctx;
    if (l->n < 64)
        l->id[l->n++] = o->id;
    return true;
}

static struct idlist queue_of(const struct cas_book *b, enum cas_side side, cas_ticks px)
{
    struct idlist l = {.n = 0};
    cas_book_level_orders(b, side, px, collect_id, &l);
    return l;
}

static bool count_level(void *ctx, const struct cas_level_info *lv)
{
    (void)lv;
    ++*(int *)ctx;
    return true;
}

static bool stop_after_one(void *ctx, const struct cas_level_info *lv)
{
    (void)lv;
    ++*(int *)ctx;
    return false;
}

/* ---- growth ---------------------------------------------------------- */

Test(book, pool_and_window_grow_past_their_hints)
{
    struct cas_book_params p = {.orders = 8, .price_lo = 1000, .price_hi = 1010};
    struct cas_book *b = cas_book_create(&p);
    cr_assert_not_null(b);
    const uint64_t n = 3000;
    for (uint64_t i = 0; i < n; i++) {
        rest(b, 2 * i, BUY, 1000 - (cas_ticks)(i * 7 % 900), 1 + (cas_lots)(i % 5));
        rest(b, 2 * i + 1, SELL, 2000 + (cas_ticks)(i * 13 % 60000), 1 + (cas_lots)(i % 3));
    }
    cr_assert_eq(cas_book_orders(b), 2 * n);
    for (uint64_t i = 0; i < n; i++) {
        struct cas_order_info o;
        cr_assert(cas_book_order(b, 2 * i, &o) && o.side == BUY &&
                  o.price == 1000 - (cas_ticks)(i * 7 % 900) && o.qty == 1 + (cas_lots)(i % 5));
        cr_assert(cas_book_order(b, 2 * i + 1, &o) && o.side == SELL &&
                  o.price == 2000 + (cas_ticks)(i * 13 % 60000));
    }
    cas_ticks bid = 0, ask = 0;
    cr_assert(cas_book_best_bid(b, &bid) && bid == 1000);
    cr_assert(cas_book_best_ask(b, &ask) && ask == 2000);
    for (uint64_t i = 0; i < 2 * n; i++)
        cr_assert_eq(cas_book_cancel(b, (i * 7919) % (2 * n)), 0);
    assert_valid(b);
    cr_assert_eq(cas_book_orders(b), 0);
    cas_book_destroy(b);
}

/* ---- the check catches broken invariants ------------------------------ */

static uint32_t slot_of(const struct cas_book *b, uint64_t id)
{
    for (uint32_t h = 0; h <= b->index_mask; h++)
        if (b->index[h].idx != NIL && b->index[h].id == id)
            return h;
    cr_assert_fail("id %" PRIu64 " is not indexed", id);
    return NIL;
}

static struct order *order_of(struct cas_book *b, uint64_t id)
{
    return &b->pool[b->index[slot_of(b, id)].idx];
}

static struct level *level_at(struct cas_book *b, cas_ticks px)
{
    return &b->win.levels[px - b->win.lo];
}

static void break_level_qty(struct cas_book *b)
{
    level_at(b, 101)->qty++;
}
static void break_level_count(struct cas_book *b)
{
    level_at(b, 100)->count++;
}
static void break_cursor(struct cas_book *b)
{
    b->best[CAS_SELL] = (uint32_t)(105 - b->win.lo);
}
static void break_order_price(struct cas_book *b)
{
    order_of(b, 5)->price++;
}
static void break_arrival(struct cas_book *b)
{
    order_of(b, 4)->seq = order_of(b, 5)->seq + 1;
}
static void break_link(struct cas_book *b)
{
    order_of(b, 2)->prev = NIL;
}
static void break_side_total(struct cas_book *b)
{
    b->total[CAS_BUY]--;
}
static void break_order_count(struct cas_book *b)
{
    b->norders++;
}
static void break_index(struct cas_book *b)
{
    b->index[slot_of(b, 3)].idx = NIL;
}
static void break_free_list(struct cas_book *b)
{
    b->pool[b->free_head].next = b->free_head;
}

static void break_summary(struct cas_book *b)
{
    b->win.occ[CAS_BUY].words[1][0] ^= UINT64_C(1) << 63;
}

/* The bid cursor passes the best ask. */
static void break_crossed(struct cas_book *b)
{
    b->best[CAS_BUY] = (uint32_t)(101 - b->win.lo);
}

/* clang-format off */
Test(book, check_catches_each_broken_invariant)
{
    static const struct {
        void (*corrupt)(struct cas_book *);
        const char *why;
    } cases[] = {
        {break_level_qty, "level 101: count, tail or qty disagrees with its queue"},
        {break_level_count, "level 100: count, tail or qty disagrees with its queue"},
        {break_cursor, "best ask cursor at tick 105, best ask at tick 101"},
        {break_order_price, "order 5: bad link, price or qty"},
        {break_arrival, "order 5: out of arrival order"},
        {break_link, "order 2: bad link, price or qty"},
        {break_side_total, "bid total"},
        {break_order_count, "levels hold 6 orders, count says 7"},
        {break_index, "order 3: not indexed"},
        {break_free_list, "free list"},
        {break_summary, "bid bitmap level 1 word 0 disagrees with level 0"},
        {break_crossed, "crossed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct cas_book *b = new_book();
        rest_all(b, (struct resting[]){{1, BUY, 100, 1}, {2, BUY, 100, 2}, {3, BUY, 99, 3},
                                       {4, SELL, 101, 4}, {5, SELL, 101, 5}, {6, SELL, 105, 6},
                                       {0}});
        cases[i].corrupt(b);
        char why[256] = "";
        cr_assert(!cas_book_check(b, why, sizeof why), "case %zu passed the check", i);
        cr_assert(strstr(why, cases[i].why), "case %zu: '%s' does not say '%s'", i, why,
                  cases[i].why);
        cas_book_destroy(b);
    }
}
/* clang-format on */

/* ---- the brute-force model -------------------------------------------- */

struct morder {
    uint64_t id;
    enum cas_side side;
    cas_ticks price;
    cas_lots qty;
    uint64_t seq;
};

struct model {
    struct morder *o;
    size_t n, cap;
    uint64_t seq;
    cas_lots total[2];
};

static void model_release(struct model *m)
{
    free(m->o);
}

static long model_find(const struct model *m, uint64_t id)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->o[i].id == id)
            return (long)i;
    return -1;
}

/* Would a taker of `side` with this limit trade at px? */
static bool reaches(enum cas_side side, cas_ticks limit, cas_ticks px)
{
    return side == BUY ? px <= limit : px >= limit;
}

/* The resting order of `side` first in line (best price, then earliest),
 * counting only what `taken` has left of each; -1 when none. */
static long model_best(const struct model *m, enum cas_side side, const cas_lots *taken)
{
    long best = -1;
    for (size_t i = 0; i < m->n; i++) {
        const struct morder *o = &m->o[i];
        if (o->side != side || (taken && o->qty == taken[i]))
            continue;
        if (best < 0) {
            best = (long)i;
            continue;
        }
        const struct morder *c = &m->o[best];
        bool better = side == BUY ? o->price > c->price : o->price < c->price;
        if (better || (o->price == c->price && o->seq < c->seq))
            best = (long)i;
    }
    return best;
}

static bool model_span_ok(const struct model *m, const cas_lots *taken, cas_ticks price)
{
    cas_ticks lo = price, hi = price;
    for (size_t i = 0; i < m->n; i++) {
        if (m->o[i].qty == taken[i])
            continue;
        lo = m->o[i].price < lo ? m->o[i].price : lo;
        hi = m->o[i].price > hi ? m->o[i].price : hi;
    }
    return hi - lo <= SPAN;
}

static void model_remove(struct model *m, size_t i)
{
    m->o[i] = m->o[--m->n];
}

static void model_rest(struct model *m, uint64_t id, enum cas_side side, cas_ticks price,
                       cas_lots qty)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->o = realloc(m->o, m->cap * sizeof *m->o);
        cr_assert_not_null(m->o);
    }
    m->o[m->n++] = (struct morder){id, side, price, qty, m->seq++};
    m->total[side] += qty;
}

/* Take lots from the makers as they would trade, recording fills; returns
 * what the taker has left. */
static cas_lots model_match(const struct model *m, uint64_t id, enum cas_side side, cas_ticks limit,
                            cas_lots qty, cas_lots *taken, struct fillvec *fv)
{
    while (qty > 0) {
        long b = model_best(m, side == BUY ? SELL : BUY, taken);
        if (b < 0 || !reaches(side, limit, m->o[b].price))
            break;
        const struct morder *o = &m->o[b];
        cas_lots q = o->qty - taken[b] < qty ? o->qty - taken[b] : qty;
        taken[b] += q;
        qty -= q;
        fills_push(fv, &(struct cas_fill){id, o->id, o->price, q, o->qty - taken[b], side});
    }
    return qty;
}

static void model_commit(struct model *m, const cas_lots *taken)
{
    for (size_t i = m->n; i-- > 0;) {
        m->o[i].qty -= taken[i];
        m->total[m->o[i].side] -= taken[i];
        if (m->o[i].qty == 0)
            model_remove(m, i);
    }
}

static int model_submit(struct model *m, uint64_t id, int side, int type, cas_ticks price,
                        cas_lots qty, struct fillvec *fv, struct cas_submit_result *out)
{
    *out = (struct cas_submit_result){0};
    if (side < BUY || side > SELL || type < CAS_LIMIT || type > CAS_POST_ONLY)
        return CAS_EINVAL;
    if (qty < 1 || qty > CAS_BOOK_MAX_QTY)
        return CAS_ERANGE;
    if (type != CAS_MARKET && (price < 1 || price > CAS_BOOK_MAX_PRICE))
        return CAS_ERANGE;
    if (model_find(m, id) >= 0)
        return CAS_EEXIST;
    enum cas_side s = (enum cas_side)side, other = s == BUY ? SELL : BUY;
    bool rests = type == CAS_LIMIT || type == CAS_POST_ONLY;
    long best = model_best(m, other, NULL);
    if (type == CAS_POST_ONLY && best >= 0 && reaches(s, price, m->o[best].price)) {
        *out = (struct cas_submit_result){.dropped = qty, .rejected = true};
        return 0;
    }
    if (rests && qty > INT64_MAX - m->total[s])
        return CAS_ERANGE;
    cas_ticks limit = type == CAS_MARKET ? (s == BUY ? CAS_BOOK_MAX_PRICE : 1) : price;
    cas_lots *taken = calloc(m->n + 1, sizeof *taken);
    cr_assert_not_null(taken);
    size_t nfills = fv->n;
    cas_lots left = model_match(m, id, s, limit, qty, taken, fv);
    if (rests && left > 0 && !model_span_ok(m, taken, price)) {
        fv->n = nfills;
        free(taken);
        return CAS_ERANGE;
    }
    model_commit(m, taken);
    free(taken);
    out->filled = qty - left;
    if (rests && left > 0) {
        model_rest(m, id, s, price, left);
        out->rested = left;
    } else {
        out->dropped = left;
    }
    return 0;
}

/* Cancel: the lots cancelled, or -1 when the id is not resting. */
static cas_lots model_cancel(struct model *m, uint64_t id)
{
    long i = model_find(m, id);
    if (i < 0)
        return -1;
    cas_lots q = m->o[i].qty;
    m->total[m->o[i].side] -= q;
    model_remove(m, (size_t)i);
    return q;
}

static int model_reduce(struct model *m, uint64_t id, cas_lots qty)
{
    long i = model_find(m, id);
    if (i < 0)
        return CAS_ENOTFOUND;
    if (qty < 1 || qty > m->o[i].qty)
        return CAS_ERANGE;
    m->total[m->o[i].side] -= m->o[i].qty - qty;
    m->o[i].qty = qty;
    return 0;
}

/* Queue priority within one side: the better price first (higher for bids,
 * lower for asks), then arrival. */
static int by_priority(const void *a, const void *b)
{
    const struct morder *x = a, *y = b;
    if (x->price != y->price)
        return (x->price > y->price) == (x->side == BUY) ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Call `level` for each of the model's price levels, the bids best first,
 * then the asks: the level's orders in queue order, their number and their
 * total quantity. */
static void model_levels(const struct model *m,
                         void (*level)(FILE *f, const struct morder *q, size_t n, cas_lots qty),
                         FILE *f)
{
    struct morder *v = malloc((m->n + 1) * sizeof *v);
    cr_assert_not_null(v);
    for (int s = BUY; s <= SELL; s++) {
        size_t n = 0;
        for (size_t i = 0; i < m->n; i++)
            if (m->o[i].side == (enum cas_side)s)
                v[n++] = m->o[i];
        qsort(v, n, sizeof *v, by_priority);
        for (size_t i = 0, j; i < n; i = j) {
            cas_lots qty = 0;
            for (j = i; j < n && v[j].price == v[i].price; j++)
                qty += v[j].qty;
            level(f, v + i, j - i, qty);
        }
    }
    free(v);
}

/* A level as render() prints it. */
static void render_model_level(FILE *f, const struct morder *q, size_t n, cas_lots qty)
{
    bool bid = q->side == BUY;
    fprintf(f, "%s %" PRId64 " %" PRId64 " %zu:", bid ? "bid" : "ask", q->price, qty, n);
    for (size_t k = 0; k < n; k++)
        fprintf(f, " %" PRIu64 ":%" PRId64 "%s", q[k].id, q[k].qty, bid ? "b" : "s");
    fputc('\n', f);
}

/* The model's book rendered as render() renders the real one. */
static char *model_render(const struct model *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    model_levels(m, render_model_level, f);
    fprintf(f, "orders %zu\n", m->n);
    fclose(f);
    return buf;
}

/* ---- the randomized differential test --------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

struct diff_params {
    uint64_t seed;
    long ops;
    cas_ticks mid;        /* where prices start */
    cas_ticks far;        /* largest distance of an occasional far price */
    int far_percent;      /* how often a resting order is priced far away */
    long check_all_until; /* check and compare after every op until here */
    long check_every;     /* then every this many ops */
};

/* Lots accounting: submitted = filled + rested + dropped per order; what
 * rests is what rested minus what makers filled, was cancelled or reduced. */
struct ledger {
    cas_lots rested, maker_filled, cancelled, reduced;
};

/* How often each outcome occurred, so a test can insist that it exercised them. */
struct tally {
    long ok, einval, erange, eexist, rejected, fills, cancelled, not_found, reduced, bad_reduce;
};

struct diff {
    struct tally seen;
    struct rng rng;
    struct cas_book *book;
    struct model model;
    struct fillvec book_fills, model_fills;
    struct ledger lots;
    uint64_t next_id;
    cas_ticks mid;
    const struct diff_params *p;
    long op;
};

static uint64_t pick_live(struct diff *d)
{
    return d->model.n ? d->model.o[rng_next(&d->rng) % d->model.n].id : d->next_id + 5;
}

/* An id for a new order: mostly fresh, sometimes one that is long gone or
 * still resting (which must be refused), sometimes an extreme value. */
static uint64_t pick_new_id(struct diff *d)
{
    int r = (int)rng_range(&d->rng, 0, 99);
    if (r < 3 && d->model.n)
        return pick_live(d);
    if (r < 6 && d->next_id > 1)
        return (uint64_t)rng_range(&d->rng, 1, (int64_t)d->next_id - 1);
    if (r == 6)
        return rng_next(&d->rng) % 2 ? 0 : UINT64_MAX;
    return d->next_id++;
}

static cas_ticks pick_price(struct diff *d, enum cas_side side)
{
    struct rng *r = &d->rng;
    if (rng_range(r, 0, 99) < d->p->far_percent) {
        cas_ticks px = d->mid + rng_range(r, -d->p->far, d->p->far);
        return px < 1 ? 1 : px;
    }
    cas_ticks px = side == BUY ? d->mid + rng_range(r, -15, 3) : d->mid + rng_range(r, -3, 15);
    return px < 1 ? 1 : px;
}

static void compare_fills(struct diff *d)
{
    cr_assert_eq(d->book_fills.n, d->model_fills.n, "op %ld: %zu fills, model %zu", d->op,
                 d->book_fills.n, d->model_fills.n);
    for (size_t i = 0; i < d->model_fills.n; i++) {
        const struct cas_fill *e = &d->model_fills.v[i];
        assert_fill(&d->book_fills.v[i], e->taker_id, e->maker_id, e->price, e->qty, e->maker_left,
                    e->taker_side);
        d->lots.maker_filled += e->qty;
    }
    d->book_fills.n = d->model_fills.n = 0;
}

static void diff_submit(struct diff *d, int kind)
{
    struct rng *r = &d->rng;
    int side = (int)rng_range(r, BUY, SELL);
    int type = kind;
    cas_lots qty = rng_range(r, 0, 9) ? rng_range(r, 1, 10) : rng_range(r, 1, 200);
    cas_ticks price = type == CAS_MARKET ? rng_range(r, -5, 5) : pick_price(d, (enum cas_side)side);
    if (rng_range(r, 0, 199) == 0) { /* invalid on purpose */
        int what = (int)rng_range(r, 0, 3);
        side = what == 0 ? 2 : side;
        type = what == 1 ? 7 : type;
        qty = what == 2 ? -rng_range(r, 0, 3) : qty;
        price = what == 3 && type != CAS_MARKET ? -rng_range(r, 0, 3) : price;
    }
    uint64_t id = pick_new_id(d);
    struct cas_submit_result got, want;
    int rc = cas_book_submit(d->book, id, (enum cas_side)side, (enum cas_order_type)type, price,
                             qty, record_fill, &d->book_fills, &got);
    int mrc = model_submit(&d->model, id, side, type, price, qty, &d->model_fills, &want);
    cr_assert_eq(rc, mrc, "op %ld: submit returned %d, model %d", d->op, rc, mrc);
    assert_result(got, want.filled, want.rested, want.dropped, want.rejected);
    if (rc == 0)
        cr_assert_eq(got.filled + got.rested + got.dropped, qty, "op %ld: lots lost", d->op);
    d->lots.rested += got.rested;
    d->seen.ok += rc == 0;
    d->seen.einval += rc == CAS_EINVAL;
    d->seen.erange += rc == CAS_ERANGE;
    d->seen.eexist += rc == CAS_EEXIST;
    d->seen.rejected += got.rejected;
    d->seen.fills += (long)d->model_fills.n;
    compare_fills(d);
}

static void diff_cancel(struct diff *d, bool live)
{
    uint64_t id = live ? pick_live(d) : (uint64_t)rng_range(&d->rng, 1, (int64_t)d->next_id + 3);
    cas_lots q = model_cancel(&d->model, id);
    int rc = cas_book_cancel(d->book, id);
    cr_assert_eq(rc, q < 0 ? CAS_ENOTFOUND : 0, "op %ld: cancel of %" PRIu64 " returned %d", d->op,
                 id, rc);
    if (q > 0)
        d->lots.cancelled += q;
    d->seen.cancelled += q > 0;
    d->seen.not_found += q < 0;
}

static void diff_reduce(struct diff *d)
{
    struct rng *r = &d->rng;
    uint64_t id = rng_range(r, 0, 9) ? pick_live(d) : d->next_id + 7;
    long i = model_find(&d->model, id);
    cas_lots cur = i >= 0 ? d->model.o[i].qty : 5;
    cas_lots qty = rng_range(r, 0, 9) ? rng_range(r, 1, cur) : rng_range(r, -1, 1) * cur + 1;
    int mrc = model_reduce(&d->model, id, qty);
    int rc = cas_book_reduce(d->book, id, qty);
    cr_assert_eq(rc, mrc, "op %ld: reduce returned %d, model %d", d->op, rc, mrc);
    if (rc == 0)
        d->lots.reduced += cur - qty;
    d->seen.reduced += rc == 0;
    d->seen.bad_reduce += rc != 0;
}

static void diff_step(struct diff *d)
{
    int r = (int)rng_range(&d->rng, 0, 99);
    if (d->model.n > 400 && r < 45)
        r = 70; /* keep the book from growing without bound */
    if (r < 35)
        diff_submit(d, CAS_LIMIT);
    else if (r < 45)
        diff_submit(d, CAS_POST_ONLY);
    else if (r < 55)
        diff_submit(d, CAS_IOC);
    else if (r < 62)
        diff_submit(d, CAS_MARKET);
    else if (r < 80)
        diff_cancel(d, true);
    else if (r < 86)
        diff_cancel(d, false);
    else
        diff_reduce(d);
    d->mid += rng_range(&d->rng, -1, 1);
}

/* Everything the book shows must equal the model, and lots must add up. */
static void diff_compare(struct diff *d)
{
    assert_valid(d->book);
    char *got = render(d->book), *want = model_render(&d->model);
    cr_assert_str_eq(got, want, "op %ld: book differs from the model", d->op);
    free(got);
    free(want);
    cas_lots resting =
        cas_book_qty_to(d->book, BUY, 1) + cas_book_qty_to(d->book, SELL, CAS_BOOK_MAX_PRICE);
    const struct ledger *l = &d->lots;
    cr_assert_eq(resting, l->rested - l->maker_filled - l->cancelled - l->reduced,
                 "op %ld: lots not conserved", d->op);
}

/* Cheap agreement after every op: counts, best prices, one order by id. */
static void diff_glance(struct diff *d)
{
    cr_assert_eq(cas_book_orders(d->book), d->model.n, "op %ld: order count", d->op);
    for (int s = BUY; s <= SELL; s++) {
        long b = model_best(&d->model, (enum cas_side)s, NULL);
        cas_ticks px = 0;
        bool has = s == BUY ? cas_book_best_bid(d->book, &px) : cas_book_best_ask(d->book, &px);
        cr_assert(has == (b >= 0) && (!has || px == d->model.o[b].price),
                  "op %ld: best price on side %d", d->op, s);
    }
    if (d->model.n) {
        const struct morder *o = &d->model.o[rng_next(&d->rng) % d->model.n];
        struct cas_order_info info;
        cr_assert(cas_book_order(d->book, o->id, &info) && info.qty == o->qty &&
                      info.price == o->price && info.side == o->side,
                  "op %ld: order %" PRIu64 " differs", d->op, o->id);
    }
}

static struct tally run_differential(const struct diff_params *p)
{
    struct diff d = {.rng = {p->seed}, .next_id = 1, .mid = p->mid, .p = p};
    d.book = cas_book_create(&(struct cas_book_params){.orders = 16});
    cr_assert_not_null(d.book);
    for (d.op = 0; d.op < p->ops; d.op++) {
        diff_step(&d);
        diff_glance(&d);
        if (d.op < p->check_all_until || d.op % p->check_every == 0)
            diff_compare(&d);
    }
    diff_compare(&d);
    cas_book_destroy(d.book);
    model_release(&d.model);
    free(d.book_fills.v);
    free(d.model_fills.v);
    const struct tally *t = &d.seen;
    cr_log_info("ok %ld einval %ld erange %ld eexist %ld rejected %ld fills %ld cancelled %ld "
                "not found %ld reduced %ld bad reduce %ld",
                t->ok, t->einval, t->erange, t->eexist, t->rejected, t->fills, t->cancelled,
                t->not_found, t->reduced, t->bad_reduce);
    return d.seen;
}

Test(book_random, agrees_with_the_brute_force_model, .timeout = 240)
{
    struct diff_params p = {.seed = 20240601,
                            .ops = 250000,
                            .mid = 1000000,
                            .far = 100000,
                            .far_percent = 2,
                            .check_all_until = 20000,
                            .check_every = 50};
    struct tally t = run_differential(&p);
    cr_assert(t.fills > 50000 && t.rejected > 1000 && t.eexist > 1000 && t.einval > 100 &&
                  t.erange > 100 && t.not_found > 5000 && t.bad_reduce > 1000,
              "the random stream no longer exercises every outcome");
}

Test(book_random, agrees_with_the_model_near_the_span_limit, .timeout = 240)
{
    struct diff_params p = {.seed = 77,
                            .ops = 12000,
                            .mid = SPAN + SPAN / 2,
                            .far = SPAN + SPAN / 4,
                            .far_percent = 30,
                            .check_all_until = 300,
                            .check_every = 20};
    struct tally t = run_differential(&p);
    cr_assert(t.erange > 50 && t.ok > 1000 && t.fills > 300,
              "the random stream no longer reaches the span limit");
}

/* ---- replay: input and output through memory -------------------------- */

struct replayed {
    int rc;
    struct cas_err err;
    char *fills, *book;
};

static FILE *file_of(const char *text)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    fputs(text, f);
    rewind(f);
    return f;
}

static struct replayed replay_text(const char *name, const char *input)
{
    struct replayed out = {0};
    size_t n1, n2;
    FILE *in = file_of(input);
    FILE *fills = open_memstream(&out.fills, &n1), *book = open_memstream(&out.book, &n2);
    cr_assert(fills && book);
    out.rc = cas_replay(in, name, fills, book, &out.err);
    fclose(in);
    fclose(fills);
    fclose(book);
    return out;
}

static void replayed_release(struct replayed *r)
{
    free(r->fills);
    free(r->book);
}

/* Replay `input` (named `name`): it must succeed and print exactly these fills and this
 * final book. */
static void expect_replay(const char *name, const char *input, const char *fills, const char *book)
{
    struct replayed r = replay_text(name, input);
    cr_assert_eq(r.rc, 0, "%s: %s", r.err.path, r.err.msg);
    cr_assert_str_eq(r.fills, fills, "%s: fills", name);
    cr_assert_str_eq(r.book, book, "%s: final book", name);
    replayed_release(&r);
}

/* A file of the source tree's tests/, its name a format (the whole text; free it). */
__attribute__((format(printf, 1, 2))) static char *test_file(const char *fmt, ...)
{
    char name[512], path[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    snprintf(path, sizeof path, "%s/tests/%s", source_root(), name);
    char *text = slurp_file(path);
    cr_assert_not_null(text, "cannot read %s", path);
    return text;
}

/* A golden case of tests/golden/replay/: NAME.csv, and the fills and final book replay
 * must print for it. */
struct golden_case {
    char *input, *fills, *book;
};

static struct golden_case golden_case(const char *name)
{
    return (struct golden_case){test_file("golden/replay/%s.csv", name),
                                test_file("golden/replay/%s.fills.csv", name),
                                test_file("golden/replay/%s.book.csv", name)};
}

static void golden_release(struct golden_case *g)
{
    free(g->input);
    free(g->fills);
    free(g->book);
}

#define HDR "id,side,type,price,qty\n"
#define FILLS_HDR "taker_id,maker_id,price,qty\n"
#define BOOK_HDR "side,price,qty,orders\n"

/* small.csv, worked out by hand (queues written oldest first):
 *   1-5 rest: asks 102 [1:5], 101 [2:3 3:4]; bids 100 [5:2], 99 [4:6].
 *   6 buys 5 at 101: 2 gives 3, 3 gives 2 (3 keeps 2).
 *   7 post_only sell at 100 would cross bid 100: rejected, no fill.
 *   8 post_only sell rests at 101 behind 3: [3:2 8:1].
 *   9 ioc buys 10 up to 102: 3 gives 2, 8 gives 1, 1 gives 5; 2 dropped.
 *   10 market sells 7: 5 gives 2 at 100, 4 gives 5 at 99 (4 keeps 1).
 *   cancel 4 empties the bids; 11, 12 rest at 95 [11:3 12:2]; 13 asks 97x4.
 *   cancel 11 (side given), 99 (never seen), 2 (filled): only 11 goes.
 *   14 ioc sell at 96 reaches no bid: dropped. 15 market buy 1: 13 gives 1.
 *   16 sells 1 at 95: 12 gives 1 (keeps 1). 17, 18 rest at 90; 19 post_only
 *   rests at 110. Final: bids 95x1 (1), 90x10 (2); asks 97x3 (1), 110x2 (1). */
Test(replay, small_golden_case_worked_out_by_hand)
{
    struct golden_case g = golden_case("small");
    expect_replay("small.csv", g.input, g.fills, g.book);
    golden_release(&g);
}

/* The five fields of one CSV line (which must have them). */
static void split_fields(const char *line, char f[5][32])
{
    int k = 0;
    size_t j = 0;
    for (; *line && *line != '\n'; line++) {
        if (*line == ',') {
            f[k][j] = '\0';
            cr_assert(++k < 5);
            j = 0;
        } else if (*line != '\r' && j < 31) {
            f[k][j++] = *line;
        }
    }
    f[k][j] = '\0';
    cr_assert_eq(k, 4);
}

static int type_of(const char *name)
{
    static const char *const names[] = {"limit", "market", "ioc", "post_only"};
    for (int t = 0; t < 4; t++)
        if (!strcmp(name, names[t]))
            return t;
    cr_assert_fail("unknown type '%s'", name);
    return -1;
}

/* A level as a line of replay's --final-book. */
static void write_model_level(FILE *f, const struct morder *q, size_t n, cas_lots qty)
{
    fprintf(f, "%s,%" PRId64 ",%" PRId64 ",%zu\n", q->side == BUY ? "buy" : "sell", q->price, qty,
            n);
}

static void model_write_book(const struct model *m, FILE *f)
{
    fputs(BOOK_HDR, f);
    model_levels(m, write_model_level, f);
}

/* Run a well-formed order CSV through the model, writing fills and final
 * book as replay does. */
static void model_replay(const char *csv, char **fills, char **book)
{
    size_t n1, n2;
    FILE *ff = open_memstream(fills, &n1), *fb = open_memstream(book, &n2);
    cr_assert(ff && fb);
    fputs(FILLS_HDR, ff);
    struct model m = {0};
    struct fillvec fv = {0};
    for (const char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char f[5][32];
        split_fields(line, f);
        uint64_t id = strtoull(f[0], NULL, 10);
        if (!strcmp(f[2], "cancel")) {
            model_cancel(&m, id);
            continue;
        }
        struct cas_submit_result res;
        int rc = model_submit(&m, id, strcmp(f[1], "buy") ? SELL : BUY, type_of(f[2]),
                              strtoll(f[3], NULL, 10), strtoll(f[4], NULL, 10), &fv, &res);
        cr_assert_eq(rc, 0);
        for (size_t i = 0; i < fv.n; i++)
            fprintf(ff, "%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRId64 "\n", fv.v[i].taker_id,
                    fv.v[i].maker_id, fv.v[i].price, fv.v[i].qty);
        fv.n = 0;
    }
    model_write_book(&m, fb);
    fclose(ff);
    fclose(fb);
    model_release(&m);
    free(fv.v);
}

Test(replay, mid_golden_case_agrees_with_the_model)
{
    struct golden_case g = golden_case("mid");
    char *mfills, *mbook;
    model_replay(g.input, &mfills, &mbook);
    cr_assert_str_eq(mfills, g.fills, "the model disagrees with mid.fills.csv");
    cr_assert_str_eq(mbook, g.book, "the model disagrees with mid.book.csv");
    expect_replay("mid.csv", g.input, g.fills, g.book);
    free(mfills);
    free(mbook);
    golden_release(&g);
}

Test(replay, crlf_trailing_blank_lines_and_both_cancel_forms_are_accepted)
{
    expect_replay("t.csv",
                  "id,side,type,price,qty\r\n"
                  "1,sell,limit,100,5\r\n"
                  "2,sell,limit,101,5\r\n"
                  "3,buy,limit,99,4\r\n"
                  "1,sell,cancel,,\r\n"
                  "3,,cancel,,\r\n"
                  "3,,cancel,,\r\n"
                  "77,buy,cancel,,\r\n"
                  "4,buy,market,,6\r\n"
                  "\r\n"
                  "\n",
                  FILLS_HDR "4,2,101,5\n", BOOK_HDR);
}

Test(replay, a_file_without_a_final_newline_is_read_in_full)
{
    expect_replay("t.csv", HDR "1,sell,limit,100,5\n2,buy,ioc,100,2", FILLS_HDR "2,1,100,2\n",
                  BOOK_HDR "sell,100,3,1\n");
}

Test(replay, rejected_post_only_and_dropped_remainders_print_nothing)
{
    expect_replay("t.csv",
                  HDR "1,sell,limit,100,5\n"
                      "2,buy,post_only,100,5\n"
                      "3,buy,post_only,99,5\n"
                      "4,sell,ioc,90,7\n"
                      "5,sell,market,,1\n",
                  FILLS_HDR "4,3,99,5\n", BOOK_HDR "sell,100,5,1\n");
}

/* The cases of tests/data/replay-errors.txt: per line, the line number the error
 * names, the message and the input (\n, \r and \\ unescaped), separated by tabs. */
struct bad_input {
    int line;
    char *msg, *input; /* into the file's text */
};

static void unescape(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *out++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
}

/* Read the cases into `cases` (room for max); their number. `text` holds them: free it. */
static size_t read_bad_inputs(char **text, struct bad_input *cases, size_t max)
{
    *text = test_file("data/replay-errors.txt");
    size_t n = 0;
    for (char *line = strtok(*text, "\n"); line; line = strtok(NULL, "\n")) {
        if (*line == '#')
            continue;
        char *msg = strchr(line, '\t'), *input = msg ? strchr(msg + 1, '\t') : NULL;
        cr_assert(input && n < max, "replay-errors.txt: bad case '%s'", line);
        *msg++ = 0;
        *input++ = 0;
        unescape(input);
        cases[n++] = (struct bad_input){atoi(line), msg, input};
    }
    return n;
}

Test(replay, each_malformed_line_gets_one_message_naming_its_line)
{
    char *text;
    struct bad_input bad_inputs[64];
    size_t n = read_bad_inputs(&text, bad_inputs, 64);
    cr_assert_geq(n, 37, "replay-errors.txt has %zu cases", n);
    for (size_t i = 0; i < n; i++) {
        struct replayed r = replay_text("bad.csv", bad_inputs[i].input);
        char path[64];
        snprintf(path, sizeof path, "bad.csv:%d", bad_inputs[i].line);
        cr_assert_eq(r.rc, CAS_EINVAL, "case %zu returned %d", i, r.rc);
        cr_assert_eq(r.err.code, CAS_EINVAL, "case %zu", i);
        cr_assert_str_eq(r.err.path, path, "case %zu", i);
        cr_assert_str_eq(r.err.msg, bad_inputs[i].msg, "case %zu", i);
        replayed_release(&r);
    }
    free(text);
}

Test(replay, fills_before_a_bad_line_stay_written)
{
    struct replayed r = replay_text("t.csv", HDR "1,sell,limit,100,5\n2,buy,limit,100,2\n"
                                                 "3,buy,limit,100,zero\n4,buy,limit,100,3\n");
    cr_assert_eq(r.rc, CAS_EINVAL);
    cr_assert_str_eq(r.err.path, "t.csv:4");
    cr_assert_str_eq(r.fills, FILLS_HDR "2,1,100,2\n");
    cr_assert_str_eq(r.book, "", "no final book after an error");
    replayed_release(&r);
}

Test(replay, nul_bytes_are_refused)
{
    static const char input[] = HDR "1,buy,limit,100,5\n2,buy,li\0mit,100,5\n";
    FILE *in = tmpfile();
    cr_assert_not_null(in);
    fwrite(input, 1, sizeof input - 1, in);
    rewind(in);
    char *fills = NULL;
    size_t n;
    FILE *out = open_memstream(&fills, &n);
    struct cas_err err = {0};
    cr_assert_eq(cas_replay(in, "n.csv", out, NULL, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "n.csv:3");
    cr_assert_str_eq(err.msg, "line contains a nul byte");
    fclose(in);
    fclose(out);
    free(fills);
}

/* ---- the replay command ----------------------------------------------- */

struct cli_run {
    int status;
    char *out, *err;
};

static char *read_back(FILE *f)
{
    fflush(f);
    rewind(f);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, out);
    fclose(out);
    fclose(f);
    return buf;
}

/* The exit status of the built binary run with argv and fds 0, 1, 2 = in, out, err. */
static int run_binary(const char **argv, int in, int out, int err)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* cas_cli_replay's status with fds 0, 1, 2 = in, out, err for the call. */
static int run_in_process(int argc, const char **argv, int in, int out, int err)
{
    int saved[3] = {dup(0), dup(1), dup(2)};
    fflush(stdout);
    fflush(stderr);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    clearerr(stdin);
    int status = cas_cli_replay(argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    for (int fd = 0; fd < 3; fd++) {
        dup2(saved[fd], fd);
        close(saved[fd]);
    }
    clearerr(stdin);
    return status;
}

/* Run `cascade replay ARGS...` with stdin from in_path (or /dev/null):
 * through cas_cli_replay in this process, or through the built binary. */
static struct cli_run run_replay(bool binary, const char *in_path, const char *const *args)
{
    const char *argv[16];
    int argc = 0;
    if (binary)
        argv[argc++] = getenv("CASCADE_BIN");
    argv[argc++] = "replay";
    for (; *args; args++)
        argv[argc++] = *args;
    argv[argc] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
    cr_assert(out && err && in >= 0);
    fflush(stdout);
    fflush(stderr);
    struct cli_run run = {0};
    if (binary)
        run.status = run_binary(argv, in, fileno(out), fileno(err));
    else
        run.status = run_in_process(argc, argv, in, fileno(out), fileno(err));
    close(in);
    run.out = read_back(out);
    run.err = read_back(err);
    return run;
}

static void cli_release(struct cli_run *r)
{
    free(r->out);
    free(r->err);
}

/* A scratch directory, removed (with its files) by dir_remove. */
static char *dir_make(void)
{
    char *dir = strdup("/tmp/cascade-test-book-XXXXXX");
    cr_assert(dir && mkdtemp(dir), "mkdtemp failed");
    return dir;
}

static int dir_count(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void dir_remove(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
}

static char *dir_file(const char *dir, const char *name, const char *content)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert_not_null(path);
    sprintf(path, "%s/%s", dir, name);
    if (content) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(content, f);
        fclose(f);
    }
    return path;
}

#define GOOD_ORDERS HDR "1,sell,limit,101,5\n2,buy,limit,99,3\n3,buy,ioc,101,2\n"
#define GOOD_FILLS FILLS_HDR "3,1,101,2\n"
#define GOOD_BOOK BOOK_HDR "buy,99,3,1\nsell,101,3,1\n"
#define USAGE_TAIL "(usage: cascade replay ORDERS.csv [--final-book FILE])\n"

static void success_writes_fills_and_final_book(bool binary)
{
    char *dir = dir_make();
    char *orders = dir_file(dir, "orders.csv", GOOD_ORDERS), *fb = dir_file(dir, "book.csv", NULL);
    struct cli_run r = run_replay(binary, NULL, (const char *[]){orders, "--final-book", fb, NULL});
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, GOOD_FILLS);
    cr_assert_str_eq(r.err, "");
    char *book = slurp_file(fb);
    cr_assert_str_eq(book, GOOD_BOOK);
    cr_assert_eq(dir_count(dir), 2, "no temporary file is left");
    cli_release(&r);
    free(book);
    free(orders);
    free(fb);
    dir_remove(dir);
}

static void bad_line_exits_2_and_leaves_the_final_book_alone(bool binary)
{
    char *dir = dir_make();
    char *orders = dir_file(dir, "orders.csv", GOOD_ORDERS "4,buy,lmit,100,5\n");
    char *fb = dir_file(dir, "book.csv", NULL);
    struct cli_run r = run_replay(binary, NULL, (const char *[]){orders, "--final-book", fb, NULL});
    cr_assert_eq(r.status, 2);
    char want[4096];
    snprintf(want, sizeof want,
             "cascade: %s:5: unknown type 'lmit' (expected limit, market, ioc, post_only or "
             "cancel)\n",
             orders);
    cr_assert_str_eq(r.err, want);
    cr_assert_eq(access(fb, F_OK), -1, "no final book after an error");
    cr_assert_eq(dir_count(dir), 1, "no temporary file is left");
    cli_release(&r);
    /* an existing final book is not touched by a failed run */
    free(dir_file(dir, "book.csv", "old\n"));
    r = run_replay(binary, NULL, (const char *[]){"--final-book", fb, orders, NULL});
    cr_assert_eq(r.status, 2);
    char *book = slurp_file(fb);
    cr_assert_str_eq(book, "old\n");
    cr_assert_eq(dir_count(dir), 2);
    cli_release(&r);
    free(book);
    free(orders);
    free(fb);
    dir_remove(dir);
}

static void missing_file_exits_2(bool binary)
{
    struct cli_run r = run_replay(binary, NULL, (const char *[]){"/nonexistent/o.csv", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err,
                     "cascade: cannot open '/nonexistent/o.csv': No such file or directory\n");
    cr_assert_str_eq(r.out, "");
    cli_release(&r);
    r = run_replay(binary, NULL, (const char *[]){"/", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "cascade: cannot open '/': not a regular file (a directory)\n");
    cli_release(&r);
}

static void unwritable_final_book_exits_2(bool binary)
{
    char *dir = dir_make();
    char *orders = dir_file(dir, "orders.csv", GOOD_ORDERS);
    struct cli_run r = run_replay(
        binary, NULL, (const char *[]){orders, "--final-book", "/nonexistent/b.csv", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "cascade: cannot create '/nonexistent/b.csv': No such file or "
                            "directory\n");
    cr_assert_str_eq(r.out, "");
    cli_release(&r);
    free(orders);
    dir_remove(dir);
}

static void bad_usage_exits_2_with_one_line(bool binary)
{
    static const struct {
        const char *args[4];
        const char *err;
    } cases[] = {
        {{NULL}, "cascade: missing ORDERS file " USAGE_TAIL},
        {{"--frobnicate", "o.csv", NULL}, "cascade: unknown option '--frobnicate' " USAGE_TAIL},
        {{"a.csv", "b.csv", NULL}, "cascade: unexpected argument 'b.csv' " USAGE_TAIL},
        {{"a.csv", "--final-book", NULL}, "cascade: missing FILE after '--final-book' " USAGE_TAIL},
        {{"a.csv", "--final-book=", NULL},
         "cascade: missing FILE after '--final-book' " USAGE_TAIL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct cli_run r = run_replay(binary, NULL, cases[i].args);
        cr_assert_eq(r.status, 2, "case %zu", i);
        cr_assert_str_eq(r.err, cases[i].err, "case %zu", i);
        cr_assert_str_eq(r.out, "", "case %zu", i);
        cli_release(&r);
    }
}

static void help_goes_to_stdout_and_exits_0(bool binary)
{
    struct cli_run r = run_replay(binary, NULL, (const char *[]){"--help", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(!strncmp(r.out, "usage: cascade replay ORDERS.csv [--final-book FILE]\n", 53),
              "help starts with the usage line: %s", r.out);
    cr_assert_str_eq(r.err, "");
    cli_release(&r);
}

static void dash_reads_standard_input(bool binary)
{
    char *dir = dir_make();
    char *orders = dir_file(dir, "orders.csv", GOOD_ORDERS "5,sell,post_only,,1\n");
    struct cli_run r = run_replay(binary, orders, (const char *[]){"-", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.out, GOOD_FILLS);
    cr_assert_str_eq(r.err, "cascade: -:5: missing price for type 'post_only'\n");
    cli_release(&r);
    free(orders);
    dir_remove(dir);
}

/* The binary dispatches `cascade replay` once main.c does; until then these
 * cases are skipped rather than failed. */
static void require_binary(void)
{
    const char *bin = getenv("CASCADE_BIN");
    if (!bin || access(bin, X_OK))
        cr_skip_test("CASCADE_BIN is not an executable");
    struct cli_run r = run_replay(true, NULL, (const char *[]){"--help", NULL});
    bool ready = r.status == 0 && !strncmp(r.out, "usage: cascade replay", 21);
    cli_release(&r);
    if (!ready)
        cr_skip_test("%s does not dispatch 'replay' yet", bin);
}

#define CLI_CASE(name)        \
    Test(replay_cli, name)    \
    {                         \
        name(false);          \
    }                         \
    Test(replay_binary, name) \
    {                         \
        require_binary();     \
        name(true);           \
    }

CLI_CASE(success_writes_fills_and_final_book)
CLI_CASE(bad_line_exits_2_and_leaves_the_final_book_alone)
CLI_CASE(missing_file_exits_2)
CLI_CASE(unwritable_final_book_exits_2)
CLI_CASE(bad_usage_exits_2_with_one_line)
CLI_CASE(help_goes_to_stdout_and_exits_0)
CLI_CASE(dash_reads_standard_input)

/* ---- unit cases ------------------------------------------------------- */

/* The `book` suite's fixture: an empty book with default hints and the fills
 * its tests' submits record, both released after each test. (Declared here, after
 * the helpers and the other suites, whose own books and fill lists keep their
 * short names.) */
static struct cas_book *b;
static struct fillvec fv;

static void book_open(void)
{
    b = new_book();
    fv = (struct fillvec){0};
}

static void book_close(void)
{
    cas_book_destroy(b);
    free(fv.v);
}

TestSuite(book, .init = book_open, .fini = book_close);

Test(book, empty_book_answers_every_query)
{
    cas_ticks px = 77;
    cr_assert(!cas_book_best_bid(b, &px));
    cr_assert(!cas_book_best_ask(b, &px));
    cr_assert_eq(px, 77);
    cr_assert_eq(cas_book_best_qty(b, BUY), 0);
    cr_assert_eq(cas_book_best_qty(b, SELL), 0);
    struct cas_level_info lv[4];
    cr_assert_eq(cas_book_depth(b, BUY, 4, lv), 0);
    cr_assert_eq(cas_book_depth(b, SELL, 4, lv), 0);
    cr_assert_eq(cas_book_qty_to(b, SELL, CAS_BOOK_MAX_PRICE), 0);
    cr_assert_eq(cas_book_qty_to(b, BUY, 1), 0);
    cr_assert(!cas_book_order(b, 1, NULL));
    cr_assert_eq(cas_book_orders(b), 0);
    int calls = 0;
    cas_book_levels(b, BUY, count_level, &calls);
    cas_book_levels(b, SELL, count_level, &calls);
    cr_assert_eq(calls, 0);
    cr_assert_eq(queue_of(b, SELL, 100).n, 0);
    cr_assert_eq(cas_book_cancel(b, 1), CAS_ENOTFOUND);
    cr_assert_eq(cas_book_reduce(b, 1, 1), CAS_ENOTFOUND);
    assert_valid(b);
    cas_book_destroy(NULL);
}

Test(book, market_and_ioc_into_empty_book_drop_everything)
{
    assert_result(submit(b, 1, BUY, CAS_MARKET, 0, 5, &fv), 0, 0, 5, false);
    assert_result(submit(b, 2, SELL, CAS_MARKET, 0, 7, &fv), 0, 0, 7, false);
    assert_result(submit(b, 3, SELL, CAS_IOC, 100, 3, &fv), 0, 0, 3, false);
    cr_assert_eq(fv.n, 0);
    cr_assert_eq(cas_book_orders(b), 0);
    cr_assert(!cas_book_order(b, 3, NULL));
}

Test(book, limit_rests_and_is_found_by_id)
{
    assert_result(submit(b, 42, BUY, CAS_LIMIT, 100, 5, NULL), 0, 5, 0, false);
    assert_result(submit(b, 43, SELL, CAS_LIMIT, 105, 2, NULL), 0, 2, 0, false);
    cas_ticks bid = 0, ask = 0;
    cr_assert(cas_book_best_bid(b, &bid) && bid == 100);
    cr_assert(cas_book_best_ask(b, &ask) && ask == 105);
    cr_assert_eq(cas_book_best_qty(b, BUY), 5);
    cr_assert_eq(cas_book_best_qty(b, SELL), 2);
    struct cas_order_info o;
    cr_assert(cas_book_order(b, 42, &o));
    cr_assert(o.id == 42 && o.side == BUY && o.price == 100 && o.qty == 5);
    cr_assert(cas_book_order(b, 43, &o));
    cr_assert(o.id == 43 && o.side == SELL && o.price == 105 && o.qty == 2);
    cr_assert_eq(cas_book_orders(b), 2);
}

Test(book, exact_fill_removes_the_maker)
{
    rest(b, 1, SELL, 100, 10);
    assert_result(submit(b, 2, BUY, CAS_LIMIT, 100, 10, &fv), 10, 0, 0, false);
    expect_fills(&fv, 0, (struct cas_fill[]){{2, 1, 100, 10, 0, BUY}}, 1);
    cr_assert_eq(cas_book_orders(b), 0);
    cr_assert(!cas_book_order(b, 1, NULL));
    cr_assert(!cas_book_order(b, 2, NULL));
    cr_assert(!cas_book_best_ask(b, NULL));
    cr_assert_eq(cas_book_cancel(b, 1), CAS_ENOTFOUND);
}

Test(book, buy_sweeps_levels_at_maker_prices_and_rests_the_rest)
{
    rest_all(b, (struct resting[]){{1, SELL, 100, 3}, {2, SELL, 101, 4}, {3, SELL, 103, 5}, {0}});
    assert_result(submit(b, 4, BUY, CAS_LIMIT, 102, 10, &fv), 7, 3, 0, false);
    expect_fills(&fv, 0, (struct cas_fill[]){{4, 1, 100, 3, 0, BUY}, {4, 2, 101, 4, 0, BUY}}, 2);
    cas_ticks bid = 0, ask = 0;
    cr_assert(cas_book_best_bid(b, &bid) && bid == 102);
    cr_assert(cas_book_best_ask(b, &ask) && ask == 103);
    cr_assert_eq(cas_book_best_qty(b, BUY), 3);
}

Test(book, sell_sweeps_bids_best_first_and_partly_fills_the_last)
{
    rest_all(b, (struct resting[]){{1, BUY, 98, 2}, {2, BUY, 97, 2}, {3, BUY, 95, 4}, {0}});
    assert_result(submit(b, 4, SELL, CAS_LIMIT, 95, 5, &fv), 5, 0, 0, false);
    expect_fills(
        &fv, 0,
        (struct cas_fill[]){{4, 1, 98, 2, 0, SELL}, {4, 2, 97, 2, 0, SELL}, {4, 3, 95, 1, 3, SELL}},
        3);
    struct cas_order_info o;
    cr_assert(cas_book_order(b, 3, &o) && o.qty == 3);
    cr_assert(!cas_book_best_ask(b, NULL));
}

Test(book, queue_is_fifo_within_a_level)
{
    rest_all(b,
             (struct resting[]){
                 {1, SELL, 100, 2}, {2, SELL, 100, 3}, {3, SELL, 100, 4}, {4, SELL, 101, 1}, {0}});
    struct idlist q = queue_of(b, SELL, 100);
    cr_assert(q.n == 3 && q.id[0] == 1 && q.id[1] == 2 && q.id[2] == 3);
    assert_result(submit(b, 9, BUY, CAS_MARKET, 0, 6, &fv), 6, 0, 0, false);
    expect_fills(
        &fv, 0,
        (struct cas_fill[]){{9, 1, 100, 2, 0, BUY}, {9, 2, 100, 3, 0, BUY}, {9, 3, 100, 1, 3, BUY}},
        3);
    rest(b, 5, SELL, 100, 2);
    q = queue_of(b, SELL, 100);
    cr_assert(q.n == 2 && q.id[0] == 3 && q.id[1] == 5, "a partly filled maker keeps its place");
    struct cas_level_info lv[2];
    cr_assert_eq(cas_book_depth(b, SELL, 2, lv), 2);
    cr_assert(lv[0].price == 100 && lv[0].qty == 5 && lv[0].orders == 2);
}

Test(book, cancel_of_filled_cancelled_or_unknown_id_is_not_found)
{
    rest(b, 1, SELL, 100, 5);
    submit(b, 2, BUY, CAS_LIMIT, 100, 5, NULL);
    rest(b, 3, BUY, 90, 5);
    rest(b, 4, BUY, 91, 5);
    char *before = render(b);
    cr_assert_eq(cas_book_cancel(b, 1), CAS_ENOTFOUND, "filled");
    cr_assert_eq(cas_book_cancel(b, 2), CAS_ENOTFOUND, "taker never rested");
    cr_assert_eq(cas_book_cancel(b, 999), CAS_ENOTFOUND, "never seen");
    assert_unchanged(b, before);
    cr_assert_eq(cas_book_cancel(b, 3), 0);
    cr_assert_eq(cas_book_cancel(b, 3), CAS_ENOTFOUND, "already cancelled");
    assert_valid(b);
    cr_assert_eq(cas_book_orders(b), 1);
    cr_assert(!cas_book_order(b, 3, NULL));
    free(before);
}

Test(book, cancel_anywhere_in_a_queue_keeps_the_others_in_order)
{
    for (uint64_t id = 1; id <= 5; id++)
        rest(b, id, SELL, 100, (cas_lots)id);
    rest(b, 6, SELL, 101, 1);
    cr_assert_eq(cas_book_cancel(b, 3), 0);
    assert_valid(b);
    struct idlist q = queue_of(b, SELL, 100);
    cr_assert(q.n == 4 && q.id[0] == 1 && q.id[1] == 2 && q.id[2] == 4 && q.id[3] == 5);
    cr_assert_eq(cas_book_best_qty(b, SELL), 12);
    cr_assert_eq(cas_book_cancel(b, 1), 0, "head");
    cr_assert_eq(cas_book_cancel(b, 5), 0, "tail");
    assert_valid(b);
    q = queue_of(b, SELL, 100);
    cr_assert(q.n == 2 && q.id[0] == 2 && q.id[1] == 4);
    cr_assert_eq(cas_book_cancel(b, 2), 0);
    cr_assert_eq(cas_book_cancel(b, 4), 0);
    assert_valid(b);
    cas_ticks ask = 0;
    cr_assert(cas_book_best_ask(b, &ask) && ask == 101, "cursor moves to the next level");
}

Test(book, cancel_of_the_best_bid_moves_the_cursor_down)
{
    rest_all(b, (struct resting[]){{1, BUY, 100, 1}, {2, BUY, 95, 1}, {3, BUY, 90, 1}, {0}});
    cas_ticks bid = 0;
    cr_assert_eq(cas_book_cancel(b, 1), 0);
    cr_assert(cas_book_best_bid(b, &bid) && bid == 95);
    cr_assert_eq(cas_book_cancel(b, 3), 0);
    cr_assert(cas_book_best_bid(b, &bid) && bid == 95);
    cr_assert_eq(cas_book_cancel(b, 2), 0);
    cr_assert(!cas_book_best_bid(b, &bid));
    assert_valid(b);
}

Test(book, post_only_is_rejected_whole_when_it_would_cross)
{
    rest(b, 1, SELL, 100, 5);
    char *before = render(b);
    assert_result(submit(b, 2, BUY, CAS_POST_ONLY, 100, 3, &fv), 0, 0, 3, true);
    assert_result(submit(b, 3, BUY, CAS_POST_ONLY, 150, 3, &fv), 0, 0, 3, true);
    cr_assert_eq(fv.n, 0);
    cr_assert(!cas_book_order(b, 2, NULL));
    assert_unchanged(b, before);
    assert_result(submit(b, 4, BUY, CAS_POST_ONLY, 99, 3, &fv), 0, 3, 0, false);
    assert_result(submit(b, 5, SELL, CAS_POST_ONLY, 99, 2, &fv), 0, 0, 2, true);
    assert_result(submit(b, 6, SELL, CAS_POST_ONLY, 100, 2, &fv), 0, 2, 0, false);
    cr_assert_eq(fv.n, 0);
    struct idlist q = queue_of(b, SELL, 100);
    cr_assert(q.n == 2 && q.id[0] == 1 && q.id[1] == 6);
    free(before);
}

Test(book, ioc_takes_what_it_reaches_and_drops_the_rest)
{
    rest_all(b, (struct resting[]){{1, SELL, 100, 3}, {2, SELL, 101, 2}, {3, SELL, 102, 5}, {0}});
    assert_result(submit(b, 4, BUY, CAS_IOC, 101, 10, &fv), 5, 0, 5, false);
    expect_fills(&fv, 0, (struct cas_fill[]){{4, 1, 100, 3, 0, BUY}, {4, 2, 101, 2, 0, BUY}}, 2);
    cr_assert(!cas_book_order(b, 4, NULL));
    cr_assert(!cas_book_best_bid(b, NULL));
    cas_ticks ask = 0;
    cr_assert(cas_book_best_ask(b, &ask) && ask == 102 && cas_book_best_qty(b, SELL) == 5);
}

Test(book, market_sweeps_every_price_and_drops_the_rest)
{
    rest_all(b, (struct resting[]){{1, SELL, 100, 1}, {2, SELL, 5000, 2}, {3, BUY, 10, 4}, {0}});
    assert_result(submit(b, 4, BUY, CAS_MARKET, -12345, 10, &fv), 3, 0, 7, false);
    expect_fills(&fv, 0, (struct cas_fill[]){{4, 1, 100, 1, 0, BUY}, {4, 2, 5000, 2, 0, BUY}}, 2);
    assert_result(submit(b, 5, SELL, CAS_MARKET, 0, 1, &fv), 1, 0, 0, false);
    assert_fill(&fv.v[2], 5, 3, 10, 1, 3, SELL);
    cr_assert(!cas_book_best_ask(b, NULL));
    cr_assert_eq(cas_book_orders(b), 1);
}

Test(book, market_orders_reach_the_extreme_prices)
{
    rest(b, 1, BUY, 1, 2);
    assert_result(submit(b, 2, SELL, CAS_MARKET, 0, 1, &fv), 1, 0, 0, false);
    assert_fill(&fv.v[0], 2, 1, 1, 1, 1, SELL);
    cr_assert_eq(cas_book_cancel(b, 1), 0);
    rest(b, 3, SELL, CAS_BOOK_MAX_PRICE, 2);
    assert_result(submit(b, 4, BUY, CAS_MARKET, 0, 3, &fv), 2, 0, 1, false);
    assert_fill(&fv.v[1], 4, 3, CAS_BOOK_MAX_PRICE, 2, 0, BUY);
}

Test(book, reduce_keeps_queue_priority_and_refuses_bad_quantities)
{
    rest(b, 1, SELL, 100, 5);
    rest(b, 2, SELL, 100, 5);
    cr_assert_eq(cas_book_reduce(b, 1, 2), 0);
    assert_valid(b);
    struct cas_order_info o;
    cr_assert(cas_book_order(b, 1, &o) && o.qty == 2);
    cr_assert_eq(cas_book_best_qty(b, SELL), 7);
    char *before = render(b);
    cr_assert_eq(cas_book_reduce(b, 2, 6), CAS_ERANGE, "above current");
    cr_assert_eq(cas_book_reduce(b, 2, 0), CAS_ERANGE, "zero");
    cr_assert_eq(cas_book_reduce(b, 2, -1), CAS_ERANGE, "negative");
    cr_assert_eq(cas_book_reduce(b, 99, 1), CAS_ENOTFOUND);
    assert_unchanged(b, before);
    cr_assert_eq(cas_book_reduce(b, 2, 5), 0, "reduce to the current quantity is allowed");
    assert_unchanged(b, before);
    assert_result(submit(b, 3, BUY, CAS_MARKET, 0, 3, &fv), 3, 0, 0, false);
    expect_fills(&fv, 0, (struct cas_fill[]){{3, 1, 100, 2, 0, BUY}, {3, 2, 100, 1, 4, BUY}}, 2);
    rest(b, 4, BUY, 90, 8);
    cr_assert_eq(cas_book_reduce(b, 4, 1), 0);
    cr_assert_eq(cas_book_qty_to(b, BUY, 1), 1);
    assert_valid(b);
    free(before);
}

Test(book, duplicate_id_is_rejected_with_nothing_changed)
{
    rest(b, 7, BUY, 100, 5);
    rest(b, 8, SELL, 101, 5);
    char *before = render(b);
    const enum cas_order_type types[] = {CAS_LIMIT, CAS_MARKET, CAS_IOC, CAS_POST_ONLY};
    for (size_t t = 0; t < 4; t++) {
        for (int s = BUY; s <= SELL; s++) {
            for (uint64_t id = 7; id <= 8; id++) {
                struct cas_submit_result r = {.filled = 9, .rested = 9, .dropped = 9};
                int rc = cas_book_submit(b, id, (enum cas_side)s, types[t], s == BUY ? 101 : 100, 3,
                                         record_fill, &fv, &r);
                cr_assert_eq(rc, CAS_EEXIST);
                assert_result(r, 0, 0, 0, false);
            }
        }
    }
    cr_assert_eq(fv.n, 0);
    assert_unchanged(b, before);
    cr_assert_eq(cas_book_cancel(b, 7), 0);
    assert_result(submit(b, 7, SELL, CAS_LIMIT, 102, 1, NULL), 0, 1, 0, false);
    free(before);
}

Test(book, bad_arguments_are_refused_with_nothing_changed)
{
    rest(b, 1, BUY, 100, 5);
    rest(b, 2, SELL, 101, 5);
    char *before = render(b);
    struct {
        int side, type;
        cas_ticks price;
        cas_lots qty;
        int rc;
    } bad[] = {
        {2, CAS_LIMIT, 100, 1, CAS_EINVAL},
        {-1, CAS_MARKET, 0, 1, CAS_EINVAL},
        {BUY, 4, 101, 1, CAS_EINVAL},
        {BUY, CAS_LIMIT, 101, 0, CAS_ERANGE},
        {SELL, CAS_MARKET, 0, -5, CAS_ERANGE},
        {BUY, CAS_IOC, 101, CAS_BOOK_MAX_QTY + 1, CAS_ERANGE},
        {BUY, CAS_LIMIT, 0, 1, CAS_ERANGE},
        {SELL, CAS_IOC, -1, 1, CAS_ERANGE},
        {BUY, CAS_POST_ONLY, CAS_BOOK_MAX_PRICE + 1, 1, CAS_ERANGE},
        {SELL, CAS_LIMIT, CAS_BOOK_MAX_PRICE + 1, 1, CAS_ERANGE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct cas_submit_result r = {.filled = 9, .rejected = true};
        int rc =
            cas_book_submit(b, 50 + i, (enum cas_side)bad[i].side, (enum cas_order_type)bad[i].type,
                            bad[i].price, bad[i].qty, record_fill, &fv, &r);
        cr_assert_eq(rc, bad[i].rc, "case %zu returned %d", i, rc);
        assert_result(r, 0, 0, 0, false);
    }
    cr_assert_eq(fv.n, 0);
    assert_unchanged(b, before);
    assert_result(submit(b, 60, BUY, CAS_MARKET, 0, 1, &fv), 1, 0, 0, false);
    assert_result(submit(b, 61, SELL, CAS_LIMIT, 200, CAS_BOOK_MAX_QTY, NULL), 0, CAS_BOOK_MAX_QTY,
                  0, false);
    assert_result(submit(b, 62, BUY, CAS_LIMIT, 1, 1, NULL), 0, 1, 0, false);
    free(before);
}

/* clang-format off */
Test(book, qty_to_and_depth_report_levels_best_first)
{
    rest_all(b, (struct resting[]){{1, BUY, 100, 1}, {2, BUY, 99, 1}, {3, BUY, 99, 1},
                                   {4, BUY, 97, 3}, {5, SELL, 101, 4}, {6, SELL, 103, 5},
                                   {7, SELL, 110, 6}, {0}});
    struct cas_level_info lv[8];
    cr_assert_eq(cas_book_depth(b, BUY, 2, lv), 2);
    cr_assert(lv[0].price == 100 && lv[0].qty == 1 && lv[0].orders == 1);
    cr_assert(lv[1].price == 99 && lv[1].qty == 2 && lv[1].orders == 2);
    cr_assert_eq(cas_book_depth(b, SELL, 8, lv), 3);
    cr_assert(lv[0].price == 101 && lv[1].price == 103 && lv[2].price == 110);
    cr_assert(lv[2].qty == 6 && lv[2].orders == 1);
    cr_assert_eq(cas_book_depth(b, SELL, 0, lv), 0);
    cr_assert_eq(cas_book_qty_to(b, SELL, 100), 0);
    cr_assert_eq(cas_book_qty_to(b, SELL, 101), 4);
    cr_assert_eq(cas_book_qty_to(b, SELL, 109), 9);
    cr_assert_eq(cas_book_qty_to(b, SELL, CAS_BOOK_MAX_PRICE), 15);
    cr_assert_eq(cas_book_qty_to(b, BUY, 101), 0);
    cr_assert_eq(cas_book_qty_to(b, BUY, 100), 1);
    cr_assert_eq(cas_book_qty_to(b, BUY, 98), 3);
    cr_assert_eq(cas_book_qty_to(b, BUY, 1), 6);
    int calls = 0;
    cas_book_levels(b, SELL, stop_after_one, &calls);
    cr_assert_eq(calls, 1, "the walk stops when the callback says so");
    calls = 0;
    cas_book_levels(b, BUY, count_level, &calls);
    cr_assert_eq(calls, 3);
    cr_assert_eq(queue_of(b, BUY, 98).n, 0, "an empty level has no queue");
    cr_assert_eq(queue_of(b, SELL, 99).n, 0, "a bid level is not an ask level");
}
/* clang-format on */

Test(book, extreme_ids_are_indexed_and_reusable)
{
    rest(b, 0, BUY, 10, 1);
    rest(b, UINT64_MAX, SELL, 20, 2);
    struct cas_order_info o;
    cr_assert(cas_book_order(b, 0, &o) && o.qty == 1);
    cr_assert(cas_book_order(b, UINT64_MAX, &o) && o.qty == 2);
    cr_assert_eq(cas_book_cancel(b, 0), 0);
    rest(b, 0, SELL, 21, 3);
    cr_assert(cas_book_order(b, 0, &o) && o.side == SELL && o.price == 21);
}

/* 4000 steps of a mid moving `step` ticks a step: each step rests one order
 * 5 ticks behind the mid (the side the mid leaves behind) and one 20 steps
 * ahead on the other side, cancels both of ten steps ago, and trades 1 lot
 * against the newest order behind. The window must keep re-centring. */
static void drift(cas_ticks start, cas_ticks step)
{
    enum cas_side behind = step > 0 ? BUY : SELL, ahead = step > 0 ? SELL : BUY;
    cas_ticks toward = step > 0 ? 1 : -1;
    for (uint64_t i = 0; i < 4000; i++) {
        cas_ticks mid = start + (cas_ticks)i * step;
        rest(b, 3 * i, behind, mid - 5 * toward, 2);
        rest(b, 3 * i + 1, ahead, mid + 20 * step, 2);
        if (i >= 10) {
            cr_assert_eq(cas_book_cancel(b, 3 * (i - 10)), 0);
            cr_assert_eq(cas_book_cancel(b, 3 * (i - 10) + 1), 0);
            assert_valid(b);
        }
        fv.n = 0;
        assert_result(submit(b, 3 * i + 2, ahead, CAS_MARKET, 0, 1, &fv), 1, 0, 0, false);
        assert_fill(&fv.v[0], 3 * i + 2, 3 * i, mid - 5 * toward, 1, 1, ahead);
    }
    cr_assert_eq(cas_book_orders(b), 20);
    cas_ticks near = 0, far = 0;
    cr_assert(step > 0 ? cas_book_best_bid(b, &near) : cas_book_best_ask(b, &near));
    cr_assert(step > 0 ? cas_book_best_ask(b, &far) : cas_book_best_bid(b, &far));
    cr_assert_eq(near, start + 3999 * step - 5 * toward);
    cr_assert_eq(far, start + 3990 * step + 20 * step);
    cr_assert_eq(cas_book_qty_to(b, behind, step > 0 ? 1 : CAS_BOOK_MAX_PRICE), 10);
}

Test(book, window_follows_a_market_drifting_up)
{
    drift(1000, 37);
}

Test(book, window_follows_a_market_drifting_down)
{
    drift(200000, -37);
}

Test(book, resting_prices_may_span_at_most_the_limit)
{
    const cas_ticks p = 1000;
    struct cas_submit_result r;
    rest(b, 1, BUY, p, 1);
    rest(b, 2, SELL, p + SPAN, 1);
    char *before = render(b);
    cr_assert_eq(cas_book_submit(b, 3, SELL, CAS_LIMIT, p + SPAN + 1, 1, NULL, NULL, &r),
                 CAS_ERANGE);
    cr_assert_eq(cas_book_submit(b, 4, BUY, CAS_POST_ONLY, p - 1, 1, NULL, NULL, &r), CAS_ERANGE);
    cr_assert_eq(cas_book_submit(b, 4, BUY, CAS_LIMIT, p - 1, 1, NULL, NULL, &r), CAS_ERANGE);
    assert_result(r, 0, 0, 0, false);
    assert_unchanged(b, before);
    free(before);
    /* orders that do not rest may lie anywhere */
    assert_result(submit(b, 5, BUY, CAS_IOC, p + SPAN + 1000, 1, &fv), 1, 0, 0, false);
    assert_fill(&fv.v[0], 5, 2, p + SPAN, 1, 0, BUY);
    rest(b, 6, SELL, p + SPAN, 1);
    assert_result(submit(b, 7, BUY, CAS_LIMIT, p + SPAN + 1, 1, &fv), 1, 0, 0, false);
    /* a sweep is judged by where its rest would lie once the levels it takes are gone */
    rest(b, 8, SELL, p + SPAN, 2);
    before = render(b);
    cr_assert_eq(cas_book_submit(b, 9, BUY, CAS_LIMIT, p + SPAN + 1, 5, record_fill, &fv, &r),
                 CAS_ERANGE);
    cr_assert_eq(fv.n, 2);
    assert_unchanged(b, before);
    free(before);
    assert_result(submit(b, 10, BUY, CAS_LIMIT, p + SPAN, 5, &fv), 2, 3, 0, false);
    cr_assert_eq(cas_book_cancel(b, 1), 0);
    assert_valid(b);
    /* with the far bid gone, a sell can sweep the bids and rest far below */
    assert_result(submit(b, 11, SELL, CAS_LIMIT, 500, 10, &fv), 3, 7, 0, false);
    cas_ticks ask = 0;
    cr_assert(cas_book_best_ask(b, &ask) && ask == 500);
    cr_assert(!cas_book_best_bid(b, NULL));
    /* an empty book takes a price anywhere */
    cr_assert_eq(cas_book_cancel(b, 11), 0);
    rest(b, 12, BUY, CAS_BOOK_MAX_PRICE - 1, 1);
    rest(b, 13, SELL, CAS_BOOK_MAX_PRICE, 1);
}

Test(book, side_total_is_capped_so_no_level_can_overflow)
{
    const cas_lots big = CAS_BOOK_MAX_QTY;
    const uint64_t fit = (uint64_t)(INT64_MAX / big); /* 8191 orders of 2^50 lots */
    for (uint64_t i = 0; i < fit; i++) {
        struct cas_submit_result r;
        cr_assert_eq(
            cas_book_submit(b, i, SELL, CAS_LIMIT, 100 + (cas_ticks)(i % 4), big, NULL, NULL, &r),
            0);
    }
    assert_valid(b);
    struct cas_submit_result r;
    cr_assert_eq(cas_book_submit(b, fit, SELL, CAS_LIMIT, 100, big, NULL, NULL, &r), CAS_ERANGE);
    cr_assert_eq(cas_book_submit(b, fit, SELL, CAS_POST_ONLY, 100, big, NULL, NULL, &r),
                 CAS_ERANGE);
    cr_assert_eq(cas_book_qty_to(b, SELL, CAS_BOOK_MAX_PRICE), (cas_lots)fit * big);
    assert_result(submit(b, fit + 1, BUY, CAS_MARKET, 0, big, &fv), big, 0, 0, false);
    cr_assert_eq(fv.n, 1);
    assert_result(submit(b, fit, SELL, CAS_LIMIT, 100, big, NULL), 0, big, 0, false);
    assert_result(submit(b, fit + 2, BUY, CAS_LIMIT, 50, big, NULL), 0, big, 0, false);
}
