/* config: an experiment's configuration, loaded from JSON and validated.
 *
 * The JSON shape (every key documented in docs/config.md):
 *   { "name", "seed", "steps", "step_seconds", "money_decimals", "insurance_fund",
 *     "record": { "sample_every", "trades", "liqmap", "stylized_warmup_s",
 *                 "opening_max_s", "episode_gap_s", "amplification_horizon_steps",
 *                 "replay_window_steps", "replay" },
 *     "instruments": [ { "name", "kind", "tick_size", "lot_size", "initial_price",
 *         spot only:
 *         "value": { "vol_annual", "drift_annual" },
 *         perpetuals only:
 *         "venue": NAME | "PATH.json" | { "name", "description", RULES },
 *         "index": { "source": "gbm" | "path" | "spot", "vol_annual", "drift_annual",
 *                    "jumps_per_day", "jump_mean", "jump_sd" | "file" | "instrument" |
 *                    "constituents": [ { "instrument", "weight" } ], "outliers",
 *                    "outlier_band" },
 *         RULES: one object per venue rule declared in src/config/rules.c ("mark",
 *                "funding", ...; a rule that can be switched off may be false) } ],
 *     "agents": [ { "type", "count", "instrument", "margin", "params": { ... } } ],
 *     "shocks": [ { "step", "kind": "market_order" | "limit_order" | "index_jump" | "news",
 *                   "instrument", "side", "qty", "price" | "pct", "over_steps",
 *                   "position": "open" | "close", "holders" } ] }
 * A perpetual's RULES come from its venue profile (built in from
 * configs/venues/NAME.json, a file, or written in place), overridden key by
 * key by its own. Unknown keys are rejected with their JSON path and a
 * did-you-mean; numbers are range-checked; integers must be exact; quote
 * amounts must be whole money units and rates whole ppm. cJSON trees never
 * leave this module: callers see only struct cas_config and the resolved JSON
 * text, which has every key (a perpetual's rules merged and complete).
 */
#ifndef CASCADE_CONFIG_H
#define CASCADE_CONFIG_H

#include "cascade/agent.h"
#include "cascade/core.h"
#include "cascade/exchange.h"
#include "cascade/rules.h"

#define CAS_NAME_MAX 64

struct cas_instrument_config {
    char name[CAS_NAME_MAX];
    char kind[16];            /* "spot" or "perpetual" */
    double tick_size;         /* quote currency per tick, > 0 */
    double lot_size;          /* base units per lot, > 0 */
    cas_ticks initial_price;  /* in ticks: initial_price / tick_size, exact */
    char venue[CAS_NAME_MAX]; /* the venue profile its rules came from; "" for none */
    /* The exchange's rules, converted: money units, ppm, steps. For spot only
     * name, kind, contract_units and initial_price are meaningful. */
    struct cas_instrument_spec spec;
    /* spot only: the fundamental value, a process in ticks from initial_price: constant
     * without a "value" object (value_on false), else a GBM of these per-step figures,
     * converted from the annual ones as the index's are (no jumps) */
    bool value_on;
    struct cas_gbm_params value;
    /* perpetuals only */
    enum cas_index_source index_source;
    struct cas_gbm_params gbm; /* per step, converted from the annual figures */
    char index_file[512];      /* PATH: relative paths resolved against the config's directory */
    /* SPOT: the spot books the index is computed from (Binance's index is a weighted
     * average of several spot venues, outliers held to the median; see cas_index_composite
     * in rules.h). index_spot is the constituent of the largest weight (the first of them
     * on a tie): the book basis arbitrageurs hedge on. */
    uint32_t index_spot;
    uint32_t n_constituents;                    /* 1 .. CAS_MAX_CONSTITUENTS */
    uint32_t constituent[CAS_MAX_CONSTITUENTS]; /* instruments' indexes */
    double weight[CAS_MAX_CONSTITUENTS];        /* as written, > 0 */
    enum cas_index_outliers outliers;
    double outlier_band; /* fraction of the median */
    bool index_by_name;  /* written as "instrument": one constituent, no outlier rule */
    enum cas_mark_method mark_method;
    cas_step mark_ema_steps;
    bool funding_on;
    struct cas_funding_params funding;
    bool band_on;
    struct cas_band_params band;
    bool dynamic_margin_on;
    struct cas_volmargin_params dynamic_margin;
};

