/* cascades: the causal forest of liquidations and the measures of each tree.
 * See include/cascade/cascades.h for what a cascade is and how it is measured. */
#include <math.h>
#include <stdlib.h>

#include "cascade/cascades.h"

static size_t at(const struct cas_price_path *p, cas_step t, uint32_t i)
{
    return (size_t)t * p->n_instruments + i;
}

/* Whether p lies beyond e in the cascade's direction (lower for a long one). */
static bool beyond(double sign, double p, double e)
{
    return !isnan(p) && sign * (e - p) > 0;
}

/* Price measures of one cascade, once its members and span are known. */
static void measure(struct cas_cascade *c, const struct cas_price_path *p)
{
    uint32_t i = c->instrument;
    double sign = c->side == CAS_BUY ? 1 : -1; /* a long cascade moves the price down */
    cas_step last = c->finish >= 0 && c->finish < p->n_steps ? c->finish : p->n_steps - 1;
    c->price_start = c->start > 0 ? p->close[at(p, c->start - 1, i)] : p->initial[i];
    c->price_end = p->close[at(p, last, i)];
    c->price_extreme = c->price_start;
    c->extreme_step = c->start;
    for (cas_step t = c->start; t <= last; t++) {
        double trade = sign > 0 ? p->low[at(p, t, i)] : p->high[at(p, t, i)];
        double close = p->close[at(p, t, i)];
        double worst = beyond(sign, close, trade) || isnan(trade) ? close : trade;
        if (beyond(sign, worst, c->price_extreme)) {
            c->price_extreme = worst;
            c->extreme_step = t;
        }
    }
    c->index_at_extreme = p->index[at(p, c->extreme_step, i)];
    c->move_bps = sign * (c->price_start - c->price_extreme) / c->price_start * 1e4;
    c->recovery_steps = -1;
    double half = c->price_extreme + (c->price_start - c->price_extreme) / 2;
    for (cas_step t = c->extreme_step + 1; t < p->n_steps && c->move_bps > 0; t++)
        if (sign * (p->close[at(p, t, i)] - half) >= 0) {
            c->recovery_steps = t - c->extreme_step;
            break;
        }
}

size_t cas_cascades_build(const struct cas_liquidation *liqs, const cas_step *finish,
                          const cas_money *notional, size_t n, const struct cas_price_path *path,
                          struct cas_cascade *out, uint64_t *member_cascade,
                          uint32_t *generation)
{
    size_t *tree = malloc((n ? n : 1) * sizeof *tree);     /* member -> cascade index */
    uint32_t *depth = malloc((n ? n : 1) * sizeof *depth); /* member -> its generation */
    size_t n_out = 0;
    if (!tree || !depth)
        goto out;
    for (size_t k = 0; k < n; k++) {
        const struct cas_liquidation *l = &liqs[k];
        uint64_t parent = l->cause.kind == CAS_CAUSE_LIQUIDATION ? l->cause.id : 0;
        struct cas_cascade *c;
        if (parent >= 1 && parent <= k) { /* a child of an earlier liquidation */
            tree[k] = tree[parent - 1];
            depth[k] = depth[parent - 1] + 1;
            c = &out[tree[k]];
        } else {
            tree[k] = n_out;
            depth[k] = 1;
            c = &out[n_out++];
            *c = (struct cas_cascade){.id = n_out, .root = l->id, .cause = l->cause,
                                      .instrument = l->instrument, .side = l->side,
                                      .start = l->step, .end = l->step, .finish = l->step};
        }
        c->liquidations++;
        c->notional += notional[k];
        if (l->step > c->end)
            c->end = l->step;
        if (c->finish >= 0)
            c->finish = finish[k] < 0 ? -1 : finish[k] > c->finish ? finish[k] : c->finish;
        if (depth[k] > c->generations)
            c->generations = depth[k];
        if (member_cascade)
            member_cascade[k] = tree[k] + 1;
        if (generation)
            generation[k] = depth[k];
    }
    if (path && path->n_steps > 0)
        for (size_t c = 0; c < n_out; c++)
            measure(&out[c], path);
out:
    free(tree);
    free(depth);
    return n_out;
}
