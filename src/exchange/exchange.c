/* exchange: the venue's lifecycle, accounts, order entry and trade settlement.
 *
 * Every fill settles at the maker's price m for q lots: the buyer's pool
 * (cross: the account's cash; isolated perpetual: the position's cash) pays
 * m*q*K to the seller's, and each side pays its fee, ceil(m*q*K*fee/1e6),
 * into the fee balance; so every trade conserves money exactly. Opening or
 * increasing an isolated position first moves its initial margin from the
 * account's cash into the position's (as much as the account has), and a
 * position that closes gives its cash back to the account. The risk engine
 * (risk.c) runs after every batch of fills, never inside one: the book's fill
 * callback only settles.
 *
 * Spot instruments settle the same way (cash conserved, positions may be
 * negative) with no margin check; a spot position is not collateral, so a
 * cross account's perpetual margin counts only its cash and perpetuals.
 * Isolated accounts' cash is not reserved for resting orders: the margin
 * moved into a position at a fill is capped at what the account then has.
 * Reduce-only orders are clipped to the position when submitted.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/exchangeInt.h"

/* ---- small helpers ---- */

static uint32_t owner_of(uint64_t id)
{
    return (uint32_t)(id >> SEQ_BITS) - 1u;
}

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

void cas__emit_fill(struct cas_exchange *ex, uint32_t i, const struct cas_fill *f,
                    uint32_t taker, uint32_t maker)
{
    if (ex->obs.on_fill)
        ex->obs.on_fill(ex->obs.ctx, i, f, taker, maker, ex->cause);
}

void cas__refresh_mark(struct cas_exchange *ex, uint32_t i)
{
    struct instrument *in = &ex->inst[i];
    cas_ticks m = ex->has_marks ? ex->marks.mark(ex->marks.ctx, i) : in->last;
    m = m < 1 ? 1 : m > MAXP ? MAXP : m;
    if (m != in->mark) {
        in->mark = m;
        in->mark_moved = true;
    }
}

/* ---- lifecycle ---- */

static int check_spec(const struct cas_instrument_spec *s, uint32_t k, struct cas_err *err)
{
    if (s->contract_units < 1)
        return cas_err_set(err, CAS_EINVAL, "", "instrument %u: contract_units must be >= 1", k);
    if (s->initial_price < 1 || s->initial_price > MAXP)
        return cas_err_set(err, CAS_EINVAL, "", "instrument %u: bad initial_price", k);
    if (s->maker_fee_ppm < 0 || s->taker_fee_ppm < 0)
        return cas_err_set(err, CAS_EINVAL, "", "instrument %u: fees must be >= 0", k);
    if (s->kind != CAS_PERPETUAL)
        return 0;
    if (s->n_tiers < 1 || s->n_tiers > CAS_MAX_TIERS || s->tiers[0].floor != 0)
        return cas_err_set(err, CAS_EINVAL, "", "instrument %u: bad tier table", k);
    for (uint32_t t = 0; t < s->n_tiers; t++) {
        if (s->tiers[t].mmr_ppm < 0 || (t > 0 && s->tiers[t].floor <= s->tiers[t - 1].floor))
            return cas_err_set(err, CAS_EINVAL, "", "instrument %u: bad tier %u", k, t);
    }
    return 0;
}

static int instrument_init(struct instrument *in, const struct cas_instrument_spec *spec)
{
    in->spec = *spec;
    struct cas_book_params bp = {.orders = 1024,
                                 .price_lo = spec->initial_price / 2 + 1,
                                 .price_hi = spec->initial_price * 2};
    in->book = cas_book_create(&bp);
    if (!in->book)
        return CAS_ENOMEM;
    in->mark = in->last = spec->initial_price;
    in->scale_ppm = CAS_PPM;
    in->band_lo = 0;
    in->band_hi = INT64_MAX;
    cas__tiers_prepare(&in->spec, in->scale_ppm, in->eff, in->cum);
    return 0;
}

