/* check: cas_exchange_check, every invariant of the exchange recomputed from
 * scratch (slow: for tests).
 *
 * Money: the running totals (cash pools, open interest) equal a scan of every
 * account and job, and held == deposited exactly. Lots: long == short on every perpetual
 * (jobs included) and the lots of a spot instrument sum to zero. Resting lots
 * per account and side equal what the books hold. Risk heaps: heap order, slot
 * back-pointers, and each position present iff it should be, with the trigger
 * an exhaustive bisection finds. Liquidations: in engine mode no position or
 * multi-position account is left liquidatable; in keeper mode the set holds
 * exactly the liquidatable positions. The open lists hold exactly the open
 * positions; what reads the index instead of scanning (count_under_water,
 * the liquidation candidates, the ADL queue) agrees with a scan. Every book
 * passes cas_book_check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/exchangeInt.h"

/* The running totals against a scan of every account and job. */
static bool check_running(const struct cas_exchange *ex, char *why, size_t len)
{
    cas_money pools = 0;
    for (uint32_t a = 0; a < ex->n_acct; a++) {
        pools += ex->acct[a].cash;
        for (uint32_t i = 0; i < ex->n_inst; i++)
            pools += pos_at(ex, a, i)->cash;
    }
    for (uint32_t j = 0; j < ex->n_jobs; j++)
        pools += ex->jobs[j].live ? ex->jobs[j].cash : 0;
    if (pools != ex->pools)
        return cas_check_failed(why, len, "money: running cash %lld != scanned %lld",
                                (long long)ex->pools, (long long)pools);
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        cas_lots oi[2] = {0, 0};
        for (uint32_t a = 0; a < ex->n_acct; a++) {
            cas_lots q = pos_at(ex, a, i)->lots;
            oi[q < 0] += abs_lots(q);
        }
        for (uint32_t j = 0; j < ex->n_jobs; j++) {
            const struct job *jb = &ex->jobs[j];
            if (jb->live && jb->instrument == i)
                oi[jb->lots < 0] += abs_lots(jb->lots);
        }
        if (oi[0] != ex->inst[i].oi[0] || oi[1] != ex->inst[i].oi[1])
            return cas_check_failed(
                why, len,
                "lots: instrument %u running open interest %lld/%lld != scanned "
                "%lld/%lld",
                i, (long long)ex->inst[i].oi[0], (long long)ex->inst[i].oi[1], (long long)oi[0],
                (long long)oi[1]);
    }
    return true;
}

static bool check_money(const struct cas_exchange *ex, char *why, size_t len)
{
    if (!check_running(ex, why, len))
        return false;
    uint32_t watched = 0;
    for (uint32_t i = 0; i < ex->n_inst; i++)
        watched += ex->inst[i].heap[0].n + ex->inst[i].heap[1].n + ex->inst[i].set_n;
    if (watched != ex->n_watched)
        return cas_check_failed(why, len, "risk: %u entries in the heaps and sets, %u counted",
                                watched, ex->n_watched);
    struct cas_exchange_totals t;
    cas_exchange_totals(ex, &t);
    if (t.held != t.deposited)
        return cas_check_failed(why, len, "money: held %lld != deposited %lld", (long long)t.held,
                                (long long)t.deposited);
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        cas_lots l, s;
        cas_exchange_open_interest(ex, i, &l, &s);
        if (l != s)
            return cas_check_failed(why, len, "lots: instrument %u long %lld != short %lld", i,
                                    (long long)l, (long long)s);
    }
    return true;
}

struct resting {
    const struct cas_book *book;
    enum cas_side side;
    cas_lots *open; /* per account x side */
    bool ok;
};

static bool sum_order(void *ctx, const struct cas_order_info *o)
{
    struct resting *r = ctx;
    uint64_t hi = o->id >> SEQ_BITS;
    if (hi == 0 || hi > MAX_ACCOUNTS) {
        r->ok = false;
        return false;
    }
    r->open[(hi - 1) * 2 + r->side] += o->qty;
    return true;
}

static bool sum_level(void *ctx, const struct cas_level_info *l)
{
    struct resting *r = ctx;
    cas_book_level_orders(r->book, r->side, l->price, sum_order, r);
    return r->ok;
}

static bool check_books(const struct cas_exchange *ex, char *why, size_t len)
{
    cas_lots *open = malloc(((size_t)ex->n_acct + 1) * 2 * sizeof *open);
    if (!open)
        return cas_check_failed(why, len, "out of memory checking");
    bool ok = true;
    for (uint32_t i = 0; i < ex->n_inst && ok; i++) {
        if (!(ok = cas_book_check(ex->inst[i].book, why, len)))
            break;
        for (size_t k = 0; k < ((size_t)ex->n_acct + 1) * 2; k++)
            open[k] = 0;
        for (int s = 0; s < 2 && ok; s++) {
            struct resting r = {
                .book = ex->inst[i].book, .side = (enum cas_side)s, .open = open, .ok = true};
            cas_book_levels(r.book, r.side, sum_level, &r);
            ok = r.ok || cas_check_failed(why, len, "book %u: an order of no account rests", i);
        }
        for (uint32_t a = 0; a < ex->n_acct && ok; a++) {
            const struct position *p = pos_at(ex, a, i);
            if (p->open[0] != open[a * 2] || p->open[1] != open[a * 2 + 1])
                ok = cas_check_failed(why, len,
                                      "account %u instrument %u: resting lots %lld/%lld, book "
                                      "%lld/%lld",
                                      a, i, (long long)p->open[0], (long long)p->open[1],
                                      (long long)open[a * 2], (long long)open[a * 2 + 1]);
        }
    }
    free(open);
    return ok;
}

