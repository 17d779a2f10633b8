/* record: observes a run and writes its outputs; it never changes the market.
 *
 * Writes, into a run directory: timeseries.csv (one row per instrument every
 * record.sample_every steps), liquidations.csv (one row per liquidation),
 * cascades.csv (one row per causal tree of liquidations), optionally
 * trades.csv and liqmap.csv, and summary.json (prices, book, stylized
 * facts, accounting, liquidations, insurance fund, cascades, amplification,
 * agents, performance). Each CSV's columns are declared once, in
 * src/record/columns.c, and documented in docs/outputs.md with the keys of
 * summary.json. Same config and seed give byte-identical files, apart from
 * summary.json's "performance" object (wall-clock figures).
 *
 * The step convention: an event that happens in step S is labelled S in
 * every file; a row of timeseries.csv labelled S describes the market at the
 * end of step S and counts what happened after the previous row up to and
 * including step S.
 */
#ifndef CASCADE_RECORD_H
#define CASCADE_RECORD_H

#include <stdio.h>

#include "cascade/config.h"
#include "cascade/sim.h"

struct cas_recorder;

/* One column of an output CSV, or one key of summary.json, as
 * docs/outputs.md documents it (a test holds the two together). */
struct cas_column {
    const char *name;
    const char *unit;    /* "" when it has none */
    const char *meaning; /* markdown, as in the docs */
};

/* The columns of "timeseries.csv", "liquidations.csv", "cascades.csv",
 * "trades.csv", "liqmap.csv" or "accounts.csv", in order, or the keys of "summary.json"
 * (dotted paths: "prices.min", "amplification[k].factor", "agents.TYPE.pnl").
 * cas_record_column returns NULL past the end or for another name. */
size_t cas_record_n_columns(const char *file);
const struct cas_column *cas_record_column(const char *file, size_t k);

/* Measured by the caller, who owns the clock; only these are not reproducible. */
struct cas_run_perf {
    double wall_s;
    double peak_rss_mb;
};

/* Start recording a run of cfg (borrowed; it must outlive the recorder),
 * writing the time series to `timeseries` (borrowed, stays open). */
int cas_recorder_create(struct cas_recorder **out, const struct cas_config *cfg, FILE *timeseries,
                        struct cas_err *err);

/* Also write every publication of the perpetuals' liquidation maps to
 * `liqmap` (borrowed, stays open): liqmap.csv, one row per non-empty bin. */
void cas_recorder_set_liqmap(struct cas_recorder *rec, FILE *liqmap);

/* Also write replay.jsonl to `replay` (borrowed, stays open): the book's top
 * levels and every event, step by step, around the liquidations
 * (record.replay_window_steps) and in the ranges of record.replay. */
void cas_recorder_set_replay(struct cas_recorder *rec, FILE *replay);

/* Also write every fill to `trades` (borrowed, stays open): trades.csv. */
void cas_recorder_set_trades(struct cas_recorder *rec, FILE *trades);
void cas_recorder_destroy(struct cas_recorder *rec);

/* The observer to hand to cas_sim_create. */
struct cas_sim_observer cas_recorder_observer(struct cas_recorder *rec);

/* Write cascades.csv's content (liquidations linked into causal trees). */
int cas_recorder_write_cascades(const struct cas_recorder *rec, FILE *out);

/* Write accounts.csv's content: every account of the run, whose agent and
 * type it is. */
int cas_recorder_write_accounts(const struct cas_recorder *rec, const struct cas_sim *sim,
                                FILE *out);

/* Write liquidations.csv's content for the finished run to `out`. */
int cas_recorder_write_liquidations(const struct cas_recorder *rec, FILE *out);

/* Write summary.json's content for the finished run to `out`. With the
 * recorder of a counterfactual run (the same config and seed with forced
 * liquidation off), "amplification" gives, per shock, the move with
 * liquidations and the move without, over record.amplification_horizon_steps,
 * and their ratio; else it is null. */
int cas_recorder_write_summary(const struct cas_recorder *rec, const struct cas_sim *sim,
                               const struct cas_run_perf *perf,
                               const struct cas_recorder *counterfactual, FILE *out);

#endif
