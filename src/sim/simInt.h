/* simInt: the run's state, shared by sim.c (scheduler, agents, orders) and
 * venue.c (the per-instrument rules wired to the exchange). Private to src/sim.
 *
 * Invariants. The scheduler is a calendar of per-step buckets: a ring of
 * RING steps starting at `chunk` (a multiple of RING / 2, at most the current
 * step) and, beyond it, a far list redistributed whenever `chunk` advances.
 * Every agent with a positive rate (a type with scheduled wake-ups, next_wake:
 * every agent with a next one) is in exactly one wake bucket, the one of
 * the step floor(next_t), as a singly-linked list through `next_wake`; a
 * step's wake-ups are popped in (time, agent index) order, as a heap would
 * give them, before the scheduler shuffles them. The expiry buckets hold the
 * ids of resting orders with a finite lifetime inside the run, under the step
 * at which they are cancelled, in the order they were queued (the order of
 * one step's cancellations changes nothing: each removes one order from its
 * level and no event is published). Instrument i of the config is instrument
 * i of the exchange.
 */
#ifndef CASCADE_SIM_INT_H
#define CASCADE_SIM_INT_H

#include "cascade/exchange.h"
#include "cascade/rng.h"
#include "cascade/rules.h"
#include "cascade/sim.h"

enum { STREAM_SCHEDULER = 1, STREAM_AGENT = 2, STREAM_INDEX = 3, STREAM_VALUE = 4 };

#define LIQ_MAP_EVERY 60 /* steps between publications of the liquidation map */
#define LIQ_MAP_KEEP 16  /* publications kept, for lagged readers */
#define LIQ_MAP_SPAN 0.5 /* the map covers the mark -/+ 25% */

/* Forced flow: the lots liquidations' orders, and orders answering them, took on one side
 * of an instrument in one step, by liquidation (every one of them, in the order they
 * first traded). */
struct flow {
    uint64_t liq;
    double lots; /* lots; weighted notional once gathered by flow_gather (venue.c) */
};
struct flow_window {
    cas_step step;
    uint32_t n, cap;
    struct flow *e;
};

struct sim_instrument {
    bool perp;
    struct cas_liq_map *liq_maps; /* ring of LIQ_MAP_KEEP publications (perpetuals) */
    uint32_t n_maps, map_head;    /* how many are published (<= KEEP); next slot */
    struct cas_index index;
    /* spot: the fundamental value, ticks; a GBM of its own stream (STREAM_VALUE) that moves
     * only with a "value" object, scaled by news shocks (docs/architecture.md) */
    struct cas_index value;
    struct cas_funding funding;
    struct cas_band band;
    struct cas_volmargin vol;
    bool halt_band;                /* a price band that halts trading is configured */
    uint32_t n_arb;                /* agents on it whose type reports at_limit */
    uint32_t n_at_limit;           /* those of them at their limit after their last wake-up */
    struct flow_window flow[2][2]; /* [taker side][step & 1]: this step's and the last */
};

struct agent {
    const struct cas_agent_type *type;
    struct cas_agent_stats stats;
    void *state;
    struct cas_rng rng;
    double rate;
    double next_t;      /* next wake-up time, steps (rate > 0, or a scheduled one) */
    uint32_t next_wake; /* the next agent in its wake bucket, or NONE */
    uint32_t instrument;
    uint32_t account;
};

#define RING 4096u /* steps the calendar's ring covers; a power of two */
#define NONE UINT32_MAX

struct wake {
    double t;
    uint32_t agent;
};

struct expiry {
    cas_step step;
    uint64_t id;
};

#define SLAB_IDS 8 /* ids each expiry bucket holds before it needs an allocation */

struct id_bucket {
    uint64_t *ids; /* its share of exp_slab, or its own allocation once grown */
    uint32_t n, cap;
    bool heap; /* ids is its own allocation */
};

/* A position an agent holds from the start, until cas_sim_create has opened it. */
struct seed {
    uint32_t agent;
    cas_lots lots; /* signed; what is still to be matched */
    cas_ticks entry;
};

/* A news shock spread over steps, from the step after its own to its last. */
struct ramp {
    uint32_t shock; /* index in cfg->shocks */
    double pct;     /* each step's move: (1 + pct)^(1 / over_steps) - 1 */
};

struct cas_sim {
    const struct cas_config *cfg;
    struct cas_sim_observer obs;
    struct cas_exchange *ex;
    struct cas_stops *stops;
    cas_step step;
    uint32_t n_instruments, n_agents;
    struct sim_instrument *instruments;
    struct agent *agents;
    unsigned char *states;
    uint32_t shock_account;
    double money_scale; /* 10^money_decimals: collateral to integer money */
    uint32_t *owner;    /* account id -> agent index, UINT32_MAX for none */
    uint32_t n_owner;
    uint32_t next_shock; /* index of the first shock not yet applied */
    struct ramp *ramps;  /* the news ramps running, in the order they struck */
    uint32_t n_ramps;
    bool publish_liq_maps;                    /* someone reads the liquidation map */
    uint32_t *liq_accounts, cap_liq_accounts; /* the map's candidates (publish_liq_map) */
    uint64_t stop_seq;
    struct cas_rng sched;
    cas_step chunk;       /* first step the ring covers */
    uint32_t *wake_ring;  /* RING heads of agent lists */
    uint32_t far_wake;    /* agents waking at chunk + RING or later */
    struct wake *pending; /* this step's wake bucket, a min-heap */
    uint32_t n_pending, cap_pending;
    struct wake *woken; /* this step's wake-ups, grown as needed */
    uint32_t n_woken, cap_woken;
    struct id_bucket *exp_ring; /* RING buckets of order ids */
    uint64_t *exp_slab;         /* RING * SLAB_IDS ids: the buckets' first room */
    struct expiry *far_exp;     /* expiries at chunk + RING or later, in push order */
    size_t n_far_exp, cap_far_exp;
    struct cas_sim_counters counters;
    uint32_t *desks, n_desks; /* the agents whose type is an arbitrage desk */
    struct flow *flows;       /* flow_gather's room: the forced flows of a few windows */
    uint32_t n_flows, cap_flows;
    struct seed *seeds; /* positions held from the start, until they are opened */
    uint32_t n_seeds, cap_seeds;
    int error; /* first allocation failure inside a step */
};

/* venue.c */
int cas__venue_init(struct cas_sim *s, struct cas_err *err);
void cas__venue_release(struct cas_sim *s);
struct cas_exchange_observer cas__venue_observer(struct cas_sim *s);
int cas__venue_begin_step(struct cas_sim *s);
int cas__venue_end_step(struct cas_sim *s);
/* Submit for an account under a cause, then fire the stops it triggered.
 * Refusals count as rejected; a refusal at a HALT band trips the halt. */
int cas__venue_submit(struct cas_sim *s, const struct cas_order *o, struct cas_cause cause,
                      uint64_t *id, struct cas_submit_result *res);
/* The cause of an order that answers the forced flow on `side` of instrument i (see
 * struct cas_order_req): carried from the liquidation with the most lots there in this
 * step and the one before, else `own`. */
struct cas_cause cas__venue_answer_cause(struct cas_sim *s, uint32_t i, enum cas_side side,
                                         struct cas_cause own);
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