int cas_exchange_create(struct cas_exchange **out, const struct cas_instrument_spec *specs,
                        uint32_t n, cas_money insurance_fund,
                        const struct cas_exchange_observer *observer,
                        const struct cas_mark_source *marks, struct cas_err *err)
{
    int rc;
    *out = NULL;
    if (n == 0 || insurance_fund < 0 || (marks && !marks->mark))
        return cas_err_set(err, CAS_EINVAL, "", "need instruments and a fund >= 0");
    for (uint32_t k = 0; k < n; k++)
        if ((rc = check_spec(&specs[k], k, err)))
            return rc;
    struct cas_exchange *ex = calloc(1, sizeof *ex);
    if (!ex)
        goto nomem;
    ex->inst = calloc(n, sizeof *ex->inst);
    if (!ex->inst)
        goto free_ex;
    for (ex->n_inst = 0; ex->n_inst < n; ex->n_inst++)
        if (instrument_init(&ex->inst[ex->n_inst], &specs[ex->n_inst]))
            goto free_ex;
    if (observer)
        ex->obs = *observer;
    if (marks) {
        ex->marks = *marks;
        ex->has_marks = true;
    }
    ex->deposited = ex->fund = ex->fund_min = insurance_fund;
    ex->taker_job = NIL;
    *out = ex;
    return 0;
free_ex:
    cas_exchange_destroy(ex);
nomem:
    return cas_err_set(err, CAS_ENOMEM, "", "out of memory creating the exchange");
}

void cas_exchange_destroy(struct cas_exchange *ex)
{
    if (!ex)
        return;
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        cas_book_destroy(ex->inst[i].book);
        free(ex->inst[i].heap[0].v);
        free(ex->inst[i].heap[1].v);
        free(ex->inst[i].set);
    }
    free(ex->inst);
    free(ex->acct);
    free(ex->pos);
    free(ex->jobs);
    free(ex->ready);
    free(ex->waiting);
    free(ex->multi);
    free(ex->levels);
    free(ex->scratch);
    free(ex);
}

int cas_exchange_reserve_accounts(struct cas_exchange *ex, uint32_t n)
{
    if (n > MAX_ACCOUNTS)
        return CAS_ERANGE;
    if (n <= ex->cap_acct)
        return 0;
    struct account *a = realloc(ex->acct, (size_t)n * sizeof *a);
    if (!a)
        return CAS_ENOMEM;
    ex->acct = a;
    struct position *p = realloc(ex->pos, (size_t)n * ex->n_inst * sizeof *p);
    if (!p)
        return CAS_ENOMEM;
    ex->pos = p;
    ex->cap_acct = n;
    return 0;
}

int cas_exchange_open_account(struct cas_exchange *ex, cas_money collateral,
                              enum cas_margin_mode mode, int32_t leverage, uint32_t *id)
{
    if (collateral < 0 || leverage < 1 || (mode != CAS_CROSS && mode != CAS_ISOLATED))
        return CAS_EINVAL;
    if (ex->n_acct >= MAX_ACCOUNTS)
        return CAS_ERANGE;
    if (ex->n_acct == ex->cap_acct) {
        uint32_t cap = ex->cap_acct ? ex->cap_acct * 2 : 64;
        int rc = cas_exchange_reserve_accounts(ex, cap > MAX_ACCOUNTS ? MAX_ACCOUNTS : cap);
        if (rc < 0)
            return rc;
    }
    uint32_t a = ex->n_acct++;
    ex->acct[a] = (struct account){.cash = collateral, .leverage = leverage, .mode = mode,
                                   .multi_idx = NIL};
    for (uint32_t i = 0; i < ex->n_inst; i++)
        *pos_at(ex, a, i) = (struct position){.heap_idx = NIL};
    ex->deposited += collateral;
    ex->pools += collateral;
    *id = a;
    return 0;
}

/* ---- settlement ---- */

