/* handle: one run behind one handle (include/cascade/run.h), for embedders whose language
 * sees plain C types only: the config, the simulation and the time series' recorder, owned
 * together. The program does not use it: `cascade run` writes a whole run directory
 * (src/cli/run.c); this writes the same timeseries.csv. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/record.h"
#include "cascade/run.h"
#include "core/coreInt.h"

struct cas_run {
    struct cas_config cfg;
    struct cas_sim *sim;
    struct cas_recorder *rec;
    FILE *timeseries;
};

struct cas_run *cas_run_open(const char *config, const char *const *sets, size_t n_sets,
                             const char *timeseries, char *error, size_t error_size)
{
    struct cas_err err = {0};
    if (error && error_size)
        error[0] = 0;
    struct cas_run *r = calloc(1, sizeof *r);
    if (!r) {
        cas_err_set(&err, CAS_ENOMEM, "", "out of memory");
        cas__config_error(error, error_size, config, &err);
        return NULL;
    }
    if (cas_config_load(&r->cfg, config, sets, n_sets, &err) < 0)
        goto fail;
    struct cas_sim_observer obs = {0};
    if (timeseries) {
        if (!(r->timeseries = fopen(timeseries, "w"))) {
            cas_err_set(&err, CAS_EIO, timeseries, "cannot create: %s", strerror(errno));
            goto fail;
        }
        if (cas_recorder_create(&r->rec, &r->cfg, r->timeseries, &err) < 0)
            goto fail;
        obs = cas_recorder_observer(r->rec);
    }
    if (cas_sim_create(&r->sim, &r->cfg, timeseries ? &obs : NULL, &err) < 0)
        goto fail;
    return r;
fail:
    cas__config_error(error, error_size, config, &err);
    bool created = r->timeseries != NULL;
    cas_run_close(r);
    if (created)
        remove(timeseries); /* nothing half-written is left */
    return NULL;
}

int64_t cas_run_advance(struct cas_run *run, int64_t steps)
{
    int64_t done = 0;
    while (done < steps && cas_sim_now(run->sim) < run->cfg.steps) {
        int rc = cas_sim_step(run->sim);
        if (rc < 0)
            return rc;
        done++;
    }
    return done;
}

const char *cas_run_name(const struct cas_run *run)
{
    return run->cfg.name;
}

int64_t cas_run_steps(const struct cas_run *run)
{
    return run->cfg.steps;
}

double cas_run_tick_size(const struct cas_run *run, uint32_t instrument)
{
    return instrument < run->cfg.n_instruments ? run->cfg.instruments[instrument].tick_size : 0;
}

uint64_t cas_run_trades(const struct cas_run *run)
{
    return cas_sim_counters(run->sim).trades;
}

uint64_t cas_run_liquidations(const struct cas_run *run)
{
    struct cas_exchange_totals t;
    cas_exchange_totals(cas_sim_exchange(run->sim), &t);
    return t.liquidations;
}

struct cas_sim *cas_run_sim(struct cas_run *run)
{
    return run->sim;
}

int cas_run_close(struct cas_run *run)
{
    if (!run)
        return 0;
    int rc = 0;
    if (run->timeseries && (ferror(run->timeseries) | fclose(run->timeseries)) != 0)
        rc = CAS_EIO;
    cas_sim_destroy(run->sim);
    cas_recorder_destroy(run->rec);
    cas_config_release(&run->cfg);
    free(run);
    return rc;
}
