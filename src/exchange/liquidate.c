/* liquidate: engine jobs (takeover, working into the book, throttling and
 * slicing), the insurance fund, auto-deleveraging, and keeper liquidations.
 *
 * Takeover moves the position's lots AND its backing cash into a job (cross:
 * the account's whole cash, split among its positions so that each job's
 * share of the equity is proportional to its notional; isolated: the
 * position's cash), so the account is left flat with nothing there, and the
 * job's bankruptcy price -cash0 / (lots0 * K) is where the job would end at
 * zero. A job works one order per round of the risk loop and then either
 * finishes or waits for the next step (cas__jobs_resume: throttle, slice cooldown,
 * halt, band, or an empty book). When it is flat its cash goes to the fund
 * (a shortfall is paid from it). ADL closes lots of a job against accounts'
 * opposite positions at the job's bankruptcy price, ranked as the instrument
 * says: the open positions are ranked (O(open)) and taken from a heap in rank
 * order, O(log open) each, so an event costs what it closes, not a sort.
 *
 * The risk loop (cas__risk_run) runs after every operation: it pops, per
 * instrument, the entries of the risk index (risk.c) the mark has crossed, in
 * crossing order, and liquidates them; then it checks the cross accounts with
 * several perpetual positions (the multi list) by full computation if any
 * mark moved or one of them changed (O(multi accounts) per mark move: such
 * accounts are expected to be few); then it works one order of the first
 * ready engine job, whose fills move the mark, and starts over, until nothing
 * is crossed and no job is ready. A worklist, not recursion: a cascade of any
 * length uses constant stack. Liquidations found in a round record as cause
 * ex->cause: the cause of the operation, or of the liquidation whose order
 * last moved the mark.
 */
#include <math.h>
#include <stdlib.h>

#include "cascade/heap.h"
#include "core/coreInt.h"
#include "exchange/exchangeInt.h"

static double job_bankruptcy(const struct cas_exchange *ex, const struct job *jb)
{
    return -(double)jb->cash0 /
           ((double)jb->lots0 * (double)ex->inst[jb->instrument].spec.contract_units);
}

/* A liquidation's trigger or end in the journal: where it came among the books' events. */
static void journal_liquidation(struct cas_exchange *ex, uint32_t instrument, uint64_t id,
                                bool done)
{
    struct cas_journal_event *e = cas__journal_push(ex);
    if (e)
        *e = (struct cas_journal_event){
            .kind = done ? CAS_J_FINISHED : CAS_J_LIQUIDATION, .instrument = instrument, .id = id};
}

static void emit_liquidation(struct cas_exchange *ex, const struct cas_liquidation *l)
{
    journal_liquidation(ex, l->instrument, l->id, false);
    if (ex->obs.on_liquidation)
        ex->obs.on_liquidation(ex->obs.ctx, l);
}

/* ---- takeover ---- */

static uint32_t job_slot(struct cas_exchange *ex)
{
    for (uint32_t j = 0; j < ex->n_jobs; j++)
        if (!ex->jobs[j].live)
            return j;
    if (cas__grow((void **)&ex->jobs, &ex->cap_jobs, ex->n_jobs + 1, sizeof *ex->jobs))
        return NIL;
    return ex->n_jobs++;
}

static int push_ready(struct cas_exchange *ex, uint32_t j)
{
    if (cas__grow((void **)&ex->ready, &ex->cap_ready, ex->n_ready + 1, sizeof *ex->ready))
        return CAS_ENOMEM;
    ex->ready[ex->n_ready++] = j;
    return 0;
}

static int push_waiting(struct cas_exchange *ex, uint32_t j)
{
    if (cas__grow((void **)&ex->waiting, &ex->cap_waiting, ex->n_waiting + 1, sizeof *ex->waiting))
        return CAS_ENOMEM;
    ex->waiting[ex->n_waiting++] = j;
    return 0;
}

/* Take position (a, i) over with `cash` into a new job; `liq` its
 * liquidation price before the takeover (for the record). */