static cas_money pool_cash(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    return is_perp(ex, i) && ex->acct[a].mode == CAS_ISOLATED ? pos_at(ex, a, i)->cash
                                                               : ex->acct[a].cash;
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
    trade_account(ex, maker, i, ms, f->price, f->qty, s->maker_fee_ppm);
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
static int book_submit(struct cas_exchange *ex, uint32_t i, uint32_t account, uint32_t job,
                       enum cas_side side, enum cas_order_type type, cas_ticks price,
                       cas_lots qty, uint64_t *id, struct cas_submit_result *res)
{
    *id = make_id(ex, job == NIL ? account : ENGINE_ACCOUNT);
    ex->fill_inst = i;
    ex->taker = account;
    ex->taker_job = job;
    int rc = cas_book_submit(ex->inst[i].book, *id, side, type, price, qty, on_fill, ex, res);
    ex->taker_job = NIL;
    if (rc == 0 && res->filled > 0)
        cas__refresh_mark(ex, i);
    return rc;
}

int cas__job_submit(struct cas_exchange *ex, uint32_t j, enum cas_side side,
                    enum cas_order_type type, cas_ticks price, cas_lots qty,
                    struct cas_submit_result *res)
{
    uint64_t id;
    return book_submit(ex, ex->jobs[j].instrument, CAS_NO_ACCOUNT, j, side, type, price, qty,
                       &id, res);
}

/* ---- margin at submission ---- */

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

/* ---- order entry ---- */

static bool valid_order(const struct cas_exchange *ex, const struct cas_order *o)
{
    if (o->account >= ex->n_acct || o->instrument >= ex->n_inst)
        return false;
    if ((o->side != CAS_BUY && o->side != CAS_SELL) || o->qty < 1 || o->qty > CAS_BOOK_MAX_QTY)
        return false;
    if (o->type != CAS_LIMIT && o->type != CAS_MARKET && o->type != CAS_IOC &&
        o->type != CAS_POST_ONLY)
        return false;
    return o->type == CAS_MARKET || (o->price >= 1 && o->price <= MAXP);
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
    bool any = side == CAS_BUY ? cas_book_best_ask(in->book, &best)
                               : cas_book_best_bid(in->book, &best);
    if (any && (best < in->band_lo || best > in->band_hi))
        return false;
    *type = CAS_IOC;
    *price = side == CAS_BUY ? (in->band_hi > MAXP ? MAXP : in->band_hi)
                             : (in->band_lo < 1 ? 1 : in->band_lo);
    return true;
}

/* The price a margin check assumes: the limit, or for a market order the
 * worse of the best opposite price and the mark (the mark if the side is
 * empty). */
static cas_ticks check_price(const struct instrument *in, const struct cas_order *o)
{
    if (o->type != CAS_MARKET)
        return o->price;
    cas_ticks best;
    if (o->side == CAS_BUY)
        return cas_book_best_ask(in->book, &best) && best > in->mark ? best : in->mark;
    return cas_book_best_bid(in->book, &best) && best < in->mark ? best : in->mark;
}

static enum cas_reject screen(const struct cas_exchange *ex, const struct cas_order *o,
                              cas_lots *qty, enum cas_order_type *type, cas_ticks *price)
{
    const struct instrument *in = &ex->inst[o->instrument];
    const struct position *p = pos_at(ex, o->account, o->instrument);
    const struct account *ac = &ex->acct[o->account];
    if (in->halted)
        return CAS_REJECT_HALTED;
    if (!cas__band_apply(in, o->side, type, price))
        return CAS_REJECT_BAND;
    if (is_perp(ex, o->instrument) &&
        (p->liquidating || (ac->mode == CAS_CROSS && ac->live_jobs > 0)))
        return CAS_REJECT_LIQUIDATING;
    if (o->reduce_only) {
        if (p->lots == 0 || (p->lots > 0) == (o->side == CAS_BUY))
            return CAS_REJECT_REDUCE_ONLY;
        if (*qty > abs_lots(p->lots))
            *qty = abs_lots(p->lots);
    }
    if (is_perp(ex, o->instrument) &&
        !cas__margin_ok(ex, o->account, o->instrument, o->side, *qty, check_price(in, o),
                        in->spec.taker_fee_ppm))
        return CAS_REJECT_MARGIN;
    return CAS_REJECT_NONE;
}

int cas_exchange_submit(struct cas_exchange *ex, const struct cas_order *order,
                        struct cas_cause cause, uint64_t *id, struct cas_submit_result *res,
                        enum cas_reject *reject)
{
    struct cas_submit_result local;
    uint64_t local_id;
    enum cas_reject local_rej;
    res = res ? res : &local;
    id = id ? id : &local_id;
    reject = reject ? reject : &local_rej;
    *res = (struct cas_submit_result){0};
    *id = 0;
    *reject = CAS_REJECT_NONE;
    if (!valid_order(ex, order))
        return CAS_EINVAL;
    cas_lots qty = order->qty;
    enum cas_order_type type = order->type;
    cas_ticks price = order->price;
    if ((*reject = screen(ex, order, &qty, &type, &price)) != CAS_REJECT_NONE)
        return CAS_EINVAL;
    ex->cause = cause;
    int rc = book_submit(ex, order->instrument, order->account, NIL, order->side, type, price,
                         qty, id, res);
    if (rc) {
        *id = 0;
        return rc;
    }
    pos_at(ex, order->account, order->instrument)->open[order->side] += res->rested;
    return cas__risk_run(ex);
}

int cas_exchange_cancel(struct cas_exchange *ex, uint64_t order_id)
{
    if (cas_exchange_order_owner(ex, order_id) == CAS_NO_ACCOUNT)
        return CAS_ENOTFOUND;
    struct cas_order_info info;
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        if (!cas_book_order(ex->inst[i].book, order_id, &info))
            continue;
        pos_at(ex, owner_of(order_id), i)->open[info.side] -= info.qty;
        return cas_book_cancel(ex->inst[i].book, order_id);
    }
    return CAS_ENOTFOUND;
}

