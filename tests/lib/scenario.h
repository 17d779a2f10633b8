/* scenario.h: a shipped scenario run in process for tests — configs/NAME.json loaded with
 * --set values (and a seed), a simulation stepped to its end under the test's observer, and
 * the whole venue checked (money, lots, books) when it ends. Header-only (static), for
 * Criterion test programs; the source tree comes from CASCADE_SOURCE_ROOT (tests/lib/runs.h),
 * which meson test sets. */
#ifndef CASCADE_TESTS_SCENARIO_H
#define CASCADE_TESTS_SCENARIO_H

#include "lib/runs.h"

#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/sim.h"

/* Load configs/NAME.json into cfg with these --set values; the test fails, naming the file,
 * the JSON path and the reason, when it does not load. */
static inline void scenario_load(struct cas_config *cfg, const char *name, const char *const *sets,
                                 size_t n_sets)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/%s.json", source_root(), name);
    struct cas_err err = {0};
    cr_assert_eq(cas_config_load(cfg, path, sets, n_sets, &err), 0, "%s: %s: %s", name, err.path,
                 err.msg);
}

/* The same with `seed=SEED` set after the others. */
static inline void scenario_load_seed(struct cas_config *cfg, const char *name,
                                      const char *const *sets, size_t n_sets, unsigned seed)
{
    char seed_set[64];
    snprintf(seed_set, sizeof seed_set, "seed=%u", seed);
    const char *all[32];
    size_t n = 0;
    for (size_t k = 0; k < n_sets && n < 31; k++)
        all[n++] = sets[k];
    all[n++] = seed_set;
    scenario_load(cfg, name, all, n);
}

/* A simulation of cfg under obs (borrowed; it must outlive the simulation). */
static inline struct cas_sim *scenario_start(const struct cas_config *cfg,
                                             const struct cas_sim_observer *obs, const char *name)
{
    struct cas_sim *sim = NULL;
    struct cas_err err = {0};
    cr_assert_eq(cas_sim_create(&sim, cfg, obs, &err), 0, "%s: %s: %s", name, err.path, err.msg);
    return sim;
}

/* Step sim to the end of cfg's run, then check the venue: money conserved, long = short open
 * interest, every book sound (cas_exchange_check); the test fails otherwise. */
static inline void scenario_finish(struct cas_sim *sim, const struct cas_config *cfg,
                                   const char *name)
{
    for (cas_step s = 0; s < cfg->steps; s++)
        cr_assert_eq(cas_sim_step(sim), 0, "%s: step %lld", name, (long long)s);
    char why[256];
    cr_assert(cas_exchange_check(cas_sim_exchange(sim), why, sizeof why), "%s: %s", name, why);
}

/* Instrument i's price: the mid when both sides of its book are quoted, else the last
 * trade. */
static inline double scenario_price(const struct cas_sim *sim, uint32_t i)
{
    cas_ticks bid, ask;
    const struct cas_book *b = cas_sim_book(sim, i);
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask))
        return (double)(bid + ask) / 2;
    return (double)cas_sim_last(sim, i);
}

#endif
