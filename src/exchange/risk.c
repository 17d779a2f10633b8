/* risk: the risk heaps, re-indexing of positions, the cascade loop, the keeper
 * set, funding and dynamic margin.
 *
 * A position is re-indexed (its trigger recomputed exactly and its heap slot
 * re-keyed) whenever its lots or backing cash change; that costs a few
 * predicate evaluations (the search gallops from the closed-form estimate)
 * and O(log n) heap moves, and scans nothing. After every operation the risk
 * loop pops, per instrument, the entries the mark has crossed, in crossing
 * order (longs: highest trigger first; shorts: lowest; ties by account), and
 * liquidates them; then it checks the cross accounts with several perpetual
 * positions (the multi list) by full computation if any mark moved or one of
 * them changed (O(multi accounts) per mark move: such accounts are expected
 * to be few); then it works one order of the first ready engine job, whose
 * fills move the mark, and starts over, until nothing is crossed and no job
 * is ready. A worklist, not recursion: a cascade of any length uses constant
 * stack. Liquidations found in a round record as cause ex->cause: the cause of
 * the operation, or of the liquidation whose order last moved the mark.
 */
#include <stdlib.h>
#include <string.h>

#include "exchange/exchangeInt.h"

/* ---- indexed heaps ---- */

static bool before(enum cas_side side, const struct heap_entry *x, const struct heap_entry *y)
{
    if (x->trigger != y->trigger)
        return side == CAS_BUY ? x->trigger > y->trigger : x->trigger < y->trigger;
    return x->account < y->account;
}

static void heap_put(struct cas_exchange *ex, uint32_t i, enum cas_side s, uint32_t k,
                     struct heap_entry e)
{
    ex->inst[i].heap[s].v[k] = e;
    struct position *p = pos_at(ex, e.account, i);
    p->heap_idx = k;
    p->heap_side = s;
}

static void sift_up(struct cas_exchange *ex, uint32_t i, enum cas_side s, uint32_t k)
{
    struct risk_heap *h = &ex->inst[i].heap[s];
    struct heap_entry e = h->v[k];
    while (k > 0) {
        uint32_t parent = (k - 1) / 2;
        if (!before(s, &e, &h->v[parent]))
            break;
        heap_put(ex, i, s, k, h->v[parent]);
        k = parent;
    }
    heap_put(ex, i, s, k, e);
}

static void sift_down(struct cas_exchange *ex, uint32_t i, enum cas_side s, uint32_t k)
{
    struct risk_heap *h = &ex->inst[i].heap[s];
    struct heap_entry e = h->v[k];
    for (;;) {
        uint32_t c = 2 * k + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(s, &h->v[c + 1], &h->v[c]))
            c++;
        if (!before(s, &h->v[c], &e))
            break;
        heap_put(ex, i, s, k, h->v[c]);
        k = c;
    }
    heap_put(ex, i, s, k, e);
}

void cas__heap_remove(struct cas_exchange *ex, uint32_t i, uint32_t a)
{
    struct position *p = pos_at(ex, a, i);
    if (p->heap_idx == NIL)
        return;
    enum cas_side s = p->heap_side;
    struct risk_heap *h = &ex->inst[i].heap[s];
    uint32_t k = p->heap_idx;
    p->heap_idx = NIL;
    struct heap_entry last = h->v[--h->n];
    ex->n_watched--;
    if (k == h->n)
        return;
    heap_put(ex, i, s, k, last);
    sift_up(ex, i, s, k);
    sift_down(ex, i, s, pos_at(ex, last.account, i)->heap_idx);
}

/* Insert or re-key; false when out of memory (the position stays out). */
static bool heap_set(struct cas_exchange *ex, uint32_t i, enum cas_side s, uint32_t a,
                     cas_ticks trigger)
{
    struct position *p = pos_at(ex, a, i);
    struct risk_heap *h = &ex->inst[i].heap[s];
    if (p->heap_idx != NIL && h->v[p->heap_idx].trigger == trigger)
        return true; /* same key: nothing moves */
    if (p->heap_idx == NIL) {
        if (cas__grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v))
            return false;
        p->heap_idx = h->n++;
        p->heap_side = s;
        ex->n_watched++;
    }
    uint32_t k = p->heap_idx;
    h->v[k] = (struct heap_entry){.trigger = trigger, .account = a};
    sift_up(ex, i, s, k);
    sift_down(ex, i, s, p->heap_idx);
    return true;
}

/* ---- re-indexing ---- */

void cas__reindex(struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    struct position *p = pos_at(ex, a, i);
    const struct account *ac = &ex->acct[a];
    bool want = is_perp(ex, i) && p->lots != 0 && !p->liquidating && !p->in_set &&
                (ac->mode == CAS_ISOLATED || ac->n_perp == 1);
    cas_ticks t = 0;
    enum cas_side s = p->lots > 0 ? CAS_BUY : CAS_SELL;
    if (want) {
        t = cas__trigger(&ex->inst[i], p->lots, cas__backing_cash(ex, a, i), false);
        want = s == CAS_BUY ? t != TRIGGER_NONE_LONG : t != TRIGGER_NONE_SHORT;
    }
    if (p->heap_idx != NIL && (!want || p->heap_side != s))
        cas__heap_remove(ex, i, a);
    if (want && heap_set(ex, i, s, a, t))
        p->trigger = t;
}

static void multi_add(struct cas_exchange *ex, uint32_t a)
{
    if (cas__grow((void **)&ex->multi, &ex->cap_multi, ex->n_multi + 1, sizeof *ex->multi))
        return; /* out of memory: the account is checked by no one; cas_exchange_check says so */
    ex->acct[a].multi_idx = ex->n_multi;
    ex->multi[ex->n_multi++] = a;
}