/* clang-format off */
static int take_over(struct cas_exchange *ex, uint32_t a, uint32_t i, cas_money cash, double liq)
{
    struct position *p = pos_at(ex, a, i);
    const struct instrument *in = &ex->inst[i];
    uint32_t j = job_slot(ex);
    if (j == NIL || push_ready(ex, j))
        return CAS_ENOMEM;
    struct job *jb = &ex->jobs[j];
    cas_lots lots = p->lots, al = abs_lots(lots);
    cas_money notional = notional_held(al, in->mark, in->spec.contract_units);
    *jb = (struct job){.id = ++ex->n_liq, .account = a, .instrument = i, .lots = lots,
                       .lots0 = lots, .cash = cash, .cash0 = cash, .live = true};
    if (in->spec.liq_slice_ppm > 0 && notional >= in->spec.liq_slice_above) {
        cas_lots s = (cas_lots)((i128)al * in->spec.liq_slice_ppm / CAS_PPM);
        jb->slice = jb->slice_left = s < 1 ? 1 : s;
        jb->next_slice = ex->step;
    }
    cas__heap_remove(ex, i, a);
    p->lots = 0; /* the lots (and the cash) move to the job: open interest is unchanged */
    p->cost = 0;
    open_note(ex, a, i);
    p->liquidating = true;
    ex->acct[a].n_perp--;
    ex->acct[a].live_jobs++;
    ex->n_engine++;
    ex->liq_notional = cas_money_add_held(ex->liq_notional, notional);
    struct cas_liquidation l = {.id = jb->id, .step = ex->step, .account = a, .instrument = i,
                                .side = lots > 0 ? CAS_BUY : CAS_SELL, .lots = al,
                                .mark = in->mark, .notional = notional, .bankruptcy = job_bankruptcy(ex, jb),
                                .liquidation = liq, .leverage = ex->acct[a].leverage,
                                .mode = CAS_LIQ_ENGINE, .keeper = CAS_NO_ACCOUNT,
                                .cause = ex->cause};
    emit_liquidation(ex, &l);
    return 0;
}
/* clang-format on */

/* Cross: split the account's equity E among its positions in proportion to
 * notional (floor; the last takes the remainder); position j's job gets cash
 * -lots_j * mark_j * K_j + share_j, which sums to the account's cash. */
static int take_over_cross(struct cas_exchange *ex, uint32_t a)
{
    i128 eq = ex->acct[a].cash, total = 0;
    uint32_t last = NIL;
    double *liq = malloc(ex->n_inst * sizeof *liq);
    if (!liq)
        return CAS_ENOMEM;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, a, j);
        if (!is_perp(ex, j) || p->lots == 0)
            continue;
        struct cas_position_view view;
        cas__position_view(ex, a, j, &view);
        liq[j] = view.liquidation;
        i128 v = (i128)p->lots * ex->inst[j].mark * ex->inst[j].spec.contract_units;
        eq += v;
        total += v < 0 ? -v : v;
        last = j;
    }
    i128 left = eq;
    int rc = 0;
    for (uint32_t j = 0; j < ex->n_inst && rc == 0; j++) {
        const struct position *p = pos_at(ex, a, j);
        if (!is_perp(ex, j) || p->lots == 0)
            continue;
        i128 v = (i128)p->lots * ex->inst[j].mark * ex->inst[j].spec.contract_units;
        i128 share = j == last ? left : div_floor(eq * (v < 0 ? -v : v), total);
        left -= share;
        rc = take_over(ex, a, j, (cas_money)(share - v), liq[j]);
    }
    free(liq);
    ex->acct[a].cash = 0;
    return rc;
}

int cas__liquidate_engine(struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    int rc;
    ex->acct[a].liquidations++;
    if (ex->acct[a].mode == CAS_CROSS) {
        cas__cancel_account_orders(ex, a, NIL);
        rc = take_over_cross(ex, a);
        cas__account_refresh(ex, a);
        return rc;
    }
    struct position *p = pos_at(ex, a, i);
    struct cas_position_view view;
    cas__position_view(ex, a, i, &view);
    cas__cancel_account_orders(ex, a, i);
    cas_money cash = p->cash;
    p->cash = 0;
    return take_over(ex, a, i, cash, view.liquidation);
}

