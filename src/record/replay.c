/* replay: replay.jsonl, the book and every event step by step around the
 * run's liquidations, for the report's player.
 *
 * The exchange appends every change of the books to a journal (struct
 * cas_journal, through the sim's observer), in the order the books saw them: an
 * order submitted, before its fills; each fill; an order taken out; a
 * liquidation triggered or finished. Each step's journal is kept (its buffer
 * swapped, not copied) in a ring of the last `window` steps, with the step's
 * last, mark and index. A step with liquidation activity (a trigger or a job's
 * end) writes the ring out, itself, and every step up to `window` steps after
 * the last such step; steps in a configured range (record.replay) are always
 * written. Each step is written once, in order: one JSON line per step and
 * instrument. A step that is not written costs its journal and nothing more.
 *
 * A step written gets its book at the end (the top REPLAY_LEVELS levels of each
 * side) and at the start, down to the deepest price any of its frames (the book
 * after each event) has among its top REPLAY_LEVELS, so that replaying the
 * events over the start gives every frame's top levels exactly. Both come from
 * a shadow of each book, lots per price: made when a run of written steps
 * begins, from the real book at the end of the step being recorded with the
 * journals of the steps to be written undone from the newest event back, and
 * then played forward through each step written.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmt.h"
#include "core/coreInt.h"
#include "record/recordInt.h"

#define REPLAY_LEVELS 10

struct snap {
    cas_step step;
    double last, mark, index;
    bool active; /* a liquidation triggered or finished in the step */
};

/* ---- the shadow: lots per price of each side, over a window of prices that grows ---- */

struct shadow {
    cas_ticks lo;   /* the window's first price */
    uint32_t n;     /* prices in it */
    cas_lots *qty;  /* n bids, then n asks */
    int64_t top[2]; /* the best price's offset per side; -1 when the side is empty */
};

/* Make room for `price`; false when out of memory. */
static bool shadow_fit(struct shadow *b, cas_ticks price)
{
    if (b->n && price >= b->lo && price < b->lo + b->n)
        return true;
    cas_ticks lo = b->n ? (price < b->lo ? price : b->lo) : price;
    cas_ticks hi = b->n ? (price >= b->lo + b->n ? price : b->lo + b->n - 1) : price;
    cas_ticks room = (hi - lo + 1) / 2 + 64; /* grow by half again: amortized */
    lo = lo - room < 1 ? 1 : lo - room;
    hi += room;
    uint64_t n = (uint64_t)(hi - lo + 1);
    if (n > (uint64_t)UINT32_MAX / 2)
        return false;
    cas_lots *q = calloc(2 * n, sizeof *q);
    if (!q)
        return false;
    for (int side = 0; side < 2 && b->n; side++) {
        memcpy(&q[side * n + (size_t)(b->lo - lo)], &b->qty[side * (size_t)b->n], b->n * sizeof *q);
        if (b->top[side] >= 0)
            b->top[side] += b->lo - lo;
    }
    if (!b->n)
        b->top[0] = b->top[1] = -1;
    free(b->qty);
    b->qty = q;
    b->lo = lo;
    b->n = (uint32_t)n;
    return true;
}

/* Add d lots (d < 0: take them) at a price of a side; false if that leaves a level
 * below zero (the shadow has lost the book: a bug the tests catch) or memory ran out. */
static bool shadow_add(struct shadow *b, enum cas_side side, cas_ticks price, cas_lots d)
{
    if (!shadow_fit(b, price))
        return false;
    int64_t at = price - b->lo;
    cas_lots *q = &b->qty[(size_t)side * b->n];
    q[at] += d;
    if (q[at] < 0)
        return false;
    int64_t *top = &b->top[side];
    if (q[at] > 0) {
        if (*top < 0 || (side == CAS_BUY ? at > *top : at < *top))
            *top = at;
    } else if (at == *top) { /* the best level went: find the next */
        int64_t k = at, step = side == CAS_BUY ? -1 : 1;
        while (k >= 0 && k < (int64_t)b->n && q[k] == 0)
            k += step;
        *top = k >= 0 && k < (int64_t)b->n ? k : -1;
    }
    return true;
}

