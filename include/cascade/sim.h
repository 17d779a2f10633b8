/* sim: the run loop — instruments with their books, agents, the scheduler.
 *
 * Each step: orders whose lifetime ended are cancelled; agents whose Poisson
 * wake-up times fall in [step, step + 1) are gathered and act in a fresh order
 * shuffled by the scheduler's stream (an agent due twice acts twice); every
 * order is matched at once. Each agent draws from its own PCG stream derived
 * from the run seed and its global index, so same config and seed give the
 * same run. An observer hears every trade and the end of every step; it must
 * not change the market.
 */
#ifndef CASCADE_SIM_H
#define CASCADE_SIM_H

#include "cascade/book.h"
#include "cascade/config.h"

struct cas_sim;

struct cas_sim_observer {
    void *ctx;
    void (*on_trade)(void *ctx, uint32_t instrument, const struct cas_fill *fill);
    void (*on_step)(void *ctx, const struct cas_sim *sim); /* after the step's last order */
};

struct cas_sim_counters {
    uint64_t wakeups;  /* agent wake-ups acted on */
    uint64_t orders;   /* orders accepted by the venue (every type) */
    uint64_t trades;   /* fills */
    uint64_t expiries; /* resting orders cancelled when their lifetime ended */
};

/* Build a run from a validated config (borrowed; it must outlive the sim) and
 * initialise every agent. A parameter combination an agent type refuses gives
 * CAS_EINVAL with err->path a JSON path such as "agents[0].params.mu". */
int cas_sim_create(struct cas_sim **out, const struct cas_config *cfg,
                   const struct cas_sim_observer *observer, struct cas_err *err);
void cas_sim_destroy(struct cas_sim *sim);

/* Run the next step. 0, or CAS_ENOMEM if the book could not grow. */
int cas_sim_step(struct cas_sim *sim);

/* The step about to run (after n calls of cas_sim_step, n). */
cas_step cas_sim_now(const struct cas_sim *sim);

uint32_t cas_sim_n_instruments(const struct cas_sim *sim);
const struct cas_book *cas_sim_book(const struct cas_sim *sim, uint32_t instrument);
/* Last trade price in ticks, or the initial price before the first trade. */
cas_ticks cas_sim_last(const struct cas_sim *sim, uint32_t instrument);
uint32_t cas_sim_n_agents(const struct cas_sim *sim);
struct cas_sim_counters cas_sim_counters(const struct cas_sim *sim);

#endif