uint32_t cas_exchange_order_owner(const struct cas_exchange *ex, uint64_t order_id)
{
    uint64_t hi = order_id >> SEQ_BITS;
    if (hi == 0 || hi - 1 >= ex->n_acct)
        return CAS_NO_ACCOUNT;
    return (uint32_t)(hi - 1);
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
            struct order_walk w = {.book = ex->inst[i].book, .side = (enum cas_side)s,
                                   .account = a, .left = p->open[s]};
            cas_book_levels(w.book, w.side, walk_level, &w);
            for (uint32_t k = 0; k < w.n; k++)
                cas_exchange_cancel(ex, w.ids[k]);
            free(w.ids);
        }
    }
}

/* ---- marks, bands, halts ---- */

int cas_exchange_set_mark(struct cas_exchange *ex, uint32_t instrument, cas_ticks mark,
                          struct cas_cause cause)
{
    if (instrument >= ex->n_inst || mark < 1 || mark > MAXP)
        return CAS_EINVAL;
    struct instrument *in = &ex->inst[instrument];
    if (in->mark != mark) {
        in->mark = mark;
        in->mark_moved = true;
    }
    ex->cause = cause;
    return cas__risk_run(ex);
}

void cas_exchange_set_band(struct cas_exchange *ex, uint32_t instrument, cas_ticks lo,
                           cas_ticks hi)
{
    if (instrument >= ex->n_inst)
        return;
    ex->inst[instrument].band_lo = lo;
    ex->inst[instrument].band_hi = hi;
}

void cas_exchange_set_halt(struct cas_exchange *ex, uint32_t instrument, bool halted)
{
    if (instrument < ex->n_inst)
        ex->inst[instrument].halted = halted;
}

/* ---- risk predicates ---- */

/* Cash backing position (a, i) alone: the position's cash (isolated) or the
 * account's (cross). */
cas_money cas__backing_cash(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    return pool_cash(ex, a, i);
}

/* A cross account: cash + sum(lots * mark * K) < sum(MM) over its perpetuals. */
bool cas__account_liquidatable(const struct cas_exchange *ex, uint32_t a)
{
    i128 eq = ex->acct[a].cash, mm = 0;
    bool any = false;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, a, j);
        const struct instrument *in = &ex->inst[j];
        if (!is_perp(ex, j) || p->lots == 0)
            continue;
        i128 v = (i128)p->lots * in->mark * in->spec.contract_units;
        eq += v;
        mm += cas__mm(&in->spec, in->eff, in->cum, v < 0 ? -v : v);
        any = true;
    }
    return any && eq < mm;
}

/* Whether position (a, i) is liquidatable: its own test if isolated, its
 * account's if cross. */
bool cas__position_liquidatable(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    const struct position *p = pos_at(ex, a, i);
    if (!is_perp(ex, i) || p->lots == 0)
        return false;
    if (ex->acct[a].mode == CAS_CROSS)
        return cas__account_liquidatable(ex, a);
    return cas__liquidatable_one(&ex->inst[i], p->lots, p->cash, ex->inst[i].mark);
}

/* ---- views ---- */

/* The cash that a cross position's price formulas see: the account's cash
 * plus the other perpetual positions at their marks, less (with_mm) their
 * maintenance margin (Binance's WB - TMM_other + UPNL_other). */
static cas_money cross_cash(const struct cas_exchange *ex, uint32_t a, uint32_t i, bool with_mm)
{
    i128 c = ex->acct[a].cash;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, a, j);
        const struct instrument *in = &ex->inst[j];
        if (j == i || !is_perp(ex, j) || p->lots == 0)
            continue;
        i128 v = (i128)p->lots * in->mark * in->spec.contract_units;
        c += v;
        if (with_mm)
            c -= cas__mm(&in->spec, in->eff, in->cum, v < 0 ? -v : v);
    }
    return (cas_money)c;
}

