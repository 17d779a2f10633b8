/* replay: replay.jsonl, the book and every event step by step around the
 * run's liquidations, for the report's player.
 *
 * Every step is snapshotted (the top REPLAY_LEVELS levels of each side, the
 * last, mark and index, and the step's trades, liquidations and finishes)
 * into a ring of the last `window` steps. A step with liquidation activity
 * (a trigger or a job's end) writes the ring out, itself, and every step up
 * to `window` steps after the last such step; steps in a configured range
 * (record.replay) are always written. Each step is written once, in order:
 * one JSON line per step and instrument. Nothing is kept beyond the ring.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/coreInt.h"
#include "record/recordInt.h"

#define REPLAY_LEVELS 10

struct event_trade {
    cas_ticks price;
    cas_lots qty;
    enum cas_side side;
    struct cas_cause cause;
};

struct snap {
    cas_step step;
    uint32_t n_bid, n_ask;
    struct cas_level_info bid[REPLAY_LEVELS], ask[REPLAY_LEVELS];
    double last, mark, index;
    struct event_trade *trades;
    uint32_t n_trades, cap_trades;
    uint64_t *ids; /* liquidations triggered, then finished */
    uint32_t n_liq, n_done, cap_ids;
};

struct cas__replay {
    const struct cas_config *cfg;
    FILE *f;
    uint32_t ni;
    cas_step window, until; /* write every step up to `until` */
    bool active;            /* liquidation activity in the step running now */
    struct snap *ring;      /* (window + 1) x ni: the steps kept, then the step running now */
    size_t slots, head, n;  /* ring slots; the oldest kept step's; how many are kept */
    bool failed;
};

/* The step running now: the slot after the kept ones. */
static struct snap *now(struct cas__replay *p, uint32_t i)
{
    return &p->ring[((p->head + p->n) % p->slots) * p->ni + i];
}

static void snap_free(struct snap *s)
{
    free(s->trades);
    free(s->ids);
}

void cas__replay_destroy(struct cas__replay *p)
{
    if (!p)
        return;
    for (size_t k = 0; p->ring && k < p->slots * p->ni; k++)
        snap_free(&p->ring[k]);
    free(p->ring);
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
    if (!p->ring) {
        cas__replay_destroy(p);
        return CAS_ENOMEM;
    }
    *out = p;
    return 0;
}

static void add_id(struct cas__replay *p, struct snap *s, uint64_t id, bool done)
{
    uint32_t n = s->n_liq + s->n_done;
    if (cas__grow((void **)&s->ids, &s->cap_ids, n + 1, sizeof *s->ids)) {
        p->failed = true;
        return;
    }
    if (done) {
        s->ids[n] = id;
        s->n_done++;
    } else { /* triggers before finishes */
        memmove(&s->ids[s->n_liq + 1], &s->ids[s->n_liq], s->n_done * sizeof *s->ids);
        s->ids[s->n_liq++] = id;
    }
    p->active = true;
}

void cas__replay_trade(struct cas__replay *p, uint32_t i, const struct cas_fill *f,
                       struct cas_cause cause)
{
    struct snap *s = now(p, i);
    if (cas__grow((void **)&s->trades, &s->cap_trades, s->n_trades + 1, sizeof *s->trades)) {
        p->failed = true;
        return;
    }
    s->trades[s->n_trades++] = (struct event_trade){f->price, f->qty, f->taker_side, cause};
}

void cas__replay_liquidation(struct cas__replay *p, uint32_t i, uint64_t id, bool done)
{
    add_id(p, now(p, i), id, done);
}

static void put_levels(FILE *f, const struct cas_level_info *lv, uint32_t n,
                       const struct cas_instrument_config *ins, int dec)
{
    fputc('[', f);
    for (uint32_t k = 0; k < n; k++) {
        fprintf(f, "%s[", k ? "," : "");
        cas__put_price(f, (double)lv[k].price, ins, dec);
        fprintf(f, ",%lld]", (long long)lv[k].qty);
    }
    fputc(']', f);
}

static void write_snap(struct cas__replay *p, const struct cas_recorder *r, uint32_t i,
                       const struct snap *s)
{
    const struct cas_instrument_config *ins = &p->cfg->instruments[i];
    int dec = r->series[i].decimals;
    FILE *f = p->f;
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
    fputs(",\"trades\":[", f);
    for (size_t k = 0; k < s->n_trades; k++) {
        const struct event_trade *t = &s->trades[k];
        fprintf(f, "%s[", k ? "," : "");
        cas__put_price(f, (double)t->price, ins, dec);
        fprintf(f, ",%lld,\"%s\",\"", (long long)t->qty, t->side == CAS_BUY ? "buy" : "sell");
        cas__put_cause(f, t->cause);
        fputs("\"]", f);
    }
    fputs("],\"liquidations\":[", f);
    for (size_t k = 0; k < s->n_liq; k++)
        fprintf(f, "%s%llu", k ? "," : "", (unsigned long long)s->ids[k]);
    fputs("],\"finished\":[", f);
    for (size_t k = 0; k < s->n_done; k++)
        fprintf(f, "%s%llu", k ? "," : "", (unsigned long long)s->ids[s->n_liq + k]);
    fputs("]}\n", f);
}

static void clear(struct snap *s)
{
    s->n_trades = s->n_liq = s->n_done = 0;
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
    if (p->active && p->window > 0)
        p->until = step + p->window;
    bool write = step <= p->until || in_ranges(p->cfg, step);
    if (!write && p->window == 0) { /* nothing to keep: forget the step's events */
        for (uint32_t i = 0; i < p->ni; i++)
            clear(now(p, i));
        p->active = false;
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
                if (k == p->n || p->active)
                    write_snap(p, r, i, &p->ring[slot * p->ni + i]);
                clear(&p->ring[slot * p->ni + i]);
            }
        }
        p->head = p->n = 0;
    } else { /* keep the step; the oldest goes when the ring is full */
        if (p->n == (size_t)p->window)
            p->head = (p->head + 1) % p->slots;
        else
            p->n++;
        for (uint32_t i = 0; i < p->ni; i++)
            clear(now(p, i));
    }
    p->active = false;
}

bool cas__replay_failed(const struct cas__replay *p)
{
    return p->failed;
}