static bool check_heaps(const struct cas_exchange *ex, char *why, size_t len)
{
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        for (int s = 0; s < 2; s++) {
            const struct risk_heap *h = &ex->inst[i].heap[s];
            for (uint32_t k = 0; k < h->n; k++) {
                const struct heap_entry *e = &h->v[k], *par = &h->v[k > 0 ? (k - 1) / 2 : 0];
                const struct position *p = pos_at(ex, e->account, i);
                if (p->heap_idx != k || (int)p->heap_side != s || p->trigger != e->trigger)
                    return cas_check_failed(why, len, "heap %u/%d: slot %u of account %u is stale",
                                            i, s, k, e->account);
                bool order = s == CAS_BUY ? par->trigger >= e->trigger : par->trigger <= e->trigger;
                if (k > 0 && (!order || (par->trigger == e->trigger && par->account > e->account)))
                    return cas_check_failed(why, len, "heap %u/%d: order broken at slot %u", i, s,
                                            k);
            }
        }
    }
    return true;
}

/* Position (a, i) is in its heap iff it should be, with the exact trigger. */
static bool check_index(const struct cas_exchange *ex, uint32_t a, uint32_t i, char *why,
                        size_t len)
{
    const struct position *p = pos_at(ex, a, i);
    const struct account *ac = &ex->acct[a];
    bool want = is_perp(ex, i) && p->lots != 0 && !p->liquidating && !p->in_set &&
                (ac->mode == CAS_ISOLATED || ac->n_perp == 1);
    cas_ticks t = 0;
    if (want) {
        t = cas__trigger(&ex->inst[i], p->lots, cas__backing_cash(ex, a, i), true);
        want = p->lots > 0 ? t != TRIGGER_NONE_LONG : t != TRIGGER_NONE_SHORT;
    }
    if (want != (p->heap_idx != NIL))
        return cas_check_failed(why, len, "account %u instrument %u: %s the risk heap", a, i,
                                want ? "missing from" : "wrongly in");
    if (want && p->trigger != t)
        return cas_check_failed(why, len, "account %u instrument %u: trigger %lld, exact %lld", a,
                                i, (long long)p->trigger, (long long)t);
    return true;
}

static bool check_liquidatable(const struct cas_exchange *ex, uint32_t a, uint32_t i, char *why,
                               size_t len)
{
    const struct position *p = pos_at(ex, a, i);
    bool liq = !ex->no_liquidation && cas__position_liquidatable(ex, a, i);
    if (ex->inst[i].spec.liq_mode == CAS_LIQ_ENGINE && liq)
        return cas_check_failed(why, len, "account %u instrument %u: liquidatable, not liquidated",
                                a, i);
    if (ex->inst[i].spec.liq_mode == CAS_LIQ_KEEPER && liq != p->in_set)
        return cas_check_failed(why, len, "account %u instrument %u: liquidatable %d but listed %d",
                                a, i, liq, p->in_set);
    if (p->in_set != (cas__set_find(ex, i, a) != NULL))
        return cas_check_failed(why, len, "account %u instrument %u: keeper set flag", a, i);
    return true;
}

static bool check_account(const struct cas_exchange *ex, uint32_t a, char *why, size_t len)
{
    const struct account *ac = &ex->acct[a];
    uint32_t n_perp = 0, jobs = 0;
    for (uint32_t i = 0; i < ex->n_inst; i++) {
        const struct position *p = pos_at(ex, a, i);
        n_perp += is_perp(ex, i) && p->lots != 0;
        bool iso = is_perp(ex, i) && ac->mode == CAS_ISOLATED;
        if (p->cash != 0 && (!iso || p->lots == 0))
            return cas_check_failed(why, len, "account %u instrument %u: stray position cash %lld",
                                    a, i, (long long)p->cash);
        if (p->liquidating && p->lots != 0)
            return cas_check_failed(why, len, "account %u instrument %u: open while liquidating", a,
                                    i);
        if (!check_index(ex, a, i, why, len) || !check_liquidatable(ex, a, i, why, len))
            return false;
    }
    for (uint32_t j = 0; j < ex->n_jobs; j++)
        jobs += ex->jobs[j].live && ex->jobs[j].account == a;
    if (n_perp != ac->n_perp || jobs != ac->live_jobs)
        return cas_check_failed(why, len, "account %u: counts n_perp %u/%u jobs %u/%u", a,
                                ac->n_perp, n_perp, ac->live_jobs, jobs);
    bool multi = ac->mode == CAS_CROSS && n_perp >= 2;
    if (multi != (ac->multi_idx != NIL) || (multi && ex->multi[ac->multi_idx] != a))
        return cas_check_failed(why, len, "account %u: multi list membership", a);
    return true;
}