/* The top n levels of a side, best first; how many there are. */
static uint32_t shadow_depth(const struct shadow *b, enum cas_side side, uint32_t n,
                             struct cas_level_info *out)
{
    uint32_t got = 0;
    const cas_lots *q = &b->qty[(size_t)side * b->n];
    int64_t step = side == CAS_BUY ? -1 : 1;
    for (int64_t k = b->top[side]; b->n && k >= 0 && k < (int64_t)b->n && got < n; k += step)
        if (q[k] > 0)
            out[got++] = (struct cas_level_info){b->lo + k, q[k], 0};
    return got;
}

struct cas__replay {
    const struct cas_config *cfg;
    FILE *f;
    uint32_t ni;
    cas_step window, until;     /* write every step up to `until` */
    struct snap *ring;          /* (window + 1) x ni: the steps kept, then the step running now */
    struct cas_journal journal; /* the step running now's, appended to by the exchange */
    struct cas_journal *logs;   /* window + 1: each slot's journal, the kept steps' */
    size_t slots, head, n;      /* ring slots; the oldest kept step's; how many are kept */
    struct shadow *shadow;      /* per instrument: the book at the start of the next step written */
    bool shadow_ok;             /* the shadows are that: the last step ended was written */
    struct cas_journal_event *mine; /* scratch: one step's events of one instrument */
    uint32_t n_mine, cap_mine;
    struct level *work; /* scratch for a step's start */
    uint32_t cap_work;
    bool failed;
};

/* The step running now: the slot after the kept ones. */
static struct snap *now(struct cas__replay *p, uint32_t i)
{
    return &p->ring[((p->head + p->n) % p->slots) * p->ni + i];
}

void cas__replay_destroy(struct cas__replay *p)
{
    if (!p)
        return;
    for (size_t k = 0; p->logs && k < p->slots; k++)
        free(p->logs[k].ev);
    free(p->journal.ev);
    free(p->logs);
    free(p->ring);
    free(p->mine);
    for (uint32_t i = 0; p->shadow && i < p->ni; i++)
        free(p->shadow[i].qty);
    free(p->shadow);
    free(p->work);
    free(p);
}

int cas__replay_create(struct cas__replay **out, const struct cas_config *cfg, FILE *f)
{
    struct cas__replay *p = calloc(1, sizeof *p);
    if (!p)
        return CAS_ENOMEM;
    p->cfg = cfg;
    p->f = f;
    p->ni = cfg->n_instruments;
    /* only perpetuals liquidate: without one, nothing but the asked ranges is kept */
    bool perp = false;
    for (uint32_t i = 0; i < p->ni; i++)
        perp |= cfg->instruments[i].spec.kind == CAS_PERPETUAL;
    p->window = perp ? cfg->replay_window : 0;
    p->until = -1;
    p->slots = (size_t)p->window + 1;
    p->ring = calloc(p->slots * p->ni, sizeof *p->ring);
    p->logs = calloc(p->slots, sizeof *p->logs);
    p->shadow = calloc(p->ni, sizeof *p->shadow);
    if (!p->ring || !p->logs || !p->shadow) {
        cas__replay_destroy(p);
        return CAS_ENOMEM;
    }
    *out = p;
    return 0;
}

void cas__replay_liquidation(struct cas__replay *p, uint32_t i)
{
    now(p, i)->active = true;
}

struct cas_journal *cas__replay_journal(struct cas__replay *p)
{
    return &p->journal;
}

/* The step's journal becomes its slot's; the slot's old buffer (a step written or gone)
 * takes the next step's events. */
static void keep_journal(struct cas__replay *p)
{
    struct cas_journal *l = &p->logs[(p->head + p->n) % p->slots], t = *l;
    if (p->journal.failed)
        p->failed = true;
    *l = p->journal;
    p->journal = (struct cas_journal){t.ev, 0, t.cap, false};
}

