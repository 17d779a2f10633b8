/* cascades: liquidations linked into causal trees, and each tree measured.
 *
 * A liquidation whose recorded cause is another liquidation (its orders moved
 * the mark across this one's trigger) is that one's child; any other cause
 * (a shock, an index move, an agent's order, funding, a margin change) makes
 * it a root. Causes always point back in time, so one pass in id order
 * builds the forest. Each tree is a cascade, measured on its root's
 * instrument from the step before it started to the step its last member was
 * triggered, and after it for the recovery.
 */
#ifndef CASCADE_CASCADES_H
#define CASCADE_CASCADES_H

#include <stdio.h>

#include "cascade/exchange.h"

struct cas_cascade {
    uint64_t id;              /* 1, 2, ... in order of their roots */
    uint64_t root;            /* the root liquidation's id */
    struct cas_cause cause;   /* the root's cause */
    uint32_t instrument;      /* the root's */
    enum cas_side side;       /* the root's position side: a long cascade pushes the price down */
    cas_step start, end;      /* steps the first and the last member were triggered */
    uint32_t generations;     /* depth of the tree: 1 for a lone liquidation */
    uint64_t liquidations;
    cas_money notional;       /* members' notional at their marks */
    double price_start;       /* ticks, at the end of the step before start */
    double price_extreme;     /* the lowest (long) or highest (short) from start to end */
    double price_end;         /* at the end of step `end` */
    double move_bps;          /* (start - extreme) / start, in bp, positive in the cascade's direction */
    cas_step extreme_step;
    cas_step recovery_steps;  /* steps after the extreme until half the move was undone; -1 never */
};

/* Build the cascades of `n` liquidations given in id order (ids 1..n) from
 * the per-step price of each instrument: prices[step * n_instruments + i]
 * for steps 0..n_steps-1 (the price at the end of that step). Returns how
 * many cascades were written to out (room for n; there are at most n). */
size_t cas_cascades_build(const struct cas_liquidation *liqs, const cas_money *notional, size_t n,
                          const double *prices, cas_step n_steps, uint32_t n_instruments,
                          struct cas_cascade *out);

#endif