/* ---- ADL ---- */

/* A strict total order (rank descending, then account): where an opposite
 * position comes in the ADL queue never depends on where it sits. */
static bool ranked_before(const void *ctx, const struct cas__ranked *x, const struct cas__ranked *y)
{
    (void)ctx;
    if (x->rank != y->rank)
        return x->rank > y->rank;
    return x->account < y->account;
}

CAS_HEAP(adl_queue, struct cas__ranked, const void *, ranked_before, CAS_HEAP_NOTHING_PLACED)

/* BitMEX: PnL% x effective leverage when PnL% > 0, else PnL% / leverage,
 * effective leverage = |mark value| / (mark value - bankrupt value), the
 * denominator being the equity backing the position; or unrealized PnL. */
static double adl_rank(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    const struct position *p = pos_at(ex, a, i);
    const struct instrument *in = &ex->inst[i];
    double mv = (double)p->lots * (double)in->mark * (double)in->spec.contract_units;
    double upnl = mv - (double)p->cost;
    if (in->spec.adl_rank == CAS_ADL_PNL)
        return upnl;
    double pct = p->cost != 0 ? upnl / fabs((double)p->cost) : 0;
    double eq = (double)p->cash + mv;
    if (ex->acct[a].mode == CAS_CROSS) {
        eq = (double)ex->acct[a].cash;
        for (uint32_t j = 0; j < ex->n_inst; j++)
            if (is_perp(ex, j))
                eq += (double)pos_at(ex, a, j)->lots * (double)ex->inst[j].mark *
                      (double)ex->inst[j].spec.contract_units;
    }
    double lev = eq > 0 ? fabs(mv) / eq : 1e18;
    if (lev < 1e-18)
        lev = 1e-18;
    return pct > 0 ? pct * lev : pct / lev;
}

/* Close `q` lots of job j against account c (or, when c == NIL, against job
 * j2) at job j's bankruptcy price: the buyer pays q * (-cash0) / lots0 money,
 * rounded by the global rule. */
static void adl_pair(struct cas_exchange *ex, uint32_t j, uint32_t c, uint32_t j2, cas_lots q)
{
    struct job *jb = &ex->jobs[j];
    i128 num = (i128)q * -jb->cash0, den = jb->lots0;
    if (den < 0) {
        num = -num;
        den = -den;
    }
    cas_money recv, pay = cas__pay(ex, num, den, &recv);
    cas_money buyer = num >= 0 ? -pay : recv, seller = num >= 0 ? recv : -pay;
    bool job_sells = jb->lots > 0;
    cas_lots before = jb->lots;
    jb->lots += job_sells ? -q : q;
    jb->cash += job_sells ? seller : buyer;
    ex->pools += job_sells ? seller : buyer;
    oi_move(ex, jb->instrument, before, jb->lots);
    jb->adl += q;
    if (c != NIL) {
        cas__position_change(ex, c, jb->instrument, job_sells ? q : -q, job_sells ? buyer : seller,
                             0, false);
        ex->n_adl++;
        struct cas_adl_event e = {.liquidation = jb->id,
                                  .account = c,
                                  .instrument = jb->instrument,
                                  .lots = q,
                                  .price = job_bankruptcy(ex, jb)};
        if (ex->obs.on_adl)
            ex->obs.on_adl(ex->obs.ctx, &e);
    } else {
        struct job *o = &ex->jobs[j2];
        cas_lots o_before = o->lots;
        o->lots += job_sells ? q : -q;
        o->cash += job_sells ? buyer : seller;
        ex->pools += job_sells ? buyer : seller;
        oi_move(ex, o->instrument, o_before, o->lots);
        o->adl += q;
    }
}

