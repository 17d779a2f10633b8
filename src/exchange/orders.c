/* orders: order ids, the book, fills and their settlement, and the margin a
 * new order needs.
 *
 * Every fill settles at the maker's price m for q lots: the buyer's pool
 * (cross: the account's cash; isolated perpetual: the position's cash) pays
 * m*q*K to the seller's, and each side pays its fee, ceil(m*q*K*fee/1e6),
 * into the fee balance; so every trade conserves money exactly. Opening or
 * increasing an isolated position first moves its initial margin from the
 * account's cash into the position's (as much as the account has), and a
 * position that closes gives its cash back to the account. The risk engine
 * (liquidate.c) runs after every batch of fills, never inside one: the book's
 * fill callback only settles, and re-indexes the positions it changed
 * (risk.c).
 *
 * Spot instruments settle the same way (cash conserved, positions may be
 * negative) with no margin check; a spot position is not collateral, so a
 * cross account's perpetual margin counts only its cash and perpetuals.
 * Isolated accounts' cash is not reserved for resting orders: the margin
 * moved into a position at a fill is capped at what the account then has.
 */
#include <stdlib.h>
#include <string.h>

#include "core/coreInt.h"
#include "exchange/exchangeInt.h"

/* ---- ids ---- */

static uint64_t make_id(struct cas_exchange *ex, uint32_t account)
{
    ex->seq = (ex->seq + 1) & SEQ_MASK;
    return ((uint64_t)(account + 1u) << SEQ_BITS) | ex->seq;
}

/* Pay an exact amount num/den (den > 0) by the global rule: the payer pays
 * ceil(|num/den|), the payee receives floor(|num/den|), and the difference is
 * booked as residue. Returns the payment; the sign of num tells the caller who
 * pays. */
cas_money cas__pay(struct cas_exchange *ex, i128 num, i128 den, cas_money *receive)
{
    i128 a = num < 0 ? -num : num;
    cas_money pay = (cas_money)div_ceil(a, den), recv = (cas_money)div_floor(a, den);
    ex->residue += pay - recv;
    *receive = recv;
    return pay;
}

/* The insurance fund pays `amount` (negative: receives) out of the venue. */
void cas__fund_pay(struct cas_exchange *ex, cas_money amount)
{
    ex->fund -= amount;
    if (ex->fund < ex->fund_min)
        ex->fund_min = ex->fund;
}

struct cas_journal_event *cas__journal_grow(struct cas_journal *j)
{
    if (cas__grow((void **)&j->ev, &j->cap, j->n + 1, sizeof *j->ev)) {
        j->failed = true;
        return NULL;
    }
    return &j->ev[j->n++];
}

void cas__emit_fill(struct cas_exchange *ex, uint32_t i, const struct cas_fill *f, uint32_t taker,
                    uint32_t maker)
{
    struct cas_journal_event *e = cas__journal_push(ex);
    if (e)
        *e = (struct cas_journal_event){.kind = CAS_J_FILL,
                                        .side = (uint8_t)f->taker_side,
                                        .instrument = i,
                                        .price = f->price,
                                        .qty = f->qty,
                                        .id = f->taker_id};
    if (ex->obs.on_fill)
        ex->obs.on_fill(ex->obs.ctx, i, f, taker, maker, ex->cause);
}

/* ---- marks ---- */

static void mark_inputs(const struct cas_exchange *ex, uint32_t i, struct cas_mark_inputs *out)
{
    const struct instrument *in = &ex->inst[i];
    out->has_bid = cas_book_best_bid(in->book, &out->bid);
    out->has_ask = cas_book_best_ask(in->book, &out->ask);
    out->last = in->last;
    out->index = out->funding_rate = out->time_to_funding = 0;
    if (ex->obs.mark_context)
        ex->obs.mark_context(ex->obs.ctx, i, &out->index, &out->funding_rate,
                             &out->time_to_funding);
}

/* The mark after a change of the book, the last trade or the context: the
 * instrument's method, computed here, so that a fill never leaves the module. */
void cas__refresh_mark(struct cas_exchange *ex, uint32_t i)
{
    struct instrument *in = &ex->inst[i];
    cas_ticks m = in->last;
    if (ex->has_marks) {
        struct cas_mark_inputs inputs;
        mark_inputs(ex, i, &inputs);
        m = cas_mark_price(&in->mark_rule, &inputs);
    }
    m = m < 1 ? 1 : m > MAXP ? MAXP : m;
    if (m != in->mark) {
        in->mark = m;
        in->mark_moved = true;
    }
}

void cas__sample_mark(struct cas_exchange *ex, uint32_t i)
{
    struct instrument *in = &ex->inst[i];
    struct cas_mark_inputs inputs;
    mark_inputs(ex, i, &inputs);
    cas_mark_sample(&in->mark_rule, &inputs);
}