/* The open list holds exactly the open positions, each at its slot. */
static bool check_open(const struct cas_exchange *ex, uint32_t i, char *why, size_t len)
{
    const struct instrument *in = &ex->inst[i];
    uint32_t n = 0;
    for (uint32_t a = 0; a < ex->n_acct; a++) {
        const struct position *p = pos_at(ex, a, i);
        n += p->lots != 0;
        bool listed = p->open_idx != NIL && p->open_idx < in->n_open && in->open[p->open_idx] == a;
        if ((p->lots != 0) != listed || (p->lots == 0 && p->open_idx != NIL))
            return cas_check_failed(why, len, "account %u instrument %u: open list slot", a, i);
    }
    if (n != in->n_open)
        return cas_check_failed(why, len, "instrument %u: %u open positions, %u listed", i, n,
                                in->n_open);
    return true;
}

/* The readers of the risk index against full scans: count_under_water, the
 * liquidation candidates of two windows around the mark (each account whose
 * liquidation price is in the window must be among them) and the ADL queue of
 * each side (the same order as a sort). */
static int cmp_ranked(const void *x, const void *y)
{
    const struct cas__ranked *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank > b->rank ? -1 : 1;
    return (a->account > b->account) - (a->account < b->account);
}

static bool check_readers(const struct cas_exchange *ex, uint32_t i, char *why, size_t len)
{
    uint32_t under = 0, *acc = NULL, n = 0, cap = 0, rn = 0, rcap = 0;
    struct cas__ranked *r = NULL, *sorted = NULL;
    bool ok = true;
    for (uint32_t a = 0; a < ex->n_acct; a++)
        under += cas__position_liquidatable(ex, a, i);
    if (under != cas_exchange_count_under_water(ex, i))
        ok = cas_check_failed(why, len, "instrument %u: %u under water, counted %u", i, under,
                              cas_exchange_count_under_water(ex, i));
    double m = (double)ex->inst[i].mark, windows[2][2] = {{m * 0.75, m * 1.25}, {m * 0.99, m}};
    for (int w = 0; w < 2 && ok; w++) {
        if (cas_exchange_liquidation_candidates(ex, i, windows[w][0], windows[w][1], &acc, &n,
                                                &cap))
            continue; /* out of memory: nothing to compare */
        for (uint32_t a = 0, k = 0; a < ex->n_acct && ok; a++) {
            struct cas_position_view v;
            cas__position_view(ex, a, i, &v);
            while (k < n && acc[k] < a)
                k++;
            bool in =
                v.lots != 0 && v.liquidation >= windows[w][0] && v.liquidation <= windows[w][1];
            if (in && (k == n || acc[k] != a))
                ok = cas_check_failed(why, len,
                                      "instrument %u: account %u (liquidation %.3f) missing from "
                                      "the candidates of [%.3f, %.3f]",
                                      i, a, v.liquidation, windows[w][0], windows[w][1]);
        }
    }
    for (int side = 0; side < 2 && ok; side++) {
        if (cas__adl_ranks(ex, i, side == 0, &r, &rn, &rcap))
            break;
        free(sorted);
        if (!(sorted = malloc((rn ? rn : 1) * sizeof *sorted)))
            break;
        memcpy(sorted, r, rn * sizeof *r);
        qsort(sorted, rn, sizeof *sorted, cmp_ranked);
        cas__adl_queue(r, rn);
        for (uint32_t k = 0; rn > 0 && ok; k++)
            if (cas__adl_next(r, &rn) != sorted[k].account)
                ok = cas_check_failed(why, len,
                                      "instrument %u: ADL queue differs from the sort "
                                      "at %u",
                                      i, k);
    }
    free(acc);
    free(r);
    free(sorted);
    return ok;
}

bool cas_exchange_check(const struct cas_exchange *ex, char *why, size_t why_len)
{
    if (!check_money(ex, why, why_len) || !check_heaps(ex, why, why_len))
        return false;
    for (uint32_t i = 0; i < ex->n_inst; i++)
        if (!check_open(ex, i, why, why_len) ||
            (is_perp(ex, i) && !check_readers(ex, i, why, why_len)))
            return false;
    for (uint32_t a = 0; a < ex->n_acct; a++)
        if (!check_account(ex, a, why, why_len))
            return false;
    for (uint32_t j = 0; j < ex->n_jobs; j++) {
        const struct job *jb = &ex->jobs[j];
        if (jb->live && !pos_at(ex, jb->account, jb->instrument)->liquidating)
            return cas_check_failed(why, why_len, "job %u: its position is not marked liquidating",
                                    j);
        if (jb->live && jb->lots != 0 && (jb->lots > 0) != (jb->lots0 > 0))
            return cas_check_failed(why, why_len, "job %u: lots %lld of %lld", j,
                                    (long long)jb->lots, (long long)jb->lots0);
    }
    return check_books(ex, why, why_len);
}