/* The opposite positions of a job on instrument i (the account positions on
 * the side other than `job_long`'s) with their ranks, from the open list, in
 * no order, into *r (grown; the caller frees it). */
int cas__adl_ranks(const struct cas_exchange *ex, uint32_t i, bool job_long, struct cas__ranked **r,
                   uint32_t *n, uint32_t *cap)
{
    const struct instrument *in = &ex->inst[i];
    *n = 0;
    if (cas__grow((void **)r, cap, in->n_open ? in->n_open : 1, sizeof **r))
        return CAS_ENOMEM;
    for (uint32_t k = 0; k < in->n_open; k++) {
        uint32_t a = in->open[k];
        cas_lots l = pos_at(ex, a, i)->lots;
        if ((l > 0) != job_long)
            (*r)[(*n)++] = (struct cas__ranked){.rank = adl_rank(ex, a, i), .account = a};
    }
    return 0;
}

/* Make r[0, n) a queue that cas__adl_next empties in ADL order: O(n). */
void cas__adl_queue(struct cas__ranked *r, uint32_t n)
{
    adl_queue_make(NULL, r, n);
}

/* The next of the queue in ADL order (n > 0): O(log n), so closing k
 * positions costs O(n + k log n) where a sort cost O(n log n). */
uint32_t cas__adl_next(struct cas__ranked *r, uint32_t *n)
{
    uint32_t a = r[0].account;
    if (--*n > 0) {
        r[0] = r[*n];
        adl_queue_down(NULL, r, *n, 0);
    }
    return a;
}

/* Auto-deleverage q lots of job j: opposite account positions in rank order
 * (ranked before any is closed), then (only when no account holds any, e.g.
 * two jobs on opposite sides) other jobs' opposite lots. */
static int adl(struct cas_exchange *ex, uint32_t j, cas_lots q)
{
    uint32_t i = ex->jobs[j].instrument, n = 0, cap = 0;
    bool job_long = ex->jobs[j].lots > 0;
    struct cas__ranked *r = NULL;
    if (cas__adl_ranks(ex, i, job_long, &r, &n, &cap)) {
        free(r);
        return CAS_ENOMEM;
    }
    cas__adl_queue(r, n);
    while (n > 0 && q > 0) {
        uint32_t a = cas__adl_next(r, &n);
        cas_lots l = abs_lots(pos_at(ex, a, i)->lots), take = l < q ? l : q;
        adl_pair(ex, j, a, NIL, take);
        q -= take;
    }
    free(r);
    for (uint32_t k = 0; k < ex->n_jobs && q > 0; k++) {
        const struct job *o = &ex->jobs[k];
        if (k == j || !o->live || o->instrument != i || o->lots == 0 || (o->lots > 0) == job_long)
            continue;
        cas_lots take = abs_lots(o->lots) < q ? abs_lots(o->lots) : q;
        adl_pair(ex, j, NIL, k, take);
        q -= take;
    }
    return 0;
}

/* ---- working a job ---- */

/* clang-format off */
static int finish(struct cas_exchange *ex, uint32_t j)
{
    struct job *jb = &ex->jobs[j];
    cas__fund_pay(ex, -jb->cash);
    struct cas_liquidation_done d = {.id = jb->id, .step = ex->step, .filled = jb->filled,
                                     .adl = jb->adl, .insurance_change = jb->cash,
                                     .fill_vwap = jb->filled ? jb->fill_value / (double)jb->filled
                                                             : NAN};
    ex->pools -= jb->cash;
    oi_move(ex, jb->instrument, jb->lots, 0);
    jb->cash = 0;
    jb->live = false;
    ex->acct[jb->account].live_jobs--;
    pos_at(ex, jb->account, jb->instrument)->liquidating = false;
    journal_liquidation(ex, jb->instrument, jb->id, true);
    if (ex->obs.on_liquidation_done)
        ex->obs.on_liquidation_done(ex->obs.ctx, &d);
    return 0;
}
/* clang-format on */