/* A step's events of instrument i, into p->mine; false when out of memory. */
static bool pick(struct cas__replay *p, const struct cas_journal *l, uint32_t i)
{
    p->n_mine = 0;
    for (size_t k = 0; k < l->n; k++) {
        if (l->ev[k].instrument != i)
            continue;
        if (cas__grow((void **)&p->mine, &p->cap_mine, p->n_mine + 1, sizeof *p->mine)) {
            p->failed = true;
            return false;
        }
        p->mine[p->n_mine++] = l->ev[k];
    }
    return true;
}

/* ---- the book at the step's start ---- */

static bool better(enum cas_side side, cas_ticks a, cas_ticks b)
{
    return side == CAS_BUY ? a > b : a < b;
}

static enum cas_side opposite(enum cas_side side)
{
    return side == CAS_BUY ? CAS_SELL : CAS_BUY;
}

/* The deepest price of each side among the top REPLAY_LEVELS of any frame seen; and the
 * last frame seen's last level of each side, while it had all REPLAY_LEVELS. */
struct frames {
    bool any[2], full[2];
    cas_ticks deepest[2], last[2];
};

/* See side k of the frame the shadow is now. */
static void see_side(struct frames *fr, const struct shadow *b, int k)
{
    struct cas_level_info lv[REPLAY_LEVELS];
    enum cas_side side = k ? CAS_SELL : CAS_BUY;
    uint32_t n = shadow_depth(b, side, REPLAY_LEVELS, lv);
    if (n && (!fr->any[k] || better(side, fr->deepest[k], lv[n - 1].price)))
        fr->deepest[k] = lv[n - 1].price;
    fr->any[k] |= n > 0;
    fr->full[k] = n == REPLAY_LEVELS;
    fr->last[k] = n ? lv[n - 1].price : 0;
}

static void see(struct frames *fr, const struct shadow *b)
{
    see_side(fr, b, 0);
    see_side(fr, b, 1);
}

/* What event e changes on its book: d lots at *price of *side (d 0: nothing). */
static cas_lots change(const struct cas_journal_event *e, enum cas_side *side)
{
    *side = (enum cas_side)e->side;
    if (e->kind == CAS_J_ORDER)
        return e->rested;
    if (e->kind == CAS_J_FILL) /* it takes from the maker's side */
        *side = opposite(*side);
    return e->kind == CAS_J_FILL || e->kind == CAS_J_CANCEL ? -e->qty : 0;
}

/* Event e done (sign 1) or undone (-1) on the shadow. */
static void apply(struct cas__replay *p, struct shadow *b, const struct cas_journal_event *e,
                  cas_lots sign)
{
    enum cas_side side;
    cas_lots d = change(e, &side);
    if (d != 0 && !shadow_add(b, side, e->price, sign * d))
        p->failed = true;
}

/* See the frame after event e: only e's side can have changed, and only where e's price
 * reaches its top levels (a change beyond the last of a full top leaves them as they were). */
static void see_change(struct frames *fr, const struct shadow *b, const struct cas_journal_event *e)
{
    enum cas_side side;
    if (change(e, &side) == 0)
        return;
    int k = side == CAS_SELL;
    if (fr->full[k] && better(side, fr->last[k], e->price))
        return;
    see_side(fr, b, k);
}

/* Play event k of a step into the shadow, seeing each frame: an order's fills (the
 * events after it) first, then its resting lots with its last fill's frame, as the
 * book did (the order's own frame, before its fills, is the one before it); how many
 * events that took. */
static uint32_t play(struct cas__replay *p, struct shadow *b, uint32_t k, struct frames *fr)
{
    const struct cas_journal_event *ev = p->mine, *e = &ev[k];
    uint32_t n = p->n_mine, used = 1;
    if (e->kind == CAS_J_ORDER)
        while (k + used < n && ev[k + used].kind == CAS_J_FILL && ev[k + used].id == e->id) {
            apply(p, b, &ev[k + used], 1);
            see_change(fr, b, &ev[k + used]);
            used++;
        }
    apply(p, b, e, 1);
    see_change(fr, b, e);
    return used;
}