/* Apply a change of dq lots with cash flow `flow` (received, signed) and a
 * fee to position (a, i). A change that crosses zero is a close then an
 * open; the flow splits between them pro rata (exactly: the parts sum to it).
 * cover_bad_debt: an isolated position closing with negative cash has it
 * paid by the insurance fund (keeper liquidations). */
void cas__position_change(struct cas_exchange *ex, uint32_t a, uint32_t i, cas_lots dq,
                          cas_money flow, cas_money fee, bool cover_bad_debt)
{
    struct account *ac = &ex->acct[a];
    struct position *p = pos_at(ex, a, i);
    bool iso = is_perp(ex, i) && ac->mode == CAS_ISOLATED, was_open = p->lots != 0;
    cas_lots lots_before = p->lots;
    ex->pools += flow - fee; /* the rest moves between the account's pools */
    cas_lots ad = abs_lots(dq), qc = 0, sign = dq > 0 ? 1 : -1;
    if (p->lots != 0 && dq != 0 && (p->lots > 0) != (dq > 0))
        qc = ad < abs_lots(p->lots) ? ad : abs_lots(p->lots);
    cas_lots qo = ad - qc;
    cas_money flow_c = qc == 0 ? 0 : qo == 0 ? flow : mul_div(flow, qc, ad);
    cas_money flow_o = flow - flow_c;
    cas_money *cash = iso ? &p->cash : &ac->cash;
    *cash -= fee;
    if (qc > 0) {
        cas_money removed = mul_div(p->cost, qc, abs_lots(p->lots));
        p->realized += flow_c - removed;
        p->cost -= removed;
        p->lots += sign * qc;
        *cash += flow_c;
    }
    if (iso && p->lots == 0 && (qc > 0 || qo == 0)) {
        if (cover_bad_debt && p->cash < 0) {
            cas__fund_pay(ex, -p->cash);
            ex->pools -= p->cash;
            p->cash = 0;
        }
        ac->cash += p->cash;
        p->cash = 0;
        p->cost = 0;
    }
    if (qo > 0) {
        if (iso) {
            const struct instrument *in = &ex->inst[i];
            i128 open = flow_o < 0 ? -(i128)flow_o : flow_o;
            i128 after = (i128)(abs_lots(p->lots) + qo) * in->mark * in->spec.contract_units;
            i128 tr = div_ceil(open, cas__leverage(in, ac->leverage, after));
            if (tr > ac->cash)
                tr = ac->cash > 0 ? ac->cash : 0;
            ac->cash -= (cas_money)tr;
            p->cash += (cas_money)tr;
        }
        *cash += flow_o;
        p->lots += sign * qo;
        p->cost -= flow_o;
    }
    if (is_perp(ex, i) && was_open != (p->lots != 0))
        ac->n_perp += p->lots != 0 ? 1u : (uint32_t)-1;
    oi_move(ex, i, lots_before, p->lots);
    open_note(ex, a, i);
    cas__touch(ex, a, i);
}

static void trade_account(struct cas_exchange *ex, uint32_t a, uint32_t i, enum cas_side side,
                          cas_ticks m, cas_lots q, int64_t fee_ppm)
{
    i128 notional = (i128)m * q * ex->inst[i].spec.contract_units;
    cas_money fee = (cas_money)div_ceil(notional * fee_ppm, CAS_PPM);
    ex->fees += fee;
    ex->acct[a].fees_paid += fee;
    cas_money flow = (cas_money)(side == CAS_BUY ? -notional : notional);
    cas__position_change(ex, a, i, side == CAS_BUY ? q : -q, flow, fee, false);
}

/* The engine trades without fees: whatever its job keeps goes to the fund. */
static void trade_job(struct cas_exchange *ex, struct job *jb, enum cas_side side, cas_ticks m,
                      cas_lots q)
{
    cas_money notional = m * q * ex->inst[jb->instrument].spec.contract_units;
    cas_lots before = jb->lots;
    jb->lots += side == CAS_BUY ? q : -q;
    jb->cash += side == CAS_BUY ? -notional : notional;
    ex->pools += side == CAS_BUY ? -notional : notional;
    oi_move(ex, jb->instrument, before, jb->lots);
    jb->filled += q;
    jb->fill_value += (double)m * (double)q;
}

