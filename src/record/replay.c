/* replay: replay.jsonl, the book and every event step by step around the
 * run's liquidations, for the report's player.
 *
 * Every event that changes a book is kept in the order the book saw it (an
 * order submitted, placed before its fills; each fill; an order taken out; a
 * liquidation triggered or finished), per step and instrument, in a ring of
 * the last `window` steps, with the book at the step's end (the top
 * REPLAY_LEVELS levels of each side, the last, mark and index). A shadow of
 * each book, built from those events alone, is the book at the start of the
 * oldest step held: a step that leaves the ring, written or not, is played
 * into it. A step written gets the shadow's levels at its start down to the
 * deepest price any of its frames (the book after each event) has among its
 * top REPLAY_LEVELS, so that replaying the events over them gives every
 * frame's top levels exactly. A step with liquidation activity (a trigger or
 * a job's end) writes the ring out, itself, and every step up to `window`
 * steps after the last such step; steps in a configured range (record.replay)
 * are always written. Each step is written once, in order: one JSON line per
 * step and instrument. Nothing is kept beyond the ring.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmt.h"
#include "core/coreInt.h"
#include "record/recordInt.h"

#define REPLAY_LEVELS 10

enum ev_kind { EV_ORDER, EV_FILL, EV_CANCEL, EV_LIQ, EV_DONE };

struct event {
    uint8_t kind;     /* enum ev_kind */
    uint8_t side;     /* enum cas_side: an order's, a fill's taker's, a cancelled order's */
    uint8_t type;     /* enum cas_order_type: orders */
    uint32_t account; /* orders and cancels; CAS_NO_ACCOUNT: the engine */
    cas_ticks price;  /* 0: a market order */
    cas_lots qty, filled, rested;
    struct cas_cause cause; /* orders */
    uint64_t id;            /* an order's or a fill's taker's order id; a liquidation's id */
};

struct snap {
    cas_step step;
    uint32_t n_bid, n_ask;
    struct cas_level_info bid[REPLAY_LEVELS], ask[REPLAY_LEVELS];
    double last, mark, index;
    struct event *events;
    uint32_t n_events, cap_events;
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
    cas_step window, until; /* write every step up to `until` */
    struct snap *ring;      /* (window + 1) x ni: the steps kept, then the step running now */
    size_t slots, head, n;  /* ring slots; the oldest kept step's; how many are kept */
    struct shadow *shadow;  /* per instrument: the book at the start of the oldest step held */
    struct level *work;     /* scratch for a step's start */
    uint32_t cap_work;
    bool failed;
};

/* The step running now: the slot after the kept ones. */
static struct snap *now(struct cas__replay *p, uint32_t i)
{
    return &p->ring[((p->head + p->n) % p->slots) * p->ni + i];
}

static void snap_free(struct snap *s)
{
    free(s->events);
}

void cas__replay_destroy(struct cas__replay *p)
{
    if (!p)
        return;
    for (size_t k = 0; p->ring && k < p->slots * p->ni; k++)
        snap_free(&p->ring[k]);
    free(p->ring);
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
    p->shadow = calloc(p->ni, sizeof *p->shadow);
    if (!p->ring || !p->shadow) {
        cas__replay_destroy(p);
        return CAS_ENOMEM;
    }
    *out = p;
    return 0;
}

static struct event *push(struct cas__replay *p, struct snap *s)
{
    if (cas__grow((void **)&s->events, &s->cap_events, s->n_events + 1, sizeof *s->events)) {
        p->failed = true;
        return NULL;
    }
    return &s->events[s->n_events++];
}

void cas__replay_trade(struct cas__replay *p, uint32_t i, const struct cas_fill *f)
{
    struct event *e = push(p, now(p, i));
    if (e)
        *e = (struct event){.kind = EV_FILL,
                            .side = f->taker_side,
                            .price = f->price,
                            .qty = f->qty,
                            .id = f->taker_id};
}

