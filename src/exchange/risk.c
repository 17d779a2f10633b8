/* risk: the risk index — which positions the mark could put under water.
 *
 * A position is re-indexed (its trigger recomputed exactly and its heap slot
 * re-keyed) whenever its lots or backing cash change; that costs a few
 * predicate evaluations (the search gallops from the closed-form estimate)
 * and O(log n) heap moves, and scans nothing. Each perpetual has two heaps of
 * trigger ticks (longs: highest first; shorts: lowest; ties by account); the
 * cross accounts with several perpetual positions are on the multi list
 * instead, checked by full computation; a keeper-mode instrument keeps the
 * positions found under water in a sorted set until a keeper takes them. The
 * loop that acts on the index is cas__risk_run (liquidate.c).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/heap.h"
#include "core/coreInt.h"
#include "exchange/exchangeInt.h"

/* ---- indexed heaps ---- */

static bool before(enum cas_side side, const struct heap_entry *x, const struct heap_entry *y)
{
    if (x->trigger != y->trigger)
        return side == CAS_BUY ? x->trigger > y->trigger : x->trigger < y->trigger;
    return x->account < y->account;
}

/* The heaps are CAS_HEAP (cascade/heap.h) with the instrument and side as
 * context; every element that lands in a slot tells its position the slot. */
struct heap_ctx {
    struct cas_exchange *ex;
    uint32_t i;
    enum cas_side s;
};

static inline bool ctx_before(const struct heap_ctx *c, const struct heap_entry *x,
                              const struct heap_entry *y)
{
    return before(c->s, x, y);
}

static inline void placed(const struct heap_ctx *c, const struct heap_entry *v, uint32_t k)
{
    struct position *p = pos_at(c->ex, v[k].account, c->i);
    p->heap_idx = k;
    p->heap_side = c->s;
}

CAS_HEAP(risk_heap, struct heap_entry, const struct heap_ctx *, ctx_before, placed)

/* Restore heap order around slot k after its entry changed or arrived. */
static void settle(struct cas_exchange *ex, uint32_t i, enum cas_side s, uint32_t k)
{
    struct heap_ctx c = {ex, i, s};
    struct risk_heap *h = &ex->inst[i].heap[s];
    uint32_t account = h->v[k].account;
    risk_heap_up(&c, h->v, k);
    risk_heap_down(&c, h->v, h->n, pos_at(ex, account, i)->heap_idx);
}

void cas__heap_remove(struct cas_exchange *ex, uint32_t i, uint32_t a)
{
    struct position *p = pos_at(ex, a, i);
    if (p->heap_idx == NIL)
        return;
    enum cas_side s = p->heap_side;
    struct risk_heap *h = &ex->inst[i].heap[s];
    uint32_t k = p->heap_idx;
    assert(k < h->n && h->v[k].account == a); /* the slot the position knows is its own */
    p->heap_idx = NIL;
    struct heap_entry last = h->v[--h->n];
    ex->n_watched--;
    if (k == h->n)
        return;
    h->v[k] = last;
    settle(ex, i, s, k);
}

/* Insert or re-key; false when out of memory (the position stays out). */
static bool heap_set(struct cas_exchange *ex, uint32_t i, enum cas_side s, uint32_t a,
                     cas_ticks trigger)
{
    struct position *p = pos_at(ex, a, i);
    struct risk_heap *h = &ex->inst[i].heap[s];
    assert(p->heap_idx == NIL ||
           (p->heap_side == s && p->heap_idx < h->n && h->v[p->heap_idx].account == a));
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
    settle(ex, i, s, k);
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

void cas__set_add(struct cas_exchange *ex, uint32_t i, uint32_t a)
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
void cas__set_verify(struct cas_exchange *ex, uint32_t i)
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

/* ---- funding and dynamic margin re-index a whole instrument ---- */

/* Re-index every open position on instrument i (its backing changed: a
 * funding payment, new margin rates). On a perpetual the heaps are rebuilt:
 * each open position's trigger recomputed and appended, then one heapify per
 * side, O(open positions) where a re-key each would cost O(log n) moves in a
 * heap that is being rebuilt anyway. The multi-position accounts are left to
 * the next multi scan (multi_dirty), as cas__account_refresh leaves them. */
void cas__reindex_instrument(struct cas_exchange *ex, uint32_t i)
{
    struct instrument *in = &ex->inst[i];
    if (!is_perp(ex, i)) {
        for (uint32_t k = 0; k < in->n_open; k++)
            cas__touch(ex, in->open[k], i);
        return;
    }
    for (int s = CAS_BUY; s <= CAS_SELL; s++) {
        struct risk_heap *h = &in->heap[s];
        for (uint32_t k = 0; k < h->n; k++)
            pos_at(ex, h->v[k].account, i)->heap_idx = NIL;
        ex->n_watched -= h->n;
        h->n = 0;
    }
    for (uint32_t k = 0; k < in->n_open; k++) {
        uint32_t a = in->open[k];
        struct position *p = pos_at(ex, a, i);
        const struct account *ac = &ex->acct[a];
        if (ac->mode == CAS_CROSS && ac->n_perp >= 2) {
            ex->multi_dirty = true;
            continue;
        }
        if (p->liquidating || p->in_set)
            continue;
        enum cas_side s = p->lots > 0 ? CAS_BUY : CAS_SELL;
        cas_ticks t = cas__trigger(in, p->lots, cas__backing_cash(ex, a, i), false);
        struct risk_heap *h = &in->heap[s];
        if ((s == CAS_BUY ? t == TRIGGER_NONE_LONG : t == TRIGGER_NONE_SHORT) ||
            cas__grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v))
            continue; /* out of memory: the position stays out; cas_exchange_check says so */
        h->v[h->n] = (struct heap_entry){.trigger = t, .account = a};
        p->heap_idx = h->n++;
        p->heap_side = s;
        p->trigger = t;
        ex->n_watched++;
    }
    for (int s = CAS_BUY; s <= CAS_SELL; s++) {
        struct heap_ctx c = {ex, i, (enum cas_side)s};
        risk_heap_make(&c, in->heap[s].v, in->heap[s].n);
    }
}

/* ---- reading the heaps by trigger ---- */

/* The entries of heap (i, s) with a trigger in [lo, hi]: a depth-first walk
 * that stops below any entry past the near end of the range (a long's
 * subtree holds triggers no higher than its root, a short's none lower), so
 * it visits the entries in range, those beyond its far end, and the children
 * where it stops. Accounts are appended to *out (grown), or only counted when
 * out is NULL; 0 or CAS_ENOMEM. */
int cas__heap_range(const struct cas_exchange *ex, uint32_t i, enum cas_side s, cas_ticks lo,
                    cas_ticks hi, uint32_t **out, uint32_t *n, uint32_t *cap)
{
    const struct risk_heap *h = &ex->inst[i].heap[s];
    uint32_t stack[64], top = 0; /* one pending sibling per level: depth <= 32 */
    if (h->n > 0)
        stack[top++] = 0;
    while (top > 0) {
        uint32_t k = stack[--top];
        cas_ticks t = h->v[k].trigger;
        if (s == CAS_BUY ? t < lo : t > hi)
            continue;
        if (t >= lo && t <= hi) {
            if (out && cas__grow((void **)out, cap, *n + 1, sizeof **out))
                return CAS_ENOMEM;
            if (out)
                (*out)[*n] = h->v[k].account;
            (*n)++;
        }
        uint32_t c = 2 * k + 1;
        if (c + 1 < h->n)
            stack[top++] = c + 1;
        if (c < h->n)
            stack[top++] = c;
    }
    return 0;
}
