/* config: an experiment's configuration, loaded from JSON and validated.
 *
 * The JSON shape (every key documented in docs/config.md):
 *   { "name", "seed", "steps", "step_seconds",
 *     "record": { "sample_every" },
 *     "instruments": [ { "name", "kind", "tick_size", "lot_size", "initial_price" } ],
 *     "agents": [ { "type", "count", "instrument", "params": { ... } } ] }
 * Unknown keys are rejected with their JSON path and a did-you-mean; numbers
 * are range-checked; integers must be exact. cJSON trees never leave this
 * module: callers see only struct cas_config and the resolved JSON text.
 */
#ifndef CASCADE_CONFIG_H
#define CASCADE_CONFIG_H

#include "cascade/agent.h"
#include "cascade/core.h"

#define CAS_NAME_MAX 64

struct cas_instrument_config {
    char name[CAS_NAME_MAX];
    char kind[16];           /* "spot" */
    double tick_size;        /* quote currency per tick, > 0 */
    double lot_size;         /* base units per lot, > 0 */
    cas_ticks initial_price; /* in ticks: initial_price / tick_size, exact */
};

struct cas_population_config {
    const struct cas_agent_type *type; /* borrowed from the registry */
    uint32_t count;
    uint32_t instrument;               /* index into instruments */
    double params[CAS_MAX_PARAMS];     /* in the order of type->params */
};

struct cas_config {
    char name[CAS_NAME_MAX];
    uint64_t seed;                     /* 0 .. 2^53 */
    cas_step steps;
    double step_seconds;
    cas_step sample_every;             /* steps between time-series rows */
    uint32_t n_instruments;
    struct cas_instrument_config *instruments;
    uint32_t n_populations;
    struct cas_population_config *populations;
    char *resolved_json;               /* every key, defaults filled in; owned */
};

/* The embedded default experiment (configs/default.json), NUL-terminated. */
extern const char cas__default_config[];

/* Parse `text` (named `source` in messages: a file name or "<default>"),
 * apply each "PATH=VALUE" of `sets` in order (VALUE is JSON, or else taken as
 * a string), fill defaults and validate. On success 0 and *cfg filled (release
 * it with cas_config_release). On failure a CAS_E* code, *cfg left empty, and
 * err->path the JSON path ("agents[0].params.mu"; "--set X" for a bad
 * override; for invalid JSON "line N"), err->msg what is wrong. */
int cas_config_parse(struct cas_config *cfg, const char *text, const char *source,
                     const char *const *sets, size_t n_sets, struct cas_err *err);

/* Read the file at `path` (NULL: the embedded default) and parse it as above;
 * a file that cannot be read gives CAS_EIO with err->path = path. */
int cas_config_load(struct cas_config *cfg, const char *path, const char *const *sets,
                    size_t n_sets, struct cas_err *err);

/* Free what cfg owns; a zeroed or already released cfg is a no-op. */
void cas_config_release(struct cas_config *cfg);

#endif