void cas__replay_order(struct cas__replay *p, uint32_t i, const struct cas_order_event *ev)
{
    struct snap *s = now(p, i);
    struct event *e = push(p, s);
    if (!e)
        return;
    *e = (struct event){.kind = ev->cancel ? EV_CANCEL : EV_ORDER,
                        .side = ev->side,
                        .type = ev->type,
                        .account = ev->account,
                        .price = ev->price,
                        .qty = ev->qty,
                        .filled = ev->filled,
                        .rested = ev->rested,
                        .cause = ev->cause,
                        .id = ev->id};
    if (ev->cancel)
        return;
    /* the exchange tells of an order once the book is done with it: it goes before its
     * fills, which are the events just before it */
    uint32_t k = s->n_events - 1;
    while (k > 0 && s->events[k - 1].kind == EV_FILL && s->events[k - 1].id == ev->id)
        k--;
    struct event order = *e;
    memmove(&s->events[k + 1], &s->events[k], (s->n_events - 1 - k) * sizeof *s->events);
    s->events[k] = order;
}

void cas__replay_liquidation(struct cas__replay *p, uint32_t i, uint64_t id, bool done)
{
    struct snap *s = now(p, i);
    struct event *e = push(p, s);
    if (e)
        *e = (struct event){.kind = done ? EV_DONE : EV_LIQ, .id = id};
    s->active = true;
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

/* The deepest price of each side among the top REPLAY_LEVELS of any frame seen. */
struct frames {
    bool any[2];
    cas_ticks deepest[2];
};

static void see(struct frames *fr, const struct shadow *b)
{
    if (!fr)
        return;
    struct cas_level_info lv[REPLAY_LEVELS];
    for (int k = 0; k < 2; k++) {
        enum cas_side side = k ? CAS_SELL : CAS_BUY;
        uint32_t n = shadow_depth(b, side, REPLAY_LEVELS, lv);
        if (n && (!fr->any[k] || better(side, fr->deepest[k], lv[n - 1].price)))
            fr->deepest[k] = lv[n - 1].price;
        fr->any[k] |= n > 0;
    }
}

/* What event e changes on its book: d lots at *price of *side (d 0: nothing). */
static cas_lots change(const struct event *e, enum cas_side *side)
{
    *side = (enum cas_side)e->side;
    if (e->kind == EV_ORDER)
        return e->rested;
    if (e->kind == EV_FILL) /* it takes from the maker's side */
        *side = opposite(*side);
    return e->kind == EV_FILL || e->kind == EV_CANCEL ? -e->qty : 0;
}

static void apply(struct cas__replay *p, struct shadow *b, const struct event *e)
{
    enum cas_side side;
    cas_lots d = change(e, &side);
    if (d != 0 && !shadow_add(b, side, e->price, d))
        p->failed = true;
}

/* Play event k of a step into the shadow, seeing each frame: an order's fills (the
 * events after it) first, then its resting lots with its last fill's frame, as the
 * book did; how many events that took. */
static uint32_t play(struct cas__replay *p, struct shadow *b, const struct snap *s, uint32_t k,
                     struct frames *fr)
{
    const struct event *e = &s->events[k];
    uint32_t used = 1;
    if (e->kind == EV_ORDER) {
        see(fr, b); /* the order's own frame: nothing changed yet */
        while (k + used < s->n_events && s->events[k + used].kind == EV_FILL &&
               s->events[k + used].id == e->id) {
            apply(p, b, &s->events[k + used]);
            used++;
            if (k + used < s->n_events && s->events[k + used].kind == EV_FILL &&
                s->events[k + used].id == e->id)
                see(fr, b);
        }
    }
    apply(p, b, e);
    see(fr, b);
    return used;
}

static void play_all(struct cas__replay *p, struct shadow *b, const struct snap *s,
                     struct frames *fr)
{
    see(fr, b);
    for (uint32_t k = 0; k < s->n_events;)
        k += play(p, b, s, k, fr);
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
static uint32_t start_side(struct cas__replay *p, const struct shadow *b, const struct snap *s,
                           enum cas_side side, cas_ticks deepest)
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
    for (uint32_t k = 0; k < s->n_events; k++) {
        enum cas_side on;
        cas_lots d = change(&s->events[k], &on);
        if (d == 0 || on != side || better(side, deepest, s->events[k].price))
            continue;
        if (!reserve_work(p, n + 1))
            return 0;
        p->work[n++] = (struct level){s->events[k].price, 0, d};
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

/* ",N]" (the way a level, a fill and a cancel end), through cas_fmt: printf's digits */
static void put_qty_end(FILE *f, int64_t v)
{
    char b[24];
    b[0] = ',';
    size_t n = 1 + cas_fmt_i64(b + 1, v);
    b[n++] = ']';
    fwrite(b, 1, n, f);
}

static void put_levels(FILE *f, const struct cas_level_info *lv, uint32_t n,
                       const struct cas_instrument_config *ins, int dec)
{
    fputc('[', f);
    for (uint32_t k = 0; k < n; k++) {
        fputs(k ? ",[" : "[", f);
        cas__put_price(f, (double)lv[k].price, ins, dec);
        put_qty_end(f, lv[k].qty);
    }
    fputc(']', f);
}

static void put_start(FILE *f, const struct level *lv, uint32_t n,
                      const struct cas_instrument_config *ins, int dec)
{
    fputc('[', f);
    for (uint32_t k = 0; k < n; k++) {
        fputs(k ? ",[" : "[", f);
        cas__put_price(f, (double)lv[k].price, ins, dec);
        put_qty_end(f, lv[k].qty);
    }
    fputc(']', f);
}

static void put_account(FILE *f, uint32_t account)
{
    if (account == CAS_NO_ACCOUNT)
        fputs("null", f);
    else {
        char b[24];
        fwrite(b, 1, cas_fmt_u64(b, account), f);
    }
}

static void put_event(FILE *f, const struct event *e, const struct cas_instrument_config *ins,
                      int dec)
{
    static const char *const types[] = {"limit", "market", "ioc", "post_only"};
    switch (e->kind) {
    case EV_ORDER:
        fputs("[\"order\",", f);
        put_account(f, e->account);
        fputs(",\"", f);
        cas__put_cause(f, e->cause);
        fputs(e->side == CAS_BUY ? "\",\"buy\",\"" : "\",\"sell\",\"", f);
        fputs(types[e->type], f);
        fputs("\",", f);
        if (e->type == CAS_MARKET)
            fputs("null", f);
        else
            cas__put_price(f, (double)e->price, ins, dec);
        {
            char b[72];
            size_t n = 0;
            b[n++] = ',';
            n += cas_fmt_i64(b + n, e->qty);
            b[n++] = ',';
            n += cas_fmt_i64(b + n, e->filled);
            b[n++] = ',';
            n += cas_fmt_i64(b + n, e->rested);
            b[n++] = ']';
            fwrite(b, 1, n, f);
        }
        break;
    case EV_FILL:
        fputs("[\"fill\",", f);
        cas__put_price(f, (double)e->price, ins, dec);
        put_qty_end(f, e->qty);
        break;
    case EV_CANCEL:
        fputs("[\"cancel\",", f);
        put_account(f, e->account);
        fputs(e->side == CAS_BUY ? ",\"buy\"," : ",\"sell\",", f);
        cas__put_price(f, (double)e->price, ins, dec);
        put_qty_end(f, e->qty);
        break;
    case EV_LIQ:
    case EV_DONE:
        fprintf(f, "[\"%s\",%llu]", e->kind == EV_LIQ ? "liquidation" : "finished",
                (unsigned long long)e->id);
        break;
    }
}

/* Write a step; the shadow is the book at its start, and is left at its end. */
static void write_snap(struct cas__replay *p, const struct cas_recorder *r, uint32_t i,
                       const struct snap *s)
{
    const struct cas_instrument_config *ins = &p->cfg->instruments[i];
    int dec = r->series[i].decimals;
    FILE *f = p->f;
    struct frames fr = {0};
    play_all(p, &p->shadow[i], s, &fr);
    fprintf(f, "{\"step\":%lld,\"instrument\":\"%s\",\"bids\":", (long long)s->step, ins->name);
    put_levels(f, s->bid, s->n_bid, ins, dec);
    fputs(",\"asks\":", f);
    put_levels(f, s->ask, s->n_ask, ins, dec);
    fputs(",\"last\":", f);
    cas__put_price(f, s->last, ins, dec);
    fputs(",\"mark\":", f);
    cas__put_price(f, s->mark, ins, dec);
    fputs(",\"index\":", f);
    if (isnan(s->index))
        fputs("null", f);
    else
        cas__put_price(f, s->index, ins, dec + 2);
    for (int k = 0; k < 2; k++) {
        enum cas_side side = k ? CAS_SELL : CAS_BUY;
        uint32_t n = fr.any[k] ? start_side(p, &p->shadow[i], s, side, fr.deepest[k]) : 0;
        fputs(k ? ",\"asks\":" : ",\"start\":{\"bids\":", f);
        put_start(f, p->work, n, ins, dec);
    }
    fputs("},\"events\":[", f);
    for (uint32_t k = 0; k < s->n_events; k++) {
        if (k)
            fputc(',', f);
        put_event(f, &s->events[k], ins, dec);
    }
    fputs("]}\n", f);
}

static void clear(struct snap *s)
{
    s->n_events = 0;
    s->active = false;
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
    bool active = false;
    for (uint32_t i = 0; i < p->ni; i++)
        active |= now(p, i)->active;
    if (active && p->window > 0)
        p->until = step + p->window;
    bool write = step <= p->until || in_ranges(p->cfg, step);
    if (!write && p->window == 0) { /* nothing to keep: play the step into the shadows */
        for (uint32_t i = 0; i < p->ni; i++) {
            play_all(p, &p->shadow[i], now(p, i), NULL);
            clear(now(p, i));
        }
        return;
    }
    for (uint32_t i = 0; i < p->ni; i++) {
        struct snap *s = now(p, i);
        const struct cas_book *b = cas_sim_book(sim, i);
        s->step = step;
        s->n_bid = cas_book_depth(b, CAS_BUY, REPLAY_LEVELS, s->bid);
        s->n_ask = cas_book_depth(b, CAS_SELL, REPLAY_LEVELS, s->ask);
        s->last = (double)cas_sim_last(sim, i);
        s->mark = (double)cas_sim_mark(sim, i);
        s->index = p->cfg->instruments[i].spec.kind == CAS_PERPETUAL ? cas_sim_index(sim, i) : NAN;
    }
    if (write) {
        /* the kept steps just before: written before a liquidation, dropped before a
         * step that is only in a configured range (steps go out in order) */
        for (size_t k = 0; k <= p->n; k++) {
            size_t slot = (p->head + k) % p->slots;
            for (uint32_t i = 0; i < p->ni; i++) {
                struct snap *s = &p->ring[slot * p->ni + i];
                if (k == p->n || active)
                    write_snap(p, r, i, s);
                else
                    play_all(p, &p->shadow[i], s, NULL);
                clear(s);
            }
        }
        p->head = p->n = 0;
    } else { /* keep the step; the oldest goes when the ring is full */
        if (p->n == (size_t)p->window) {
            for (uint32_t i = 0; i < p->ni; i++)
                play_all(p, &p->shadow[i], &p->ring[p->head * p->ni + i], NULL);
            p->head = (p->head + 1) % p->slots;
        } else {
            p->n++;
        }
        for (uint32_t i = 0; i < p->ni; i++)
            clear(now(p, i));
    }
}

bool cas__replay_failed(const struct cas__replay *p)
{
    return p->failed;
}
