/* cascades: liquidations linked into causal trees, and each tree measured,
 * as the run goes.
 *
 * A liquidation whose recorded cause is another liquidation (its orders moved
 * the mark across this one's trigger) is that one's child; any other cause
 * (a shock, an index move, an agent's order, funding, a margin change) makes
 * it a root. Causes always point back in time, so the forest grows one
 * liquidation at a time. Each tree is a cascade.
 *
 * A cascade's span runs from the step its first member was triggered to the
 * step the last of its members' liquidation orders was finished (filled,
 * cancelled, handed to ADL or to the insurance fund). Its price figures are
 * measured on its root's instrument over the whole span, trades inside a step
 * included: the move runs from the price at the end of the step before the
 * span to the lowest trade or end-of-step price in it (the highest for a
 * short cascade), so no figure claims less than the fills show. Recovery is
 * then followed on end-of-step prices until half the move is undone.
 *
 * Nothing is kept per step: memory grows with the liquidations and the
 * cascades, and each event costs O(cascades whose span is running), plus
 * O(cascades waiting for their recovery) per step.
 *
 * Feed the events of a run in time order: for each step, its trades,
 * liquidations and finishes as they happen, then cas_cascades_step_end.
 */
#ifndef CASCADE_CASCADES_H
#define CASCADE_CASCADES_H

#include "cascade/exchange.h"

struct cas_cascade {
    uint64_t id;            /* 1, 2, ... in order of their roots */
    uint64_t root;          /* the root liquidation's id */
    struct cas_cause cause; /* the root's cause */
    uint32_t instrument;    /* the root's */
    enum cas_side side;     /* the root's position side: a long cascade pushes the price down */
    cas_step start, end;    /* steps the first and the last member were triggered */
    cas_step finish;        /* step the last member's orders finished; -1 while one has not */
    uint32_t generations;   /* depth of the tree: 1 for a lone liquidation */
    uint64_t liquidations;
    cas_money notional;      /* members' notional at their marks */
    double price_start;      /* ticks, at the end of the step before start (the initial price
                                 at step 0) */
    double price_extreme;    /* lowest (long) or highest (short) trade or end-of-step price
                                 from start to finish (so far, while unfinished), or
                                 price_start when none went beyond it */
    cas_step extreme_step;   /* the first step it was reached */
    double index_at_extreme; /* the index at the end of extreme_step */
    double index_start;      /* the index at the end of the step before start (the initial
                                 price at step 0) */
    double price_end;        /* at the end of finish (of the last step seen while unfinished) */
    double move_bps;         /* (start - extreme) / start, in bp, positive in the cascade's
                                 direction */
    cas_step recovery_steps; /* steps from extreme_step to the first later end of step at
                                 which the price had undone half the move; -1 not (yet) */
    uint64_t episode;        /* 1, 2, ...: cas_cascades_episodes (0 before it is called) */
};

struct cas_cascades;

/* Follow the cascades of a run with n_instruments, whose prices (ticks)
 * before step 0 are initial[i]. 0 or CAS_ENOMEM. */
int cas_cascades_create(struct cas_cascades **out, uint32_t n_instruments, const double *initial);
void cas_cascades_destroy(struct cas_cascades *cs);

/* A trade on an instrument, at `price` ticks, in the step running now: O(1),
 * the running cascades see the step's extremes at cas_cascades_step_end. */
void cas_cascades_trade(struct cas_cascades *cs, uint32_t instrument, double price);

/* A liquidation was triggered (ids 1, 2, ... in order, l->step the step
 * running now; its cascade's notional adds l->notional, held to INT64_MAX).
 * 0 or CAS_ENOMEM. */
int cas_cascades_liquidation(struct cas_cascades *cs, const struct cas_liquidation *l);

/* Liquidation `id`'s orders are finished, in step `step`. */
void cas_cascades_finished(struct cas_cascades *cs, uint64_t id, cas_step step);

/* Step `step` is over: close[i] is each instrument's price at its end (mid,
 * else last), index[i] its index (perpetuals; else anything). */
void cas_cascades_step_end(struct cas_cascades *cs, cas_step step, const double *close,
                           const double *index);

/* The cascades so far, in id order (k from 0): measured up to the last step
 * ended. */
size_t cas_cascades_count(const struct cas_cascades *cs);
const struct cas_cascade *cas_cascades_get(const struct cas_cascades *cs, size_t k);

/* Group the cascades so far into episodes, numbered 1, 2, ... in order: a cascade starts a
 * new episode unless its first trigger comes at most `gap` steps after the last step in
 * which a cascade before it in the episode was still working (its finish step; a cascade
 * still working belongs with every later one). Cascades of one event (a shock and all it
 * set off, roots set off together by one fall, across instruments) share an episode,
 * whether or not a configured shock set them off. */
void cas_cascades_episodes(struct cas_cascades *cs, cas_step gap);

/* Liquidation `id`'s cascade id and its generation in the tree (1 for a root). */
uint64_t cas_cascades_of(const struct cas_cascades *cs, uint64_t id);
uint32_t cas_cascades_generation(const struct cas_cascades *cs, uint64_t id);

#endif
