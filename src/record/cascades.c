/* cascades: the causal forest of liquidations and the measures of each tree.
 * See include/cascade/cascades.h for what a cascade is. */
#include <math.h>
#include <stdlib.h>

#include "cascade/cascades.h"

static double price_at(const double *prices, cas_step n_steps, uint32_t n_instr, cas_step step,
                       uint32_t i)
{
    if (step < 0)
        step = 0;
    if (step >= n_steps)
        step = n_steps - 1;
    return prices[(size_t)step * n_instr + i];
}

/* Price path measures of one cascade, once its members are known. */
static void measure(struct cas_cascade *c, const double *prices, cas_step n_steps,
                    uint32_t n_instr)
{
    double sign = c->side == CAS_BUY ? 1 : -1; /* a long cascade moves the price down */
    c->price_start = price_at(prices, n_steps, n_instr, c->start - 1, c->instrument);
    c->price_end = price_at(prices, n_steps, n_instr, c->end, c->instrument);
    c->price_extreme = c->price_start;
    c->extreme_step = c->start;
    for (cas_step t = c->start; t <= c->end && t < n_steps; t++) {
        double p = price_at(prices, n_steps, n_instr, t, c->instrument);
        if (sign * (c->price_extreme - p) > 0) {
            c->price_extreme = p;
            c->extreme_step = t;
        }
    }
    c->move_bps = sign * (c->price_start - c->price_extreme) / c->price_start * 1e4;
    c->recovery_steps = -1;
    double half = c->price_extreme + (c->price_start - c->price_extreme) / 2;
    for (cas_step t = c->extreme_step + 1; t < n_steps && c->move_bps > 0; t++)
        if (sign * (price_at(prices, n_steps, n_instr, t, c->instrument) - half) >= 0) {
            c->recovery_steps = t - c->extreme_step;
            break;
        }
}

size_t cas_cascades_build(const struct cas_liquidation *liqs, const cas_money *notional, size_t n,
                          const double *prices, cas_step n_steps, uint32_t n_instr,
                          struct cas_cascade *out)
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
                                      .start = l->step, .end = l->step};
        }
        c->liquidations++;
        c->notional += notional[k];
        if (l->step > c->end)
            c->end = l->step;
        if (depth[k] > c->generations)
            c->generations = depth[k];
    }
    if (n_steps > 0)
        for (size_t c = 0; c < n_out; c++)
            measure(&out[c], prices, n_steps, n_instr);
out:
    free(tree);
    free(depth);
    return n_out;
}