/* The step's events of one instrument (p->mine) played into its shadow. */
static void play_all(struct cas__replay *p, struct shadow *b, struct frames *fr)
{
    see(fr, b);
    for (uint32_t k = 0; k < p->n_mine;)
        k += play(p, b, k, fr);
}

struct level {
    cas_ticks price;
    cas_lots qty; /* at the step's end, then at its start */
    cas_lots delta;
};

static int by_price_desc(const void *a, const void *b)
{
    cas_ticks x = ((const struct level *)a)->price, y = ((const struct level *)b)->price;
    return (x < y) - (x > y);
}

static int by_price_asc(const void *a, const void *b)
{
    return -by_price_desc(a, b);
}

static bool reserve_work(struct cas__replay *p, uint32_t n)
{
    if (cas__grow((void **)&p->work, &p->cap_work, n, sizeof *p->work)) {
        p->failed = true;
        return false;
    }
    return true;
}

/* One side of the book at a step's start, down to `deepest`, worked back from the book at
 * its end (the shadow, the step played) by undoing the step's changes on that side. In
 * p->work, best first, levels with lots only; how many. */
static uint32_t start_side(struct cas__replay *p, const struct shadow *b, enum cas_side side,
                           cas_ticks deepest)
{
    uint32_t n = 0;
    const cas_lots *q = &b->qty[(size_t)side * b->n];
    int64_t step = side == CAS_BUY ? -1 : 1;
    for (int64_t k = b->top[side]; b->n && k >= 0 && k < (int64_t)b->n; k += step) {
        if (better(side, deepest, b->lo + k))
            break;
        if (q[k] == 0)
            continue;
        if (!reserve_work(p, n + 1))
            return 0;
        p->work[n++] = (struct level){b->lo + k, q[k], 0};
    }
    for (uint32_t k = 0; k < p->n_mine; k++) {
        const struct cas_journal_event *e = &p->mine[k];
        enum cas_side on;
        cas_lots d = change(e, &on);
        if (d == 0 || on != side || better(side, deepest, e->price))
            continue;
        if (!reserve_work(p, n + 1))
            return 0;
        p->work[n++] = (struct level){e->price, 0, d};
    }
    struct level *v = p->work;
    qsort(v, n, sizeof *v, side == CAS_BUY ? by_price_desc : by_price_asc);
    uint32_t out = 0;
    for (uint32_t k = 0; k < n;) {
        cas_ticks price = v[k].price;
        cas_lots qty = 0, delta = 0;
        for (; k < n && v[k].price == price; k++)
            qty += v[k].qty, delta += v[k].delta;
        if (qty - delta > 0)
            v[out++] = (struct level){price, qty - delta, 0};
    }
    return out;
}

/* ",N]": the way a level, a fill and a cancel end */
static void put_qty_end(struct line *l, int64_t v)
{
    cas__line_char(l, ',');
    cas__line_int(l, v);
    cas__line_char(l, ']');
}

/* Level k of a side's list: "[PRICE,QTY]", after a comma but the first. */
static void put_level(struct line *l, uint32_t k, cas_ticks price, cas_lots qty,
                      const struct cas_instrument_config *ins, int dec)
{
    cas__line_str(l, k ? ",[" : "[");
    cas__line_price(l, (double)price, ins, dec);
    put_qty_end(l, qty);
}

static void put_levels(struct line *l, const struct cas_level_info *lv, uint32_t n,
                       const struct cas_instrument_config *ins, int dec)
{
    cas__line_char(l, '[');
    for (uint32_t k = 0; k < n; k++)
        put_level(l, k, lv[k].price, lv[k].qty, ins, dec);
    cas__line_char(l, ']');
}

static void put_start(struct line *l, const struct level *lv, uint32_t n,
                      const struct cas_instrument_config *ins, int dec)
{
    cas__line_char(l, '[');
    for (uint32_t k = 0; k < n; k++)
        put_level(l, k, lv[k].price, lv[k].qty, ins, dec);
    cas__line_char(l, ']');
}

static void put_account(struct line *l, uint32_t account)
{
    if (account == CAS_NO_ACCOUNT)
        cas__line_str(l, "null");
    else
        cas__line_uint(l, account);
}

