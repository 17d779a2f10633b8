/* exchange: the venue's public entry points (include/cascade/exchange.h):
 * lifecycle, accounts, order entry and cancellation, marks, bands and halts,
 * funding and dynamic margin, engine steps and keeper liquidations, and the
 * read-only views. The work is done below: order ids, fills and settlement in
 * orders.c, liquidation and the risk loop in liquidate.c, the risk index in
 * risk.c, margin arithmetic in margin.c (docs/architecture.md draws the
 * order). Reduce-only orders are clipped to the position when submitted.
 */
#include <math.h>
#include <stdlib.h>

#include "core/coreInt.h"
#include "exchange/exchangeInt.h"

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
                        const struct cas_exchange_observer *observer, const struct cas_mark *marks,
                        struct cas_err *err)
{
    int rc;
    *out = NULL;
    if (n == 0 || insurance_fund < 0)
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
        for (uint32_t i = 0; i < n; i++)
            ex->inst[i].mark_rule = marks[i];
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
        free(ex->inst[i].open);
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
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        uint32_t *o = realloc(ex->inst[i].open, (size_t)n * sizeof *o);
        if (!o)
            return CAS_ENOMEM;
        ex->inst[i].open = o;
    }
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
    ex->acct[a] =
        (struct account){.cash = collateral, .leverage = leverage, .mode = mode, .multi_idx = NIL};
    for (uint32_t i = 0; i < ex->n_inst; i++)
        *pos_at(ex, a, i) = (struct position){.heap_idx = NIL, .open_idx = NIL};
    ex->deposited += collateral;
    ex->pools += collateral;
    *id = a;
    return 0;
}

int cas_exchange_open_position(struct cas_exchange *ex, uint32_t instrument, uint32_t buyer,
                               uint32_t seller, cas_ticks price, cas_lots lots)
{
    if (instrument >= ex->n_inst || !is_perp(ex, instrument) || buyer >= ex->n_acct ||
        seller >= ex->n_acct || buyer == seller || lots < 1 || lots > CAS_BOOK_MAX_QTY ||
        price < 1 || price > MAXP)
        return CAS_EINVAL;
    if (pos_at(ex, buyer, instrument)->liquidating || pos_at(ex, seller, instrument)->liquidating)
        return CAS_EINVAL;
    i128 notional = (i128)price * lots * ex->inst[instrument].spec.contract_units;
    if (notional > INT64_MAX / 4)
        return CAS_EINVAL;
    cas__position_change(ex, buyer, instrument, lots, -(cas_money)notional, 0, false);
    cas__position_change(ex, seller, instrument, -lots, (cas_money)notional, 0, false);
    return 0;
}

int cas_exchange_set_leverage(struct cas_exchange *ex, uint32_t account, int32_t leverage)
{
    if (account >= ex->n_acct || leverage < 1)
        return CAS_EINVAL;
    ex->acct[account].leverage = leverage; /* read only when margin is computed: no index moves */
    return 0;
}

int cas_exchange_set_maker_fee(struct cas_exchange *ex, uint32_t account, int64_t ppm)
{
    if (account >= ex->n_acct || ppm < -CAS_PPM / 100 || ppm > CAS_PPM / 100)
        return CAS_EINVAL;
    ex->acct[account].own_maker_fee = true;
    ex->acct[account].maker_fee_ppm = ppm;
    return 0;
}