void cas_exchange_position(const struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                           struct cas_position_view *out)
{
    *out = (struct cas_position_view){.liquidation = NAN, .bankruptcy = NAN};
    if (account >= ex->n_acct || instrument >= ex->n_inst)
        return;
    const struct position *p = pos_at(ex, account, instrument);
    const struct instrument *in = &ex->inst[instrument];
    out->lots = p->lots;
    out->realized_pnl = p->realized;
    if (p->lots == 0)
        return;
    out->entry = (double)p->cost / ((double)p->lots * (double)in->spec.contract_units);
    if (!is_perp(ex, instrument))
        return;
    bool iso = ex->acct[account].mode == CAS_ISOLATED;
    out->margin = iso ? p->cash + p->cost : 0; /* what was put in, plus realized flows */
    cas_money liq = iso ? p->cash : cross_cash(ex, account, instrument, true);
    cas_money bk = iso ? p->cash : cross_cash(ex, account, instrument, false);
    out->liquidation = cas_margin_liquidation_price(&in->spec, p->lots, liq, in->scale_ppm);
    out->bankruptcy = cas_margin_bankruptcy_price(&in->spec, p->lots, bk);
}

void cas_exchange_account(const struct cas_exchange *ex, uint32_t account,
                          struct cas_account_view *out)
{
    *out = (struct cas_account_view){0};
    if (account >= ex->n_acct)
        return;
    const struct account *ac = &ex->acct[account];
    i128 eq = ac->cash, mm = 0, im = 0;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, account, j);
        const struct instrument *in = &ex->inst[j];
        i128 v = (i128)p->lots * in->mark * in->spec.contract_units;
        eq += v + p->cash;
        if (!is_perp(ex, j) || p->lots == 0)
            continue;
        mm += cas__mm(&in->spec, in->eff, in->cum, v < 0 ? -v : v);
        im += cas__initial(in, ac->leverage, p->lots, in->mark);
    }
    *out = (struct cas_account_view){.cash = ac->cash, .equity = (cas_money)eq,
                                     .maintenance = (cas_money)mm, .initial = (cas_money)im,
                                     .fees_paid = ac->fees_paid,
                                     .funding_paid = ac->funding_paid,
                                     .liquidations = ac->liquidations,
                                     .liquidating = ac->live_jobs > 0};
}

void cas_exchange_holding(const struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                          struct cas_holding *out)
{
    *out = (struct cas_holding){0};
    if (account >= ex->n_acct || instrument >= ex->n_inst)
        return;
    const struct account *ac = &ex->acct[account];
    i128 eq = ac->cash;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, account, j);
        const struct instrument *in = &ex->inst[j];
        eq += (i128)p->lots * in->mark * in->spec.contract_units + p->cash;
    }
    const struct position *p = pos_at(ex, account, instrument);
    out->lots = p->lots;
    if (p->lots != 0)
        out->entry = (double)p->cost /
                     ((double)p->lots * (double)ex->inst[instrument].spec.contract_units);
    out->equity = (cas_money)eq;
    out->liquidating = ac->live_jobs > 0;
}

const struct cas_book *cas_exchange_book(const struct cas_exchange *ex, uint32_t instrument)
{
    return instrument < ex->n_inst ? ex->inst[instrument].book : NULL;
}

cas_ticks cas_exchange_mark(const struct cas_exchange *ex, uint32_t instrument)
{
    return instrument < ex->n_inst ? ex->inst[instrument].mark : 0;
}

cas_ticks cas_exchange_last(const struct cas_exchange *ex, uint32_t instrument)
{
    return instrument < ex->n_inst ? ex->inst[instrument].last : 0;
}

uint32_t cas_exchange_n_accounts(const struct cas_exchange *ex)
{
    return ex->n_acct;
}

void cas_exchange_open_interest(const struct cas_exchange *ex, uint32_t instrument,
                                cas_lots *longs, cas_lots *shorts)
{
    *longs = instrument < ex->n_inst ? ex->inst[instrument].oi[0] : 0;
    *shorts = instrument < ex->n_inst ? ex->inst[instrument].oi[1] : 0;
}

void cas_exchange_totals(const struct cas_exchange *ex, struct cas_exchange_totals *out)
{
    *out = (struct cas_exchange_totals){.deposited = ex->deposited,
                                        .held = ex->pools + ex->fund + ex->fees + ex->residue,
                                        .insurance_fund = ex->fund,
                                        .insurance_min = ex->fund_min,
                                        .fees = ex->fees, .residue = ex->residue,
                                        .liquidations = ex->n_liq, .engine = ex->n_engine,
                                        .keeper = ex->n_keeper, .adl = ex->n_adl,
                                        .liquidated_notional = ex->liq_notional};
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        if (!is_perp(ex, i))
            continue;
        out->open_interest[0] += ex->inst[i].oi[0];
        out->open_interest[1] += ex->inst[i].oi[1];
    }
}

void cas_exchange_disable_liquidation(struct cas_exchange *ex)
{
    ex->no_liquidation = true;
}