enum cas_shock_kind {
    CAS_SHOCK_MARKET_ORDER,
    CAS_SHOCK_LIMIT_ORDER,
    CAS_SHOCK_INDEX_JUMP,
    CAS_SHOCK_NEWS, /* a move of a spot instrument's value, at once or spread over steps */
};

/* Whose order a market-order shock is: the shock account opening a position, or the
 * holders of the opposite position closing theirs. */
enum cas_shock_position { CAS_SHOCK_OPEN, CAS_SHOCK_CLOSE };

struct cas_shock_config {
    cas_step step; /* applied at the start of this step */
    enum cas_shock_kind kind;
    uint32_t instrument;
    enum cas_side side;   /* MARKET_ORDER, LIMIT_ORDER */
    cas_lots qty;         /* MARKET_ORDER, LIMIT_ORDER */
    cas_ticks price;      /* LIMIT_ORDER: the limit, in ticks; it rests until filled */
    double price_written; /* LIMIT_ORDER: the limit as written, in quote currency */
    double pct;           /* INDEX_JUMP: the index is multiplied by 1 + pct; NEWS: the value */
    cas_step over_steps;  /* NEWS: the steps from `step` the move is spread over; 1 otherwise */
    enum cas_shock_position position; /* MARKET_ORDER; OPEN for the others */
    uint32_t holders; /* CLOSE: the population whose agents close, UINT32_MAX for any */
};

#define CAS_MAX_REPLAY_RANGES 16

struct cas_population_config {
    const struct cas_agent_type *type; /* borrowed from the registry */
    uint32_t count;
    uint32_t instrument;         /* index into instruments */
    enum cas_margin_mode margin; /* "margin": "cross" (default) or "isolated" */
    /* "maker_fee": the fee its accounts pay as makers, in place of each instrument's (a
     * venue's liquidity-provider programme; < 0 a rebate), when own_maker_fee */
    bool own_maker_fee;
    int64_t maker_fee_ppm;
    /* In the order of type->params. dists[i] is how param i varies across the agents
     * (CAS_DIST_CONSTANT for a plain number); params[i] its central value: a plain
     * number, a constant's value, a uniform's midpoint, a normal's or exponential's
     * mean, a lognormal's mean exp(mu + sigma^2/2); clipped and, for INT params,
     * rounded as cas_param_draw does. */
    double params[CAS_MAX_PARAMS];
    struct cas_dist dists[CAS_MAX_PARAMS];
    /* A type that takes a script (type->takes_orders): its `orders`, ordered by step,
     * entries of one step as written; owned. NULL and 0 otherwise. */
    struct cas_script_order *orders;
    uint32_t n_orders;
};

struct cas_config {
    char name[CAS_NAME_MAX];
    uint64_t seed; /* 0 .. 2^53 */
    cas_step steps;
    double step_seconds;
    cas_step sample_every;                     /* steps between time-series rows */
    double stylized_warmup_s;                  /* record.stylized_warmup_s: simulated seconds
                                                  the stylized facts leave out */
    double opening_max_s;                      /* record.opening_max_s: the book's opening
                                                  lasts at most this long */
    double episode_gap_s;                      /* record.episode_gap_s: cascades this close
                                                  in time are one episode */
    cas_step amplification_horizon;            /* record.amplification_horizon_steps */
    cas_step replay_window;                    /* record.replay_window_steps: replay.jsonl around
                                          liquidations; 0 = none */
    cas_step replay[CAS_MAX_REPLAY_RANGES][2]; /* record.replay: step ranges always kept */
    uint32_t n_replay;
    bool record_trades;       /* record.trades: write trades.csv */
    bool record_liqmap;       /* record.liqmap: write liqmap.csv (default on) */
    int money_decimals;       /* a money unit is 10^-money_decimals quote currency */
    cas_money insurance_fund; /* initial balance, money units */
    uint32_t n_instruments;
    struct cas_instrument_config *instruments;
    uint32_t n_populations;
    struct cas_population_config *populations;
    uint32_t n_shocks;
    struct cas_shock_config *shocks; /* ordered by step, then as written */
    char *resolved_json;             /* every key, defaults filled in; owned */
};

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