static void on_fill(void *ctx, const struct cas_fill *f)
{
    struct cas_exchange *ex = ctx;
    uint32_t i = ex->fill_inst, maker = owner_of(f->maker_id);
    const struct cas_instrument_spec *s = &ex->inst[i].spec;
    enum cas_side ms = opposite(f->taker_side);
    pos_at(ex, maker, i)->open[ms] -= f->qty;
    const struct account *mk = &ex->acct[maker];
    trade_account(ex, maker, i, ms, f->price, f->qty,
                  mk->own_maker_fee ? mk->maker_fee_ppm : s->maker_fee_ppm);
    uint32_t taker = CAS_NO_ACCOUNT;
    if (ex->taker_job != NIL) {
        trade_job(ex, &ex->jobs[ex->taker_job], f->taker_side, f->price, f->qty);
    } else {
        taker = ex->taker;
        trade_account(ex, taker, i, f->taker_side, f->price, f->qty, s->taker_fee_ppm);
    }
    ex->inst[i].last = f->price;
    cas__emit_fill(ex, i, f, taker, maker);
}

/* Submit to the book for an account (job == NIL) or an engine job. */
int cas__book_submit(struct cas_exchange *ex, uint32_t i, uint32_t account, uint32_t job,
                     enum cas_side side, enum cas_order_type type, cas_ticks price, cas_lots qty,
                     uint64_t *id, struct cas_submit_result *res)
{
    *id = make_id(ex, job == NIL ? account : ENGINE_ACCOUNT);
    ex->fill_inst = i;
    ex->taker = account;
    ex->taker_job = job;
    size_t at = ex->journal ? ex->journal->n : 0; /* where the order goes: before its fills */
    int rc = cas_book_submit(ex->inst[i].book, *id, side, type, price, qty, on_fill, ex, res);
    ex->taker_job = NIL;
    struct cas_journal_event *e = rc == 0 ? cas__journal_push(ex) : NULL;
    if (e) {
        struct cas_journal *j = ex->journal;
        if (j->n - 1 > at) { /* its fills are in already */
            memmove(&j->ev[at + 1], &j->ev[at], (j->n - 1 - at) * sizeof *e);
            e = &j->ev[at];
        }
        *e = (struct cas_journal_event){.kind = CAS_J_ORDER,
                                        .side = (uint8_t)side,
                                        .type = (uint8_t)type,
                                        .cause_kind = (uint8_t)ex->cause.kind,
                                        .instrument = i,
                                        .account = job == NIL ? account : CAS_NO_ACCOUNT,
                                        .price = type == CAS_MARKET ? 0 : price,
                                        .qty = qty,
                                        .filled = res->filled,
                                        .rested = res->rested,
                                        .cause_id = ex->cause.id,
                                        .id = *id};
    }
    if (rc == 0 && res->filled > 0)
        cas__refresh_mark(ex, i);
    return rc;
}

int cas__job_submit(struct cas_exchange *ex, uint32_t j, enum cas_side side,
                    enum cas_order_type type, cas_ticks price, cas_lots qty,
                    struct cas_submit_result *res)
{
    uint64_t id;
    return cas__book_submit(ex, ex->jobs[j].instrument, CAS_NO_ACCOUNT, j, side, type, price, qty,
                            &id, res);
}

/* Lots reserved for initial margin: the position if every resting order of
 * one side filled, whichever side is larger (Binance's way). */
static cas_lots reserved(cas_lots lots, const cas_lots open[2])
{
    cas_lots up = abs_lots(lots + open[CAS_BUY]), down = abs_lots(lots - open[CAS_SELL]);
    return up > down ? up : down;
}

/* Whether the account could carry the order if it filled in full at `price`:
 * equity at the marks (after paying for it and the fee) at least the initial
 * margin of the resulting positions, its resting orders included. Orders that
 * only reduce the position always pass. */
bool cas__margin_ok(const struct cas_exchange *ex, uint32_t a, uint32_t i, enum cas_side side,
                    cas_lots q, cas_ticks price, int64_t fee_ppm)
{
    const struct account *ac = &ex->acct[a];
    const struct position *p = pos_at(ex, a, i);
    const struct instrument *in = &ex->inst[i];
    cas_lots dq = side == CAS_BUY ? q : -q, l2 = p->lots + dq;
    if (p->lots != 0 && (p->lots > 0) != (dq > 0) && q <= abs_lots(p->lots))
        return true;
    i128 k = in->spec.contract_units, flow = -(i128)dq * price * k;
    i128 fee = div_ceil((i128)price * q * k * fee_ppm, CAS_PPM);
    i128 need = cas__initial(in, ac->leverage, reserved(l2, p->open), in->mark);
    if (ac->mode == CAS_ISOLATED) {
        /* the position's own equity after the fill, topped up from the
         * account's free cash, must cover its initial margin */
        bool flip = p->lots != 0 && (p->lots > 0) != (l2 > 0);
        i128 base = flip ? -(i128)(l2 > 0 ? 1 : -1) * abs_lots(l2) * price * k : p->cash + flow;
        i128 short_by = need - (base - fee + (i128)l2 * in->mark * k);
        return short_by <= 0 || short_by <= (i128)ac->cash;
    }
    i128 eq = (i128)ac->cash + flow - fee + (i128)l2 * in->mark * k;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *pj = pos_at(ex, a, j);
        const struct instrument *ij = &ex->inst[j];
        if (j == i || !is_perp(ex, j) || (pj->lots == 0 && pj->open[0] == 0 && pj->open[1] == 0))
            continue;
        eq += (i128)pj->lots * ij->mark * ij->spec.contract_units;
        need += cas__initial(ij, ac->leverage, reserved(pj->lots, pj->open), ij->mark);
    }
    return eq >= need;
}