/* Lots the job may work now: throttle per instrument and step, then slices. */
static cas_lots budget(struct cas_exchange *ex, struct job *jb)
{
    const struct instrument *in = &ex->inst[jb->instrument];
    cas_lots allowed = abs_lots(jb->lots);
    if (in->spec.liq_max_lots_per_step > 0) {
        cas_lots left = in->spec.liq_max_lots_per_step - in->liq_used;
        allowed = left < allowed ? left : allowed;
    }
    if (jb->slice > 0) {
        if (jb->slice_left == 0 && ex->step >= jb->next_slice)
            jb->slice_left = jb->slice;
        allowed = jb->slice_left < allowed ? jb->slice_left : allowed;
    }
    return allowed < 0 ? 0 : allowed;
}

static void consume(struct cas_exchange *ex, struct job *jb, cas_lots q)
{
    struct instrument *in = &ex->inst[jb->instrument];
    in->liq_used += q;
    if (jb->slice > 0 && q > 0) {
        jb->slice_left -= q;
        if (jb->slice_left == 0) {
            cas_step cd = in->spec.liq_slice_cooldown;
            jb->next_slice = ex->step + (cd < 1 ? 1 : cd);
        }
    }
}

/* IOC limit: the bankruptcy price, moved beyond by the penalty, rounded to
 * the tick that does not worsen it (a long's sell up, a short's buy down). */
static cas_ticks ioc_limit(const struct cas_exchange *ex, const struct job *jb)
{
    const struct cas_instrument_spec *s = &ex->inst[jb->instrument].spec;
    i128 den = (i128)abs_lots(jb->lots0) * s->contract_units * CAS_PPM;
    i128 p = jb->lots0 > 0 ? div_ceil(-(i128)jb->cash0 * (CAS_PPM - s->liq_ioc_penalty_ppm), den)
                           : div_floor((i128)jb->cash0 * (CAS_PPM + s->liq_ioc_penalty_ppm), den);
    return p < 1 ? 1 : p > MAXP ? MAXP : (cas_ticks)p;
}

/* Market style: whether closing the whole job at the current book (lots
 * beyond its depth valued at its last level) would leave a shortfall beyond
 * what the fund can pay. *any says whether the book side has any depth. */
static bool exceeds_fund(struct cas_exchange *ex, const struct job *jb, bool *any)
{
    const struct instrument *in = &ex->inst[jb->instrument];
    enum cas_side side = jb->lots > 0 ? CAS_BUY : CAS_SELL; /* the book side it hits */
    cas_lots left = abs_lots(jb->lots);
    uint32_t n = 16, got;
    *any = false;
    for (;;) {
        if (cas__grow((void **)&ex->levels, &ex->cap_levels, n, sizeof *ex->levels))
            return false;
        got = cas_book_depth(in->book, side, n, ex->levels);
        cas_lots sum = 0;
        for (uint32_t k = 0; k < got; k++)
            sum += ex->levels[k].qty;
        if (got < n || sum >= left)
            break;
        n *= 2;
    }
    if (got == 0)
        return false;
    *any = true;
    i128 value = 0;
    cas_ticks worst = ex->levels[0].price;
    for (uint32_t k = 0; k < got && left > 0; k++) {
        cas_lots t = ex->levels[k].qty < left ? ex->levels[k].qty : left;
        value += (i128)t * ex->levels[k].price;
        worst = ex->levels[k].price;
        left -= t;
    }
    value = (value + (i128)left * worst) * in->spec.contract_units;
    i128 end = jb->lots > 0 ? jb->cash + value : jb->cash - value;
    return end + ex->fund < 0;
}

/* One IOC at the (penalised) bankruptcy price; what it leaves of q is
 * auto-deleveraged at once. Refused by the band: the job waits. */