static void put_event(struct line *l, const struct cas_journal_event *e,
                      const struct cas_instrument_config *ins, int dec)
{
    static const char *const types[] = {"limit", "market", "ioc", "post_only"};
    switch (e->kind) {
    case CAS_J_ORDER:
        cas__line_str(l, "[\"order\",");
        put_account(l, e->account);
        cas__line_str(l, ",\"");
        cas__line_cause(l, (struct cas_cause){(enum cas_cause_kind)e->cause_kind, e->cause_id});
        cas__line_str(l, e->side == CAS_BUY ? "\",\"buy\",\"" : "\",\"sell\",\"");
        cas__line_str(l, types[e->type]);
        cas__line_str(l, "\",");
        if (e->type == CAS_MARKET)
            cas__line_str(l, "null");
        else
            cas__line_price(l, (double)e->price, ins, dec);
        cas__line_char(l, ',');
        cas__line_int(l, e->qty);
        cas__line_char(l, ',');
        cas__line_int(l, e->filled);
        put_qty_end(l, e->rested);
        break;
    case CAS_J_FILL:
        cas__line_str(l, "[\"fill\",");
        cas__line_price(l, (double)e->price, ins, dec);
        put_qty_end(l, e->qty);
        break;
    case CAS_J_CANCEL:
        cas__line_str(l, "[\"cancel\",");
        put_account(l, e->account);
        cas__line_str(l, e->side == CAS_BUY ? ",\"buy\"," : ",\"sell\",");
        cas__line_price(l, (double)e->price, ins, dec);
        put_qty_end(l, e->qty);
        break;
    case CAS_J_LIQUIDATION:
    case CAS_J_FINISHED:
        cas__line_str(l, e->kind == CAS_J_LIQUIDATION ? "[\"liquidation\"," : "[\"finished\",");
        cas__line_uint(l, e->id);
        cas__line_char(l, ']');
        break;
    }
}

/* Write a step; the shadow is the book at its start, and is left at its end. */
static void write_snap(struct cas__replay *p, const struct cas_recorder *r, uint32_t i,
                       const struct snap *s, const struct cas_journal *log)
{
    const struct cas_instrument_config *ins = &p->cfg->instruments[i];
    int dec = r->series[i].decimals;
    struct frames fr = {0};
    if (!pick(p, log, i))
        return;
    play_all(p, &p->shadow[i], &fr); /* the shadow is now the book at the step's end */
    struct cas_level_info bid[REPLAY_LEVELS], ask[REPLAY_LEVELS];
    uint32_t n_bid = shadow_depth(&p->shadow[i], CAS_BUY, REPLAY_LEVELS, bid);
    uint32_t n_ask = shadow_depth(&p->shadow[i], CAS_SELL, REPLAY_LEVELS, ask);
    struct line ln;
    struct line *l = &ln;
    l->f = p->f;
    l->n = 0;
    cas__line_str(l, "{\"step\":");
    cas__line_int(l, s->step);
    cas__line_str(l, ",\"instrument\":\"");
    cas__line_str(l, ins->name);
    cas__line_str(l, "\",\"bids\":");
    put_levels(l, bid, n_bid, ins, dec);
    cas__line_str(l, ",\"asks\":");
    put_levels(l, ask, n_ask, ins, dec);
    cas__line_str(l, ",\"last\":");
    cas__line_price(l, s->last, ins, dec);
    cas__line_str(l, ",\"mark\":");
    cas__line_price(l, s->mark, ins, dec);
    cas__line_str(l, ",\"index\":");
    if (isnan(s->index))
        cas__line_str(l, "null");
    else
        cas__line_price(l, s->index, ins, dec + 2);
    for (int k = 0; k < 2; k++) {
        enum cas_side side = k ? CAS_SELL : CAS_BUY;
        uint32_t n = fr.any[k] ? start_side(p, &p->shadow[i], side, fr.deepest[k]) : 0;
        cas__line_str(l, k ? ",\"asks\":" : ",\"start\":{\"bids\":");
        put_start(l, p->work, n, ins, dec);
    }
    cas__line_str(l, "},\"events\":[");
    for (uint32_t k = 0; k < p->n_mine; k++) {
        if (k)
            cas__line_char(l, ',');
        put_event(l, &p->mine[k], ins, dec);
    }
    cas__line_str(l, "]}\n");
    cas__line_flush(l);
}

