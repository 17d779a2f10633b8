/* simInt: the run's state, shared by sim.c (scheduler, agents, orders) and
 * venue.c (the per-instrument rules wired to the exchange). Private to src/sim.
 *
 * Invariants: the wake heap holds every agent with a positive rate exactly
 * once, keyed by its next wake-up time (ties by agent index); the expiry heap
 * holds (step, order id) for resting orders with a finite lifetime inside the
 * run, keyed by step then id; instrument i of the config is instrument i of
 * the exchange.
 */
#ifndef CASCADE_SIM_INT_H
#define CASCADE_SIM_INT_H

#include "cascade/exchange.h"
#include "cascade/rng.h"
#include "cascade/rules.h"
#include "cascade/sim.h"

enum { STREAM_SCHEDULER = 1, STREAM_AGENT = 2, STREAM_INDEX = 3 };

#define LIQ_MAP_EVERY 60 /* steps between publications of the liquidation map */
#define LIQ_MAP_KEEP 16  /* publications kept, for lagged readers */
#define LIQ_MAP_SPAN 0.5 /* the map covers the mark -/+ 25% */

struct instrument {
    bool perp;
    struct cas_liq_map *liq_maps; /* ring of LIQ_MAP_KEEP publications (perpetuals) */
    uint32_t n_maps, map_head;    /* how many are published (<= KEEP); next slot */
    struct cas_index index;
    struct cas_mark mark;
    struct cas_funding funding;
    struct cas_band band;
    struct cas_volmargin vol;
    int64_t scale_ppm;        /* maintenance scale last given to the exchange */
    bool halted;
};

struct agent {
    const struct cas_agent_type *type;
    struct cas_agent_stats stats;
    void *state;
    struct cas_rng rng;
    double rate;
    uint32_t instrument;
    uint32_t account;
};

struct wake {
    double t;
    uint32_t agent;
};

struct expiry {
    cas_step step;
    uint64_t id;
};

struct cas_sim {
    const struct cas_config *cfg;
    struct cas_sim_observer obs;
    struct cas_exchange *ex;
    struct cas_stops *stops;
    cas_step step;
    uint32_t n_instruments, n_agents;
    struct instrument *instruments;
    struct agent *agents;
    unsigned char *states;
    uint32_t shock_account;
    uint32_t *owner;          /* account id -> agent index, UINT32_MAX for none */
    uint32_t n_owner;
    uint32_t next_shock;      /* index of the first shock not yet applied */
    bool publish_liq_maps;    /* someone reads the liquidation map */
    uint64_t stop_seq;
    struct cas_rng sched;
    struct wake *wake_heap;   /* n_agents at most */
    uint32_t n_wake;
    struct wake *woken;       /* this step's wake-ups, grown as needed */
    uint32_t n_woken, cap_woken;
    struct expiry *exp_heap;
    size_t n_exp, cap_exp;
    struct cas_sim_counters counters;
    int error;                /* first allocation failure inside a step */
};

/* venue.c */
int cas__venue_init(struct cas_sim *s, struct cas_err *err);
void cas__venue_release(struct cas_sim *s);
struct cas_exchange_observer cas__venue_observer(struct cas_sim *s);
struct cas_mark_source cas__venue_marks(struct cas_sim *s);
int cas__venue_begin_step(struct cas_sim *s);
int cas__venue_end_step(struct cas_sim *s);
/* Submit for an account under a cause, then fire the stops it triggered.
 * Refusals count as rejected; a refusal at a HALT band trips the halt. */
int cas__venue_submit(struct cas_sim *s, const struct cas_order *o, struct cas_cause cause,
                      uint64_t *id, struct cas_submit_result *res);
cas_ticks cas__venue_mark(struct cas_sim *s, uint32_t instrument);
/* The liquidation map `lag` publications old, or NULL. */
const struct cas_liq_map *cas__venue_liq_map(const struct cas_sim *s, uint32_t instrument,
                                             uint32_t lag);
/* The agent that owns an account, or UINT32_MAX. */
uint32_t cas__agent_of(const struct cas_sim *s, uint32_t account);
/* Tell the agents behind a fill or a liquidation (sim.c). */
void cas__agents_hear_fill(struct cas_sim *s, uint32_t instrument, const struct cas_fill *f,
                           uint32_t taker, uint32_t maker);
void cas__agents_hear_liquidation(struct cas_sim *s, const struct cas_liquidation *liq);

#endif