static int work_ioc(struct cas_exchange *ex, uint32_t j, cas_lots q)
{
    struct job *jb = &ex->jobs[j];
    enum cas_side side = jb->lots > 0 ? CAS_SELL : CAS_BUY;
    enum cas_order_type type = CAS_IOC;
    cas_ticks price = ioc_limit(ex, jb);
    if (!cas__band_apply(&ex->inst[jb->instrument], side, &type, &price))
        return 0;
    struct cas_submit_result res;
    int rc = cas__job_submit(ex, j, side, type, price, q, &res);
    if (rc)
        return rc;
    jb = &ex->jobs[j];
    consume(ex, jb, q);
    return q > res.filled ? adl(ex, j, q - res.filled) : 0;
}

/* One market order for q lots, unless closing at the book would exceed
 * what the fund can pay: then ADL the rest. An empty book side or the band:
 * the job waits. */
static int work_market(struct cas_exchange *ex, uint32_t j, cas_lots q)
{
    struct job *jb = &ex->jobs[j];
    bool any;
    if (exceeds_fund(ex, jb, &any))
        return adl(ex, j, abs_lots(jb->lots));
    enum cas_side side = jb->lots > 0 ? CAS_SELL : CAS_BUY;
    enum cas_order_type type = CAS_MARKET;
    cas_ticks price = 0;
    if (!any || !cas__band_apply(&ex->inst[jb->instrument], side, &type, &price))
        return 0;
    struct cas_submit_result res;
    int rc = cas__job_submit(ex, j, side, type, price, q, &res);
    if (rc == 0)
        consume(ex, &ex->jobs[j], res.filled);
    return rc;
}

int cas__work_job(struct cas_exchange *ex, uint32_t j)
{
    struct job *jb = &ex->jobs[j];
    const struct instrument *in = &ex->inst[jb->instrument];
    int rc = 0;
    if (jb->lots != 0) {
        cas_lots q = budget(ex, jb);
        if (q == 0 || in->halted)
            return push_waiting(ex, j);
        ex->cause = (struct cas_cause){CAS_CAUSE_LIQUIDATION, jb->id};
        rc = in->spec.liq_style == CAS_LIQ_IOC_BANKRUPTCY ? work_ioc(ex, j, q)
                                                          : work_market(ex, j, q);
        if (rc)
            return rc;
    }
    if (ex->jobs[j].lots == 0)
        return finish(ex, j);
    return push_waiting(ex, j);
}

/* ---- the risk loop ---- */
static void liquidate(struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    if (ex->inst[i].spec.liq_mode == CAS_LIQ_KEEPER)
        cas__set_add(ex, i, a);
    else
        cas__liquidate_engine(ex, a, i);
}

static bool crossed(const struct instrument *in, enum cas_side s)
{
    const struct risk_heap *h = &in->heap[s];
    return h->n > 0 && (s == CAS_BUY ? in->mark <= h->v[0].trigger : in->mark >= h->v[0].trigger);
}

static void scan_instrument(struct cas_exchange *ex, uint32_t i)
{
    struct instrument *in = &ex->inst[i];
    if (ex->no_liquidation)
        return;
    if (in->set_n)
        cas__set_verify(ex, i);
    for (int s = CAS_BUY; s <= CAS_SELL; s++) {
        while (crossed(in, (enum cas_side)s)) {
            uint32_t a = in->heap[s].v[0].account;
            cas__heap_remove(ex, i, a);
            /* The trigger is exact, so this holds; were it not, the position
             * stays out of the heap and cas_exchange_check reports it. */
            if (cas__position_liquidatable(ex, a, i))
                liquidate(ex, a, i);
        }
    }
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Liquidate, in account order, the multi-position cross accounts under
 * water. Engine mode wins if any of the account's instruments uses it. */
static int scan_multi(struct cas_exchange *ex)
{
    bool moved = ex->multi_dirty;
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        moved |= ex->inst[i].mark_moved;
        ex->inst[i].mark_moved = false;
    }
    ex->multi_dirty = false;
    if (!moved || ex->n_multi == 0 || ex->no_liquidation)
        return 0;
    uint32_t n = 0;
    if (cas__grow((void **)&ex->scratch, &ex->cap_scratch, ex->n_multi, sizeof *ex->scratch))
        return CAS_ENOMEM;
    for (uint32_t k = 0; k < ex->n_multi; k++)
        if (cas__account_liquidatable(ex, ex->multi[k]))
            ex->scratch[n++] = ex->multi[k];
    qsort(ex->scratch, n, sizeof *ex->scratch, cmp_u32);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t a = ex->scratch[k];
        bool engine = false;
        for (uint32_t j = 0; j < ex->n_inst; j++)
            engine |= is_perp(ex, j) && pos_at(ex, a, j)->lots != 0 &&
                      ex->inst[j].spec.liq_mode == CAS_LIQ_ENGINE;
        for (uint32_t j = 0; j < ex->n_inst && !engine; j++)
            if (is_perp(ex, j) && pos_at(ex, a, j)->lots != 0)
                cas__set_add(ex, j, a);
        if (engine)
            cas__liquidate_engine(ex, a, NIL);
    }
    return 0;
}

