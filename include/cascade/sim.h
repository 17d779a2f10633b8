/* sim: the run loop — the venue, its rules, agents, and the scheduler.
 *
 * Each step (docs/architecture.md): (1) exogenous processes: throttled
 * liquidations continue, indexes move, the step's shocks strike, marks are
 * refreshed (the risk engine liquidates whom a move put under water);
 * (2) resting orders whose lifetime ended are cancelled; (3) agents whose
 * Poisson wake-up times fall in [step, step + 1) act in a fresh order shuffled
 * by the scheduler's stream (an agent due twice acts twice), every order
 * matched at once, with its liquidation cascade and triggered stop orders;
 * (4) end of step: mark and funding samples, funding payments at funding
 * times, price bands, dynamic margin, then the observer's on_step. Each agent
 * draws from its own PCG stream derived from the run seed and its global
 * index; same config and seed give the same run. Observers must not change
 * the market.
 */
#ifndef CASCADE_SIM_H
#define CASCADE_SIM_H

#include "cascade/agent.h"
#include "cascade/book.h"
#include "cascade/config.h"
#include "cascade/exchange.h"

/* The most wake-ups a step, all agents together (their rates' sum), that a simulation
 * accepts: cas_sim_create refuses more (CAS_ERANGE at the population that passes it). */
#define CAS_SIM_MAX_WAKEUPS 1e6

struct cas_sim;

struct cas_sim_observer {
    void *ctx;
    /* every fill, with the cause of its taker order: liquidation:ID for the
     * orders of liquidation ID's engine job, order:ACCOUNT, shock:N */
    void (*on_trade)(void *ctx, uint32_t instrument, const struct cas_fill *fill,
                     struct cas_cause cause);
    void (*on_liquidation)(void *ctx, const struct cas_liquidation *liq);
    void (*on_liquidation_done)(void *ctx, const struct cas_liquidation_done *done);
    void (*on_adl)(void *ctx, const struct cas_adl_event *adl);
    void (*on_funding)(void *ctx, uint32_t instrument, double rate);
    void (*on_step)(void *ctx, const struct cas_sim *sim); /* after the step's last event */
    /* optional: every change of the books, appended in the order the books saw them
     * (struct cas_journal); the sim empties it as each step begins */
    struct cas_journal *journal;
};

struct cas_sim_counters {
    uint64_t wakeups;  /* agent wake-ups acted on */
    uint64_t orders;   /* orders accepted by the venue (every type) */
    uint64_t rejected; /* orders the venue refused (margin, band, halt, ...) */
    uint64_t trades;   /* fills */
    uint64_t expiries; /* resting orders cancelled when their lifetime ended */
    uint64_t cancels;  /* resting orders the agents cancelled */
    uint64_t stops;    /* stop orders triggered */
    uint64_t fundings; /* funding payments (per instrument) */
    /* positions held from the start (struct cas_agent_setup's position) */
    uint64_t seeded_lots;    /* long lots opened before the first step (= short lots) */
    uint64_t unmatched_lots; /* lots asked for that found no opposite side, not opened */
    uint64_t topped_up;      /* accounts the start price had put under water, topped up */
};

/* Build a run from a validated config (borrowed; it must outlive the sim),
 * open every agent's account and initialise it, then open the positions the
 * agents hold from the start (struct cas_agent_setup's position): per
 * instrument, the longs in agent order matched against the shorts in agent
 * order, each match a trade at the long's entry price with no fee; lots that
 * find no opposite side are not opened (counters.unmatched_lots), and an
 * account the initial mark puts under water is topped up to its initial
 * margin (counters.topped_up). A parameter combination an
 * agent type refuses gives CAS_EINVAL with err->path a JSON path such as
 * "agents[0].params.mu"; an index path file that cannot be used gives its
 * error (path "FILE:LINE"). */
int cas_sim_create(struct cas_sim **out, const struct cas_config *cfg,
                   const struct cas_sim_observer *observer, struct cas_err *err);
void cas_sim_destroy(struct cas_sim *sim);
/* Replace the observer (copied; NULL for none) before the first step, so that a
 * sim created to validate a config can run once its outputs are open. */
void cas_sim_observe(struct cas_sim *sim, const struct cas_sim_observer *observer);