struct fill_ctx {
    struct cas__replay *p;
    struct shadow *b;
    enum cas_side side;
};

static bool fill_level(void *ctx, const struct cas_level_info *level)
{
    struct fill_ctx *c = ctx;
    if (!shadow_add(c->b, c->side, level->price, level->qty)) {
        c->p->failed = true;
        return false;
    }
    return true;
}

/* Make each shadow the book at the start of the oldest of the `count` steps that end with
 * the one running now (ring slots from `first` on): the real book now, with those steps'
 * journals undone from the newest event back. */
static void rebuild(struct cas__replay *p, const struct cas_sim *sim, size_t first, size_t count)
{
    for (uint32_t i = 0; i < p->ni; i++) {
        struct shadow *b = &p->shadow[i];
        if (b->n)
            memset(b->qty, 0, 2 * (size_t)b->n * sizeof *b->qty);
        b->top[0] = b->top[1] = -1;
        const struct cas_book *book = cas_sim_book(sim, i);
        for (int k = 0; k < 2; k++) {
            enum cas_side side = k ? CAS_SELL : CAS_BUY;
            struct fill_ctx c = {p, b, side};
            cas_book_levels(book, side, fill_level, &c);
        }
        for (size_t t = count; t-- > 0;) {
            if (!pick(p, &p->logs[(first + t) % p->slots], i))
                return;
            for (uint32_t k = p->n_mine; k-- > 0;)
                apply(p, b, &p->mine[k], -1);
        }
    }
    p->shadow_ok = true;
}

static bool in_ranges(const struct cas_config *cfg, cas_step step)
{
    for (uint32_t k = 0; k < cfg->n_replay; k++)
        if (step >= cfg->replay[k][0] && step <= cfg->replay[k][1])
            return true;
    return false;
}

void cas__replay_step(struct cas__replay *p, const struct cas_recorder *r,
                      const struct cas_sim *sim, cas_step step)
{
    keep_journal(p);
    bool active = false;
    for (uint32_t i = 0; i < p->ni; i++)
        active |= now(p, i)->active;
    if (active && p->window > 0)
        p->until = step + p->window;
    bool write = step <= p->until || in_ranges(p->cfg, step);
    for (uint32_t i = 0; i < p->ni; i++) {
        struct snap *s = now(p, i);
        s->step = step;
        s->last = (double)cas_sim_last(sim, i);
        s->mark = (double)cas_sim_mark(sim, i);
        s->index = p->cfg->instruments[i].spec.kind == CAS_PERPETUAL ? cas_sim_index(sim, i) : NAN;
    }
    if (write) {
        /* the kept steps just before: written before a liquidation, dropped before a
         * step that is only in a configured range (steps go out in order) */
        size_t first = active ? p->head : (p->head + p->n) % p->slots;
        size_t count = active ? p->n + 1 : 1;
        if (!p->shadow_ok) /* the step before was not written */
            rebuild(p, sim, first, count);
        for (size_t k = 0; k < count; k++) {
            size_t slot = (first + k) % p->slots;
            for (uint32_t i = 0; i < p->ni; i++)
                write_snap(p, r, i, &p->ring[slot * p->ni + i], &p->logs[slot]);
        }
        for (size_t k = 0; k < p->slots * p->ni; k++)
            p->ring[k].active = false;
        p->head = p->n = 0;
    } else { /* keep the step; the oldest goes when the ring is full */
        p->shadow_ok = false;
        if (p->n == (size_t)p->window)
            p->head = (p->head + 1) % p->slots;
        else
            p->n++;
        for (uint32_t i = 0; i < p->ni; i++)
            now(p, i)->active = false;
    }
}

bool cas__replay_failed(const struct cas__replay *p)
{
    return p->failed;
}
