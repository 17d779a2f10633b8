/* cascades: liquidations linked into causal trees, and each tree measured.
 *
 * A liquidation whose recorded cause is another liquidation (its orders moved
 * the mark across this one's trigger) is that one's child; any other cause
 * (a shock, an index move, an agent's order, funding, a margin change) makes
 * it a root. Causes always point back in time, so one pass in id order
 * builds the forest. Each tree is a cascade.
 *
 * A cascade's span runs from the step its first member was triggered to the
 * step the last of its members' liquidation orders was finished (filled,
 * cancelled, handed to ADL or to the insurance fund). Its price figures are
 * measured on its root's instrument over the whole span, trades inside a step
 * included: the move runs from the price at the end of the step before the
 * span to the lowest trade or end-of-step price in it (the highest for a
 * short cascade), so no figure claims less than the fills show.
 */
#ifndef CASCADE_CASCADES_H
#define CASCADE_CASCADES_H

#include <stdio.h>

#include "cascade/exchange.h"

/* The price path a run leaves, per step and instrument: element
 * [step * n_instruments + i]. All prices in ticks. */
struct cas_price_path {
    cas_step n_steps;
    uint32_t n_instruments;
    const double *initial; /* [i]: the price before step 0 */
    const double *close;   /* the price at the end of the step (mid, else last trade) */
    const double *low;     /* the lowest trade during the step; NaN when none traded */
    const double *high;    /* the highest trade during the step; NaN when none traded */
    const double *index;   /* the index at the end of the step (perpetuals; else the price) */
};

struct cas_cascade {
    uint64_t id;              /* 1, 2, ... in order of their roots */
    uint64_t root;            /* the root liquidation's id */
    struct cas_cause cause;   /* the root's cause */
    uint32_t instrument;      /* the root's */
    enum cas_side side;       /* the root's position side: a long cascade pushes the price down */
    cas_step start, end;      /* steps the first and the last member were triggered */
    cas_step finish;          /* step the last member's orders finished; -1 if one never did */
    uint32_t generations;     /* depth of the tree: 1 for a lone liquidation */
    uint64_t liquidations;
    cas_money notional;       /* members' notional at their marks */
    double price_start;       /* at the end of the step before start (initial price at step 0) */
    double price_extreme;     /* lowest (long) or highest (short) trade or end-of-step price
                                 from start to finish (to the last step when unfinished), or
                                 price_start when none went beyond it */
    cas_step extreme_step;    /* the first step it was reached */
    double index_at_extreme;  /* the index at the end of extreme_step */
    double price_end;         /* at the end of finish (of the last step when unfinished) */
    double move_bps;          /* (start - extreme) / start, in bp, positive in the cascade's
                                 direction */
    cas_step recovery_steps;  /* steps from extreme_step to the first later end of step at
                                 which the price had undone half the move; -1 never */
};

/* Build the cascades of `n` liquidations given in id order (ids 1..n), with
 * the step each one's orders finished (finish[k], -1 when unfinished) and
 * its notional, measured on `path`. Returns how many cascades were written to
 * out (room for n; there are at most n). When member_cascade / generation are
 * not NULL they receive each liquidation's cascade id and its generation in
 * the tree (1 for a root). */
size_t cas_cascades_build(const struct cas_liquidation *liqs, const cas_step *finish,
                          const cas_money *notional, size_t n, const struct cas_price_path *path,
                          struct cas_cascade *out, uint64_t *member_cascade,
                          uint32_t *generation);

#endif