int cas_exchange_deposit(struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                         cas_money amount)
{
    if (account >= ex->n_acct || instrument >= ex->n_inst || amount < 0 ||
        amount > INT64_MAX / 4 - ex->deposited)
        return CAS_EINVAL;
    struct account *ac = &ex->acct[account];
    struct position *p = pos_at(ex, account, instrument);
    bool iso = ac->mode == CAS_ISOLATED && is_perp(ex, instrument) && p->lots != 0;
    *(iso ? &p->cash : &ac->cash) += amount;
    ex->deposited += amount;
    ex->pools += amount;
    if (iso)
        cas__reindex(ex, account, instrument);
    else
        cas__touch(ex, account, instrument);
    return 0;
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
    cas_ticks at = check_price(in, o);
    i128 notional = (i128)*qty * at * in->spec.contract_units;
    if (notional > CAS_ORDER_MAX_NOTIONAL || ac->cash > CAS_CASH_MAX || ac->cash < -CAS_CASH_MAX ||
        p->cash > CAS_CASH_MAX || p->cash < -CAS_CASH_MAX)
        return CAS_REJECT_SIZE;
    if (is_perp(ex, o->instrument) &&
        !cas__margin_ok(ex, o->account, o->instrument, o->side, *qty, at, in->spec.taker_fee_ppm))
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
    int rc = cas__book_submit(ex, order->instrument, order->account, NIL, order->side, type, price,
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
    return cas__cancel(ex, order_id);
}

uint32_t cas_exchange_order_owner(const struct cas_exchange *ex, uint64_t order_id)
{
    return cas__order_owner(ex, order_id);
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

int cas_exchange_update_mark(struct cas_exchange *ex, uint32_t instrument, struct cas_cause cause)
{
    if (instrument >= ex->n_inst)
        return CAS_EINVAL;
    cas__refresh_mark(ex, instrument);
    ex->cause = cause;
    return cas__risk_run(ex);
}

void cas_exchange_sample_mark(struct cas_exchange *ex, uint32_t instrument)
{
    if (instrument < ex->n_inst && ex->has_marks)
        cas__sample_mark(ex, instrument);
}

void cas_exchange_set_band(struct cas_exchange *ex, uint32_t instrument, cas_ticks lo, cas_ticks hi)
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

bool cas_exchange_halted(const struct cas_exchange *ex, uint32_t instrument)
{
    return instrument < ex->n_inst && ex->inst[instrument].halted;
}

int64_t cas_exchange_mmr_scale(const struct cas_exchange *ex, uint32_t instrument)
{
    return instrument < ex->n_inst ? ex->inst[instrument].scale_ppm : 0;
}

/* ---- engine steps and keeper liquidations ---- */

int cas_exchange_begin_step(struct cas_exchange *ex, cas_step step, struct cas_cause cause)
{
    int rc = cas__jobs_resume(ex, step);
    if (rc)
        return rc;
    ex->cause = cause;
    return cas__risk_run(ex);
}

int cas_exchange_keeper_liquidate(struct cas_exchange *ex, uint32_t keeper, uint32_t target,
                                  uint32_t instrument, cas_lots lots, cas_lots *taken)
{
    return cas__keeper_liquidate(ex, keeper, target, instrument, lots, taken);
}

/* ---- funding and dynamic margin ---- */
uint32_t cas_exchange_liquidatable(const struct cas_exchange *ex, uint32_t instrument,
                                   uint32_t *accounts, uint32_t max)
{
    if (instrument >= ex->n_inst)
        return 0;
    const struct instrument *in = &ex->inst[instrument];
    uint32_t n = in->set_n < max ? in->set_n : max;
    for (uint32_t k = 0; k < n; k++)
        accounts[k] = in->set[k].account;
    return n;
}

/* Past the mark's trigger in the heaps (a long is liquidatable at marks up to
 * its trigger, a short from its trigger up), and the keeper set and the
 * multi-position accounts computed in full: O(found + set + multi). */
uint32_t cas_exchange_count_under_water(const struct cas_exchange *ex, uint32_t instrument)
{
    if (instrument >= ex->n_inst || !is_perp(ex, instrument))
        return 0;
    const struct instrument *in = &ex->inst[instrument];
    uint32_t n = 0;
    cas__heap_range(ex, instrument, CAS_BUY, in->mark, MAXP, NULL, &n, NULL);
    cas__heap_range(ex, instrument, CAS_SELL, 1, in->mark, NULL, &n, NULL);
    for (uint32_t k = 0; k < in->set_n; k++)
        n += cas__position_liquidatable(ex, in->set[k].account, instrument);
    for (uint32_t k = 0; k < ex->n_multi; k++) {
        const struct position *p = pos_at(ex, ex->multi[k], instrument);
        n += p->lots != 0 && !p->in_set && cas__position_liquidatable(ex, ex->multi[k], instrument);
    }
    return n;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Sort accounts [from, n) of *v and drop repeats. */
static void sort_unique(uint32_t *v, uint32_t from, uint32_t *n)
{
    if (*n - from < 2)
        return;
    qsort(v + from, *n - from, sizeof *v, cmp_u32);
    uint32_t m = from;
    for (uint32_t k = from; k < *n; k++)
        if (m == from || v[m - 1] != v[k])
            v[m++] = v[k];
    *n = m;
}

int cas_exchange_triggered(const struct cas_exchange *ex, uint32_t instrument, enum cas_side side,
                           cas_ticks lo, cas_ticks hi, uint32_t **accounts, uint32_t *n,
                           uint32_t *cap)
{
    *n = 0;
    if (instrument >= ex->n_inst || !is_perp(ex, instrument) ||
        (side != CAS_BUY && side != CAS_SELL))
        return CAS_EINVAL;
    int rc = cas__heap_range(ex, instrument, side, lo, hi, accounts, n, cap);
    if (rc == 0)
        sort_unique(*accounts, 0, n);
    return rc;
}

static cas_ticks to_tick(double x)
{
    return x < 0 ? 0 : x > (double)MAXP + 1 ? MAXP + 1 : (cas_ticks)x;
}

int cas_exchange_liquidation_candidates(const struct cas_exchange *ex, uint32_t instrument,
                                        double lo, double hi, uint32_t **accounts, uint32_t *n,
                                        uint32_t *cap)
{
    *n = 0;
    if (instrument >= ex->n_inst || !is_perp(ex, instrument))
        return CAS_EINVAL;
    const struct instrument *in = &ex->inst[instrument];
    double eps = 2 + (fabs(lo) + fabs(hi)) * 1e-9; /* the closed form's own rounding */
    double ml = cas__trigger_margin(in, CAS_BUY) + eps,
           ms = cas__trigger_margin(in, CAS_SELL) + eps;
    /* positions with no trigger (kept out of the heaps) have their price below 1 + ml (longs)
     * or above MAXP - ms (shorts): a window that reaches there, or an unbounded margin, takes
     * every open position */
    if (!(lo - ml > 1) || !(hi + ms < (double)MAXP - 1)) {
        if (cas__grow((void **)accounts, cap, in->n_open ? in->n_open : 1, sizeof **accounts))
            return CAS_ENOMEM;
        for (uint32_t k = 0; k < in->n_open; k++)
            (*accounts)[k] = in->open[k];
        *n = in->n_open;
        sort_unique(*accounts, 0, n);
        return 0;
    }
    int rc = cas__heap_range(ex, instrument, CAS_BUY, to_tick(floor(lo - ml)),
                             to_tick(ceil(hi + ml)), accounts, n, cap);
    if (rc == 0)
        rc = cas__heap_range(ex, instrument, CAS_SELL, to_tick(floor(lo - ms)),
                             to_tick(ceil(hi + ms)), accounts, n, cap);
    uint32_t more = in->set_n + ex->n_multi;
    if (rc == 0 &&
        (rc = cas__grow((void **)accounts, cap, *n + more + 1, sizeof **accounts)) == 0) {
        for (uint32_t k = 0; k < in->set_n; k++)
            (*accounts)[(*n)++] = in->set[k].account;
        for (uint32_t k = 0; k < ex->n_multi; k++)
            if (pos_at(ex, ex->multi[k], instrument)->lots != 0)
                (*accounts)[(*n)++] = ex->multi[k];
    }
    if (rc)
        return CAS_ENOMEM;
    sort_unique(*accounts, 0, n);
    return 0;
}

int cas_exchange_pay_funding(struct cas_exchange *ex, uint32_t instrument, int64_t rate_ppm)
{
    if (instrument >= ex->n_inst || !is_perp(ex, instrument))
        return CAS_EINVAL;
    const struct instrument *in = &ex->inst[instrument];
    i128 unit = (i128)in->mark * in->spec.contract_units * rate_ppm, paid = 0, received = 0;
    for (uint32_t k = 0; k < in->n_open; k++) { /* each payment stands alone: any order */
        uint32_t a = in->open[k];
        struct position *p = pos_at(ex, a, instrument);
        i128 x = p->lots * unit;
        cas_money d = (cas_money)(x > 0 ? -div_ceil(x, CAS_PPM) : div_floor(-x, CAS_PPM));
        paid += d < 0 ? -d : 0;
        received += d > 0 ? d : 0;
        struct account *ac = &ex->acct[a];
        *(ac->mode == CAS_ISOLATED ? &p->cash : &ac->cash) += d;
        ex->pools += d;
        ac->funding_paid -= d;
    }
    for (uint32_t j = 0; j < ex->n_jobs; j++) {
        struct job *jb = &ex->jobs[j];
        if (!jb->live || jb->instrument != instrument || jb->lots == 0)
            continue;
        i128 x = jb->lots * unit;
        cas_money d = (cas_money)(x > 0 ? -div_ceil(x, CAS_PPM) : div_floor(-x, CAS_PPM));
        paid += d < 0 ? -d : 0;
        received += d > 0 ? d : 0;
        jb->cash += d;
        ex->pools += d;
    }
    ex->residue += (cas_money)(paid - received);
    cas__reindex_instrument(ex, instrument);
    ex->cause = (struct cas_cause){CAS_CAUSE_FUNDING, ++ex->funding_count};
    return cas__risk_run(ex);
}

int cas_exchange_set_mmr_scale(struct cas_exchange *ex, uint32_t instrument, int64_t scale_ppm)
{
    if (instrument >= ex->n_inst || scale_ppm < 0)
        return CAS_EINVAL;
    struct instrument *in = &ex->inst[instrument];
    in->scale_ppm = scale_ppm;
    cas__tiers_prepare(&in->spec, scale_ppm, in->eff, in->cum);
    cas__reindex_instrument(ex, instrument);
    ex->multi_dirty = true;
    ex->cause = (struct cas_cause){CAS_CAUSE_MARGIN, (uint64_t)scale_ppm};
    return cas__risk_run(ex);
}

/* ---- views ---- */

void cas_exchange_position(const struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                           struct cas_position_view *out)
{
    cas__position_view(ex, account, instrument, out);
}

/* An account's equity: its cash, and every position's cash and value at the
 * mark. */
static cas_money equity(const struct cas_exchange *ex, uint32_t account)
{
    i128 eq = ex->acct[account].cash;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, account, j);
        eq += (i128)p->lots * ex->inst[j].mark * ex->inst[j].spec.contract_units + p->cash;
    }
    return (cas_money)eq;
}

void cas_exchange_account(const struct cas_exchange *ex, uint32_t account,
                          struct cas_account_view *out)
{
    *out = (struct cas_account_view){0};
    if (account >= ex->n_acct)
        return;
    const struct account *ac = &ex->acct[account];
    i128 mm = 0, im = 0;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, account, j);
        const struct instrument *in = &ex->inst[j];
        if (!is_perp(ex, j) || p->lots == 0)
            continue;
        i128 v = (i128)p->lots * in->mark * in->spec.contract_units, av = v < 0 ? -v : v;
        mm += cas__mm(&in->spec, in->eff, in->cum, av);
        im += cas__initial(in, ac->leverage, p->lots, in->mark);
    }
    *out = (struct cas_account_view){.cash = ac->cash,
                                     .equity = equity(ex, account),
                                     .maintenance = (cas_money)mm,
                                     .initial = (cas_money)im,
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
    const struct position *p = pos_at(ex, account, instrument);
    out->lots = p->lots;
    if (p->lots != 0)
        out->entry =
            (double)p->cost / ((double)p->lots * (double)ex->inst[instrument].spec.contract_units);
    out->equity = equity(ex, account);
    out->liquidating = ex->acct[account].live_jobs > 0;
}

const struct cas_book *cas_exchange_book(const struct cas_exchange *ex, uint32_t instrument)
{
    return instrument < ex->n_inst ? ex->inst[instrument].book : NULL;
}

void cas_exchange_journal(struct cas_exchange *ex, struct cas_journal *journal)
{
    ex->journal = journal;
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

void cas_exchange_open_interest(const struct cas_exchange *ex, uint32_t instrument, cas_lots *longs,
                                cas_lots *shorts)
{
    *longs = instrument < ex->n_inst ? ex->inst[instrument].oi[0] : 0;
    *shorts = instrument < ex->n_inst ? ex->inst[instrument].oi[1] : 0;
}

/* clang-format off */
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
/* clang-format on */

void cas_exchange_disable_liquidation(struct cas_exchange *ex)
{
    ex->no_liquidation = true;
}