/* The counterfactual: switch forced liquidation off before the first step. */
void cas_sim_disable_liquidation(struct cas_sim *sim);

/* Run the next step. 0, or CAS_ENOMEM if memory ran out. */
int cas_sim_step(struct cas_sim *sim);

/* The step about to run (after n calls of cas_sim_step, n). */
cas_step cas_sim_now(const struct cas_sim *sim);

uint32_t cas_sim_n_instruments(const struct cas_sim *sim);
const struct cas_book *cas_sim_book(const struct cas_sim *sim, uint32_t instrument);
const struct cas_exchange *cas_sim_exchange(const struct cas_sim *sim);
/* Last trade price in ticks, or the initial price before the first trade. */
cas_ticks cas_sim_last(const struct cas_sim *sim, uint32_t instrument);
cas_ticks cas_sim_mark(const struct cas_sim *sim, uint32_t instrument);
/* The instrument's price: its mid when both sides are quoted, else its last
 * trade price (ticks). */
double cas_sim_price(const struct cas_sim *sim, uint32_t instrument);
/* Index price in ticks (perpetuals; the price itself on spot). */
double cas_sim_index(const struct cas_sim *sim, uint32_t instrument);
/* Fundamental value in ticks: a spot instrument's value process (its initial price unless
 * a "value" object or a news shock moves it); a perpetual's index. */
double cas_sim_value(const struct cas_sim *sim, uint32_t instrument);
/* The predicted funding rate (fraction per interval; 0 on spot or when off). */
double cas_sim_funding_rate(const struct cas_sim *sim, uint32_t instrument);
bool cas_sim_halted(const struct cas_sim *sim, uint32_t instrument);
/* The maintenance-rate scale dynamic margin last applied, ppm (1e6 = 1x). */
int64_t cas_sim_margin_scale(const struct cas_sim *sim, uint32_t instrument);
uint32_t cas_sim_n_agents(const struct cas_sim *sim);
/* The account of agent `agent` (global index, in population order). */
uint32_t cas_sim_agent_account(const struct cas_sim *sim, uint32_t agent);
/* The account that sends the configured market and limit orders (shocks);
 * CAS_NO_ACCOUNT when the config has none. */
uint32_t cas_sim_shock_account(const struct cas_sim *sim);
struct cas_sim_counters cas_sim_counters(const struct cas_sim *sim);
/* The arbitrage desks (agent types with `desk`) on `instrument`: their net position on it
 * in lots (signed: the perpetual leg on a perpetual, the spot hedge on a spot book), and
 * the equity of the accounts of those whose population trades it (money units; the
 * capital they have left, both legs at the marks). *n = how many desks that is; 0 and
 * no equity when none trades it. O(desks). */
void cas_sim_desks(const struct cas_sim *sim, uint32_t instrument, cas_lots *lots,
                   cas_money *equity, uint32_t *n);
/* Of the agents trading `instrument` that have a capital limit (basis arbitrageurs,
 * fundamental traders), how many were stopped by it at their last wake-up: *at_limit of
 * *of. O(agents). */
void cas_sim_arbitrage(const struct cas_sim *sim, uint32_t instrument, uint32_t *at_limit,
                       uint32_t *of);

/* The public liquidation map of a perpetual, `lag` publications old (0 =
 * newest; one every 60 steps), or NULL when there is none. */
const struct cas_liq_map *cas_sim_liq_map(const struct cas_sim *sim, uint32_t instrument,
                                          uint32_t lag);

/* What one agent did: orders the venue accepted (stops counted when they
 * fire), fills of its orders, times liquidated, and its deposit. */
struct cas_agent_stats {
    uint64_t orders, trades, liquidated;
    cas_lots bought, sold; /* lots its orders bought and sold */
    cas_lots same_type;    /* lots it took from an agent of its own type (taker side) */
    cas_money deposit;
};
void cas_sim_agent_stats(const struct cas_sim *sim, uint32_t agent, struct cas_agent_stats *out);

/* Agent `agent`'s value of its type's measure k (NaN when the type has none). */
double cas_sim_agent_measure(const struct cas_sim *sim, uint32_t agent, uint32_t k);

#endif