static bool band_on(const struct instrument *in)
{
    return in->band_lo > 0 || in->band_hi < INT64_MAX;
}

/* Apply the price band: a priced order outside it is refused; a market order
 * is refused if the best opposite price is outside, and otherwise becomes an
 * IOC bounded by the band's edge, so it never trades outside. */
bool cas__band_apply(const struct instrument *in, enum cas_side side, enum cas_order_type *type,
                     cas_ticks *price)
{
    if (!band_on(in))
        return true;
    if (*type != CAS_MARKET)
        return *price >= in->band_lo && *price <= in->band_hi;
    cas_ticks best;
    bool any =
        side == CAS_BUY ? cas_book_best_ask(in->book, &best) : cas_book_best_bid(in->book, &best);
    if (any && (best < in->band_lo || best > in->band_hi))
        return false;
    *type = CAS_IOC;
    *price = side == CAS_BUY ? (in->band_hi > MAXP ? MAXP : in->band_hi)
                             : (in->band_lo < 1 ? 1 : in->band_lo);
    return true;
}

/* Collects the ids of one account's resting orders on one book. */
struct order_walk {
    const struct cas_book *book;
    enum cas_side side;
    uint32_t account;
    cas_lots left;
    uint64_t *ids;
    uint32_t n, cap;
};

static bool walk_order(void *ctx, const struct cas_order_info *o)
{
    struct order_walk *w = ctx;
    if (owner_of(o->id) != w->account)
        return true;
    if (w->n == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 16;
        uint64_t *v = realloc(w->ids, cap * sizeof *v);
        if (!v)
            return false;
        w->ids = v;
        w->cap = cap;
    }
    w->ids[w->n++] = o->id;
    w->left -= o->qty;
    return w->left > 0;
}

static bool walk_level(void *ctx, const struct cas_level_info *l)
{
    struct order_walk *w = ctx;
    cas_book_level_orders(w->book, w->side, l->price, walk_order, w);
    return w->left > 0;
}

int cas__cancel(struct cas_exchange *ex, uint64_t order_id)
{
    uint32_t owner = cas__order_owner(ex, order_id);
    if (owner == CAS_NO_ACCOUNT)
        return CAS_ENOTFOUND;
    struct cas_order_info info;
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        if (cas_book_take(ex->inst[i].book, order_id, &info) != 0)
            continue;
        pos_at(ex, owner, i)->open[info.side] -= info.qty;
        struct cas_journal_event *e = cas__journal_push(ex);
        if (e)
            *e = (struct cas_journal_event){.kind = CAS_J_CANCEL,
                                            .side = (uint8_t)info.side,
                                            .type = CAS_LIMIT,
                                            .cause_kind = (uint8_t)ex->cause.kind,
                                            .instrument = i,
                                            .account = owner,
                                            .price = info.price,
                                            .qty = info.qty,
                                            .cause_id = ex->cause.id,
                                            .id = order_id};
        return 0;
    }
    return CAS_ENOTFOUND;
}

/* Cancel an account's resting orders on one instrument (or every one when
 * only_inst is NIL). Walks the book (liquidations only, never the hot path)
 * and only where the account has lots resting, stopping once all are found. */
void cas__cancel_account_orders(struct cas_exchange *ex, uint32_t a, uint32_t only_inst)
{
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        if (only_inst != NIL && i != only_inst)
            continue;
        struct position *p = pos_at(ex, a, i);
        for (int s = 0; s < 2; s++) {
            if (p->open[s] == 0)
                continue;
            struct order_walk w = {.book = ex->inst[i].book,
                                   .side = (enum cas_side)s,
                                   .account = a,
                                   .left = p->open[s]};
            cas_book_levels(w.book, w.side, walk_level, &w);
            for (uint32_t k = 0; k < w.n; k++)
                cas__cancel(ex, w.ids[k]);
            free(w.ids);
        }
    }
}
