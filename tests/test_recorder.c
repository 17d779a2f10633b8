/* test_recorder: the recorder (src/record/recorder.c) in process, without the
 * command line: it only observes, its rows count what the simulation did, and
 * a file it cannot write is an error, never a silent loss. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/record.h"
#include "cascade/sim.h"

#define STEPS 2600 /* the long squeeze's whale closes at step 2400 */

static void load(struct cas_config *cfg, const char *sample_every)
{
    char path[4096], steps[64], sample[64];
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    snprintf(path, sizeof path, "%s/configs/long-squeeze.json", root);
    snprintf(steps, sizeof steps, "steps=%d", STEPS);
    snprintf(sample, sizeof sample, "record.sample_every=%s", sample_every);
    const char *sets[] = {steps, sample};
    struct cas_err err = {0};
    cr_assert_eq(cas_config_load(cfg, path, sets, 2, &err), 0, "%s: %s", err.path, err.msg);
}

/* What a run leaves behind, to compare a recorded run with a bare one. */
struct trace {
    cas_ticks last[STEPS];
    struct cas_sim_counters counters;
    struct cas_exchange_totals totals;
};

static void run(const struct cas_config *cfg, const struct cas_sim_observer *obs, struct trace *t,
                struct cas_sim **keep)
{
    struct cas_sim *sim;
    struct cas_err err = {0};
    cr_assert_eq(cas_sim_create(&sim, cfg, obs, &err), 0, "%s", err.msg);
    for (int s = 0; s < STEPS; s++) {
        cr_assert_eq(cas_sim_step(sim), 0, "step %d", s);
        t->last[s] = cas_sim_last(sim, 0);
    }
    t->counters = cas_sim_counters(sim);
    cas_exchange_totals(cas_sim_exchange(sim), &t->totals);
    if (keep)
        *keep = sim;
    else
        cas_sim_destroy(sim);
}

/* Data lines (after the header) of a file written to memory. */
static size_t data_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = strchr(text, '\n'); p && p[1]; p = strchr(p + 1, '\n'))
        n++;
    return n;
}

/* The value of column `name` in every data line, summed. */
static long long column_sum(const char *text, const char *name)
{
    const char *eol = strchr(text, '\n');
    int col = -1, k = 0;
    for (const char *p = text; p < eol; k++) {
        size_t len = strcspn(p, ",\n");
        if (len == strlen(name) && strncmp(p, name, len) == 0)
            col = k;
        p += len + (p[len] == ',');
    }
    cr_assert_geq(col, 0, "no column %s", name);
    long long sum = 0;
    for (const char *line = eol + 1; *line; line = strchr(line, '\n') + 1) {
        const char *p = line;
        for (int c = 0; c < col; c++)
            p += strcspn(p, ",\n") + 1;
        sum += strtoll(p, NULL, 10);
    }
    return sum;
}

static char *write_to_memory(int (*write)(const struct cas_recorder *, FILE *),
                             const struct cas_recorder *rec)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(f);
    cr_assert_eq(write(rec, f), 0);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

Test(recorder, only_observes)
{
    struct cas_config cfg = {0};
    load(&cfg, "1");
    static struct trace bare, recorded;
    run(&cfg, NULL, &bare, NULL);
    char *ts = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&ts, &len);
    struct cas_recorder *rec;
    cr_assert_eq(cas_recorder_create(&rec, &cfg, f, NULL), 0);
    struct cas_sim_observer obs = cas_recorder_observer(rec);
    run(&cfg, &obs, &recorded, NULL);
    cr_assert(bare.totals.liquidations > 0, "the squeeze liquidated no one");
    cr_assert_eq(memcmp(bare.last, recorded.last, sizeof bare.last), 0,
                 "recording changed the prices");
    cr_assert_eq(memcmp(&bare.counters, &recorded.counters, sizeof bare.counters), 0);
    cr_assert_eq(bare.totals.liquidations, recorded.totals.liquidations);
    cas_recorder_destroy(rec);
    fclose(f);
    free(ts);
    cas_config_release(&cfg);
}

Test(recorder, rows_count_what_the_simulation_did)
{
    struct cas_config cfg = {0};
    load(&cfg, "10");
    char *ts = NULL, *tr = NULL;
    size_t ts_len = 0, tr_len = 0;
    FILE *tsf = open_memstream(&ts, &ts_len), *trf = open_memstream(&tr, &tr_len);
    struct cas_recorder *rec;
    cr_assert_eq(cas_recorder_create(&rec, &cfg, tsf, NULL), 0);
    cas_recorder_set_trades(rec, trf);
    struct cas_sim_observer obs = cas_recorder_observer(rec);
    static struct trace t;
    struct cas_sim *sim;
    run(&cfg, &obs, &t, &sim);
    cr_assert_eq(fflush(tsf), 0);
    cr_assert_eq(fflush(trf), 0);
    cr_assert_eq(data_lines(ts), STEPS / 10, "one time-series row every 10 steps");
    cr_assert_eq(column_sum(ts, "liquidations"), (long long)t.totals.liquidations,
                 "the rows' liquidations add up to the exchange's");
    cr_assert_eq(data_lines(tr), t.counters.trades, "one trades.csv row per fill");
    char *liq = write_to_memory(cas_recorder_write_liquidations, rec);
    cr_assert_eq(data_lines(liq), t.totals.liquidations);
    char *cas = write_to_memory(cas_recorder_write_cascades, rec);
    cr_assert_gt(data_lines(cas), 0);
    cr_assert_eq(column_sum(cas, "liquidations"), (long long)t.totals.liquidations,
                 "every liquidation is a member of exactly one cascade");
    free(liq);
    free(cas);
    cas_sim_destroy(sim);
    cas_recorder_destroy(rec);
    fclose(tsf);
    fclose(trf);
    free(ts);
    free(tr);
    cas_config_release(&cfg);
}

Test(recorder, a_file_it_cannot_write_is_an_error)
{
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        cr_skip_test("no /dev/full here");
    setvbuf(full, NULL, _IONBF, 0); /* every write fails at once, not at a later flush */
    struct cas_config cfg = {0};
    load(&cfg, "100");
    FILE *ts = fopen("/dev/null", "w");
    struct cas_recorder *rec;
    cr_assert_eq(cas_recorder_create(&rec, &cfg, ts, NULL), 0);
    struct cas_sim_observer obs = cas_recorder_observer(rec);
    static struct trace t;
    struct cas_sim *sim;
    run(&cfg, &obs, &t, &sim);
    cr_assert_lt(cas_recorder_write_liquidations(rec, full), 0,
                 "liquidations.csv on a full disk must fail");
    cr_assert_lt(cas_recorder_write_cascades(rec, full), 0);
    struct cas_run_perf perf = {.wall_s = 1, .peak_rss_mb = 1};
    cr_assert_lt(cas_recorder_write_summary(rec, sim, &perf, NULL, full), 0);
    cas_sim_destroy(sim);
    cas_recorder_destroy(rec);
    fclose(ts);
    fclose(full);
    cas_config_release(&cfg);
}