/* Nothing the loop could act on: no position in a risk heap or keeper set, no
 * multi-position account, no job ready (spot-only venues, or nobody levered).
 * The marks' moved flags are left set; they matter only with multi-position
 * accounts, whose arrival sets multi_dirty anyway. */
static bool idle(const struct cas_exchange *ex)
{
    return ex->n_watched == 0 && ex->n_multi == 0 && ex->ready_head == ex->n_ready;
}

int cas__risk_run(struct cas_exchange *ex)
{
    if (ex->in_risk || idle(ex))
        return 0;
    ex->in_risk = true;
    int rc = 0;
    for (;;) {
        for (uint32_t i = 0; i < ex->n_inst; i++)
            scan_instrument(ex, i);
        if ((rc = scan_multi(ex)))
            break;
        if (ex->ready_head == ex->n_ready)
            break;
        uint32_t j = ex->ready[ex->ready_head++];
        if (ex->ready_head == ex->n_ready)
            ex->ready_head = ex->n_ready = 0;
        if ((rc = cas__work_job(ex, j)))
            break;
    }
    ex->in_risk = false;
    return rc;
}

/* A new step: throttles start afresh and every waiting job is ready again. */
int cas__jobs_resume(struct cas_exchange *ex, cas_step step)
{
    ex->step = step;
    for (uint32_t i = 0; i < ex->n_inst; i++)
        ex->inst[i].liq_used = 0;
    for (uint32_t k = 0; k < ex->n_waiting; k++)
        if (push_ready(ex, ex->waiting[k]))
            return CAS_ENOMEM;
    ex->n_waiting = 0;
    return 0;
}

/* ---- keeper mode ---- */

static int keeper_screen(const struct cas_exchange *ex, uint32_t keeper, uint32_t target,
                         uint32_t i, cas_lots lots)
{
    if (keeper >= ex->n_acct || target >= ex->n_acct || keeper == target || i >= ex->n_inst ||
        lots < 1 || !is_perp(ex, i) || ex->inst[i].spec.liq_mode != CAS_LIQ_KEEPER)
        return CAS_EINVAL;
    if (!cas__position_liquidatable(ex, target, i))
        return CAS_ENOTFOUND;
    if (ex->acct[keeper].live_jobs > 0)
        return CAS_EINVAL;
    return 0;
}

/* Move q lots from target to keeper, the buyer paying num / 1e6 by the
 * global rule; a target left flat with negative cash has it paid by the fund
 * (isolated: in cas__position_change; cross: here). */
