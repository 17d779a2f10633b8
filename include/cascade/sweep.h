/* sweep: a parameter sweep's spec, validated and expanded into its runs.
 *
 * The spec (docs/sweeps.md): { "base": "PATH" | {config}, "set": {PATH: value},
 * "parameters": {PATH: [values] | {"from", "to", "steps", "scale"} |
 * {"sample", "n", "low", "high"}}, "replicates", "seed", "collect": [names] }.
 * Expansion is deterministic: the grid (cartesian product of the list and range
 * parameters, the first parameter outermost), crossed with the n rows of the
 * sampled parameters (drawn from a PCG stream seeded by the sweep seed; lhs
 * rows form one Latin hypercube), crossed with the replicates (innermost). Run
 * i's seed is derived from the sweep seed and i alone. cJSON trees never leave
 * config/: callers see JSON text and C strings.
 */
#ifndef CASCADE_SWEEP_H
#define CASCADE_SWEEP_H

#include <stdio.h>

#include "cascade/core.h"

struct cas_sweep_run {
    size_t index;
    char id[48];   /* "r000017": zero-padded to at least 6 digits */
    uint64_t seed; /* 0 .. 2^53 - 1 */
    char **values; /* n_params JSON texts, one per parameter (the array owned by
                       * the run, the texts borrowed from the sweep's texts) */
};

struct cas_sweep {
    char *base_path; /* the base config file, absolute; NULL when inline */
    char *base_text; /* the inline base config as JSON text; NULL for a file */
    size_t n_sets;
    char **sets; /* the spec's "set" as "PATH=JSON" texts, in order */
    size_t n_params;
    char **params; /* parameter paths, in spec order */
    uint64_t seed;
    unsigned replicates;
    size_t n_collect; /* 0: every scalar of summary.json but "performance" */
    char **collect;
    size_t n_runs;
    struct cas_sweep_run *runs;
    size_t n_texts;
    char **texts;     /* every value's text; the runs' values point into these */
    char *normalized; /* the spec as JSON text, base made absolute: it reloads to
                        * the same sweep from any directory */
};

/* Parse and expand the spec text (named `source` in messages); relative base
 * paths are resolved against `dir` ("" = the working directory) and must name
 * a readable file; with dir NULL the base path is kept as written, unchecked. On failure a CAS_E* code, *sw left empty, err->path the JSON
 * path ("parameters.insurance_fund.steps") and err->msg what is wrong. The base
 * config itself is not validated here. */
int cas_sweep_parse(struct cas_sweep *sw, const char *text, const char *source, const char *dir,
                    struct cas_err *err);

/* Read the file at path and parse it as above, relative to its directory. */
int cas_sweep_load(struct cas_sweep *sw, const char *path, struct cas_err *err);

/* Free what sw owns; a zeroed or released sw is a no-op. */
void cas_sweep_release(struct cas_sweep *sw);

/* The manifest: one JSON object per run, one a line ({"id", "index",
 * "parameters": {PATH: value}, "seed"}), NUL-terminated; caller frees. NULL
 * when out of memory. */
char *cas_sweep_manifest(const struct cas_sweep *sw);

/* A run's figures from summary.json, flattened: nested keys joined with '.',
 * array elements as NAME[i]; values as text (numbers exactly, strings bare,
 * true/false, null as ""). The "performance" object is left out. */
struct cas_sweep_figures {
    size_t n;
    char **names;
    char **values;
};

/* Read the summary.json at path into *f (release with cas_sweep_figures_release).
 * CAS_EIO when it cannot be read, CAS_EINVAL when it is not a JSON object. */
int cas_sweep_figures_read(struct cas_sweep_figures *f, const char *path, struct cas_err *err);
void cas_sweep_figures_release(struct cas_sweep_figures *f);

#endif