static void multi_remove(struct cas_exchange *ex, uint32_t a)
{
    uint32_t k = ex->acct[a].multi_idx, last = ex->multi[--ex->n_multi];
    ex->multi[k] = last;
    ex->acct[last].multi_idx = k;
    ex->acct[a].multi_idx = NIL;
}

/* A cross account changed (cash or lots): move it between the heaps and the
 * multi list as its number of perpetual positions says, and re-index. */
void cas__account_refresh(struct cas_exchange *ex, uint32_t a)
{
    struct account *ac = &ex->acct[a];
    bool multi = ac->n_perp >= 2;
    if (multi && ac->multi_idx == NIL)
        multi_add(ex, a);
    else if (!multi && ac->multi_idx != NIL)
        multi_remove(ex, a);
    if (multi)
        ex->multi_dirty = true;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, a, j);
        if (is_perp(ex, j) && (p->lots != 0 || p->heap_idx != NIL))
            cas__reindex(ex, a, j);
    }
}

/* Position (a, i) changed: re-index what depends on it. */
void cas__touch(struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    const struct account *ac = &ex->acct[a];
    /* a spot trade of a cross account with no perpetual position (none open,
     * so none in a heap or the multi list) leaves nothing to re-index */
    if (ac->mode == CAS_CROSS && !is_perp(ex, i) && ac->n_perp == 0 && ac->multi_idx == NIL)
        return;
    if (ac->mode == CAS_CROSS)
        cas__account_refresh(ex, a);
    else if (is_perp(ex, i))
        cas__reindex(ex, a, i);
}

/* ---- keeper set ---- */

static uint32_t set_lower(const struct instrument *in, uint32_t a)
{
    uint32_t lo = 0, hi = in->set_n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (in->set[mid].account < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct set_entry *cas__set_find(const struct cas_exchange *ex, uint32_t i, uint32_t a)
{
    const struct instrument *in = &ex->inst[i];
    uint32_t k = set_lower(in, a);
    return k < in->set_n && in->set[k].account == a ? &in->set[k] : NULL;
}

static void set_add(struct cas_exchange *ex, uint32_t i, uint32_t a)
{
    struct instrument *in = &ex->inst[i];
    struct position *p = pos_at(ex, a, i);
    if (p->in_set || cas__grow((void **)&in->set, &in->set_cap, in->set_n + 1, sizeof *in->set))
        return;
    uint32_t k = set_lower(in, a);
    memmove(&in->set[k + 1], &in->set[k], (in->set_n - k) * sizeof *in->set);
    in->set[k] = (struct set_entry){.account = a, .cause = ex->cause};
    in->set_n++;
    ex->n_watched++;
    p->in_set = true;
    cas__heap_remove(ex, i, a);
}

void cas__set_remove(struct cas_exchange *ex, uint32_t i, uint32_t a)
{
    struct instrument *in = &ex->inst[i];
    uint32_t k = set_lower(in, a);
    if (k < in->set_n && in->set[k].account == a) {
        memmove(&in->set[k], &in->set[k + 1], (in->set_n - k - 1) * sizeof *in->set);
        in->set_n--;
        ex->n_watched--;
    }
    pos_at(ex, a, i)->in_set = false;
}

/* Drop from the set the positions no longer liquidatable, and index them. */
static void set_verify(struct cas_exchange *ex, uint32_t i)
{
    struct instrument *in = &ex->inst[i];
    for (uint32_t k = in->set_n; k-- > 0;) {
        uint32_t a = in->set[k].account;
        if (cas__position_liquidatable(ex, a, i))
            continue;
        cas__set_remove(ex, i, a);
        cas__reindex(ex, a, i);
    }
}

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

uint32_t cas_exchange_count_under_water(const struct cas_exchange *ex, uint32_t instrument)
{
    uint32_t n = 0;
    if (instrument >= ex->n_inst || !is_perp(ex, instrument))
        return 0;
    for (uint32_t a = 0; a < ex->n_acct; a++)
        if (pos_at(ex, a, instrument)->lots != 0 && cas__position_liquidatable(ex, a, instrument))
            n++;
    return n;
}

/* ---- the risk loop ---- */

static void liquidate(struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    if (ex->inst[i].spec.liq_mode == CAS_LIQ_KEEPER)
        set_add(ex, i, a);
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
        set_verify(ex, i);
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
                set_add(ex, j, a);
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

/* ---- funding and dynamic margin ---- */

/* Re-index every open position on instrument i (its backing changed). */
static void reindex_instrument(struct cas_exchange *ex, uint32_t i)
{
    for (uint32_t a = 0; a < ex->n_acct; a++)
        if (pos_at(ex, a, i)->lots != 0)
            cas__touch(ex, a, i);
}

int cas_exchange_pay_funding(struct cas_exchange *ex, uint32_t instrument, int64_t rate_ppm)
{
    if (instrument >= ex->n_inst || !is_perp(ex, instrument))
        return CAS_EINVAL;
    const struct instrument *in = &ex->inst[instrument];
    i128 unit = (i128)in->mark * in->spec.contract_units * rate_ppm, paid = 0, received = 0;
    for (uint32_t a = 0; a < ex->n_acct; a++) {
        struct position *p = pos_at(ex, a, instrument);
        if (p->lots == 0)
            continue;
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
    reindex_instrument(ex, instrument);
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
    reindex_instrument(ex, instrument);
    ex->multi_dirty = true;
    ex->cause = (struct cas_cause){CAS_CAUSE_MARGIN, (uint64_t)scale_ppm};
    return cas__risk_run(ex);
}