static void keeper_transfer(struct cas_exchange *ex, uint32_t keeper, uint32_t target, uint32_t i,
                            cas_lots q, i128 num)
{
    bool target_long = pos_at(ex, target, i)->lots > 0;
    cas_money recv, pay = cas__pay(ex, num, CAS_PPM, &recv);
    if (target_long) {
        cas__position_change(ex, target, i, -q, recv, 0, true);
        cas__position_change(ex, keeper, i, q, -pay, 0, false);
    } else {
        cas__position_change(ex, target, i, q, -pay, 0, true);
        cas__position_change(ex, keeper, i, -q, recv, 0, false);
    }
    struct account *ta = &ex->acct[target];
    if (ta->mode == CAS_CROSS && ta->n_perp == 0 && ta->cash < 0) {
        cas__fund_pay(ex, -ta->cash); /* bad debt */
        ex->pools -= ta->cash;
        ta->cash = 0;
        cas__account_refresh(ex, target);
    }
}

/* clang-format off */
int cas__keeper_liquidate(struct cas_exchange *ex, uint32_t keeper, uint32_t target,
                          uint32_t instrument, cas_lots lots, cas_lots *taken)
{
    *taken = 0;
    int rc = keeper_screen(ex, keeper, target, instrument, lots);
    if (rc)
        return rc;
    const struct instrument *in = &ex->inst[instrument];
    struct position *p = pos_at(ex, target, instrument);
    cas_lots al = abs_lots(p->lots);
    int64_t cf = in->spec.close_factor_ppm > 0 ? in->spec.close_factor_ppm : CAS_PPM;
    cas_lots cap = (cas_lots)((i128)al * cf / CAS_PPM), q = lots;
    cap = cap < 1 ? 1 : cap;
    q = q < cap ? q : cap;
    q = q < al ? q : al;
    bool target_long = p->lots > 0;
    int64_t adj = target_long ? CAS_PPM - in->spec.liq_bonus_ppm : CAS_PPM + in->spec.liq_bonus_ppm;
    i128 num = (i128)q * in->mark * in->spec.contract_units * adj; /* buyer pays num / 1e6 */
    i128 unit = (i128)in->mark * adj;
    cas_ticks px = (cas_ticks)(target_long ? div_ceil(unit, CAS_PPM) : div_floor(unit, CAS_PPM));
    if (!cas__margin_ok(ex, keeper, instrument, target_long ? CAS_BUY : CAS_SELL, q,
                        px < 1 ? 1 : px, 0))
        return CAS_EINVAL;
    struct cas_position_view before;
    cas__position_view(ex, target, instrument, &before);
    const struct set_entry *se = cas__set_find(ex, instrument, target);
    struct cas_cause cause = se ? se->cause : ex->cause;
    cas__cancel_account_orders(ex, target, ex->acct[target].mode == CAS_CROSS ? NIL : instrument);
    cas_money fund_before = ex->fund;
    keeper_transfer(ex, keeper, target, instrument, q, num);
    struct account *ta = &ex->acct[target];
    ta->liquidations++;
    ex->n_keeper++;
    cas_money notional = notional_held(q, in->mark, in->spec.contract_units);
    ex->liq_notional = cas_money_add_held(ex->liq_notional, notional);
    struct cas_liquidation l = {.id = ++ex->n_liq, .step = ex->step, .account = target,
                                .instrument = instrument,
                                .side = target_long ? CAS_BUY : CAS_SELL, .lots = q,
                                .mark = in->mark, .notional = notional, .bankruptcy = before.bankruptcy,
                                .liquidation = before.liquidation, .leverage = ta->leverage,
                                .mode = CAS_LIQ_KEEPER, .keeper = keeper, .cause = cause};
    emit_liquidation(ex, &l);
    journal_liquidation(ex, l.instrument, l.id, true); /* a keeper's take-over is done at once */
    if (ex->obs.on_liquidation_done) {
        struct cas_liquidation_done d = {.id = l.id, .step = ex->step, .filled = q,
                                         .fill_vwap = (double)num / CAS_PPM / (double)q /
                                                      (double)in->spec.contract_units,
                                         .insurance_change = ex->fund - fund_before};
        ex->obs.on_liquidation_done(ex->obs.ctx, &d);
    }
    *taken = q;
    ex->cause = (struct cas_cause){CAS_CAUSE_LIQUIDATION, l.id};
    return cas__risk_run(ex);
}
/* clang-format on */
