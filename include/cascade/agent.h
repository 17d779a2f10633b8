/* agent: the interface every agent type implements, and the registry of types.
 *
 * A type is a const table: its name, a table of numeric parameters (name,
 * default, range, unit, meaning: the config module validates against it and the
 * docs are written from it), the size of one agent's state, and its functions.
 * An agent touches the market only through its context: a read-only view, its
 * own random stream, and an order sink. It never reaches into the book, the
 * scheduler or another agent.
 */
#ifndef CASCADE_AGENT_H
#define CASCADE_AGENT_H

#include "cascade/book.h"
#include "cascade/core.h"
#include "cascade/exchange.h"
#include "cascade/rng.h"

#define CAS_MAX_PARAMS 16

struct cas_order_req;

enum cas_param_kind { CAS_PARAM_REAL, CAS_PARAM_INT };

struct cas_param_spec {
    const char *name;
    enum cas_param_kind kind;
    double def;      /* default when the config leaves it out */
    double min, max; /* allowed range, inclusive unless min_open */
    bool min_open;   /* the value must be strictly greater than min */
    const char *unit;
    const char *doc; /* one sentence */
};

/* A parameter's value across a population: each agent draws its own from its own stream
 * at the start of the run. The config checks that it fits the parameter's range (a
 * constant and a uniform's bounds within it, the others' mean within it). */
enum cas_dist_kind {
    CAS_DIST_CONSTANT,
    CAS_DIST_UNIFORM,
    CAS_DIST_NORMAL,
    CAS_DIST_LOGNORMAL,
    CAS_DIST_EXPONENTIAL
};

/* constant: a; uniform: [a, b]; normal: mean a, sd b; lognormal: mu a, sigma b (of the
 * underlying normal); exponential: mean a */
struct cas_dist {
    enum cas_dist_kind kind;
    double a, b;
};

/* One draw for one agent, clipped to the param's range (an open minimum clips to the next
 * double above it) and rounded for INT params (to the nearest integer, then into the
 * range). A constant draws nothing from the stream (rng may then be NULL), so constant
 * params do not shift agents' streams. */
double cas_param_draw(const struct cas_param_spec *spec, const struct cas_dist *dist,
                      struct cas_rng *rng);

/* One order of a script (the `orders` of a type that takes one, such as `scripted`;
 * docs/config.md): sent at the start of step `step` (time `step` exactly), after the
 * script's earlier entries of the same step. */
struct cas_script_order {
    cas_step step;
    enum cas_side side;
    enum cas_order_type type; /* market, limit (resting until filled), ioc, post_only */
    cas_lots qty;
    int32_t leverage;     /* > 0: the account's leverage setting from this order on; 0: as it is */
    cas_ticks price;      /* the limit types: the limit in ticks; 0 for market */
    double price_written; /* the limit as written, in quote currency (0 for market) */
    bool reduce_only;
};

/* What init gets: the agent's place in its population and its parameters;
 * init fills in what its account should hold. */
struct cas_agent_setup {
    uint32_t index;       /* 0 .. count-1 within the population */
    uint32_t count;       /* population size */
    const double *params; /* resolved values, in the order of the type's table */
    cas_ticks initial_price;
    uint32_t instrument; /* the population's instrument */
    bool perpetual;      /* is it a perpetual (else spot)? */
    double tick_size;    /* quote currency per tick */
    double lot_size;     /* base units per lot: a lot at P ticks is worth
                              P x tick_size x lot_size quote currency */
    double step_seconds; /* length of a step, for annualising (options, volatility) */
    cas_step steps;      /* length of the run */
    /* The agent's account: the sim opens it from these when init succeeds. */
    double collateral; /* quote currency; init sets it (0 by default) */
    int32_t leverage;  /* init sets it (1 by default) */
    /* A position held from before the run (perpetuals; 0 by default): signed lots and
     * its entry price in ticks. The sim opens every such position before the first
     * step: the longs, in agent order, matched against the shorts, in agent order, each
     * match at the long's entry price (cas_sim_create; docs/architecture.md). */
    cas_lots position;
    cas_ticks entry;
    struct cas_rng *rng; /* the agent's own stream, for what init draws beyond its params */
    /* time in steps of the first wake-up, >= 0; NaN (the default) for the Poisson
     * process's first arrival (a type with next_wake: for none at all) */
    double first_wake;
    /* A type with `orders`: the population's script, ordered by step (entries of one
     * step as written), borrowed from the config, which outlives the run. */
    const struct cas_script_order *orders;
    uint32_t n_orders;
};

/* The market as the agent may see it, for its instrument, at the moment it acts. */
struct cas_market_view {
    cas_step step;
    double now; /* continuous time in steps: step <= now < step + 1 */
    bool has_bid, has_ask;
    cas_ticks best_bid, best_ask;
    cas_ticks last;            /* last trade price, or the initial price before any trade */
    cas_ticks mark;            /* the venue's mark price (last or mid on spot) */
    cas_lots position;         /* the agent's position on the instrument, signed */
    cas_money equity;          /* the agent's account equity at the marks */
    bool liquidating;          /* the account is being liquidated: orders are refused */
    double entry;              /* entry price of the position, ticks (0 when flat) */
    cas_money contract_units;  /* money per tick per lot: notional = ticks * lots * this */
    double index;              /* index price, ticks (perpetuals; the mid or last on spot) */
    double value;              /* fundamental value, ticks: spot, the instrument's value
                                  process (docs/config.md); perpetuals, the index */
    double funding_rate;       /* predicted funding rate per interval (0 on spot) */
    uint32_t index_instrument; /* the spot instrument the index follows, or UINT32_MAX */
    bool halted;               /* trading on the instrument is halted */
};

/* The public liquidation map, as data vendors sell it: open-interest notional
 * (quote currency) by liquidation price, in n bins of width `bin` ticks from
 * `lo`, for longs and shorts; published every `every` steps and `lag`
 * publications old when read (the agent picks the lag). */
#define CAS_LIQ_BINS 128
struct cas_liq_map {
    cas_step published; /* step it describes; -1 when none is published yet */
    double lo, bin;     /* ticks */
    double longs[CAS_LIQ_BINS], shorts[CAS_LIQ_BINS];
};

/* Services beyond the agent's own instrument. Any may be used from act;
 * none from on_fill or on_liquidated. */
struct cas_agent_ops {
    /* submit on any instrument; *id receives the order's id (a stop's id too,
     * which cancel accepts until the stop fires) */
    int (*submit)(void *sink, uint32_t instrument, const struct cas_order_req *req, uint64_t *id);
    /* cancel one of the agent's resting orders: 0 or CAS_ENOTFOUND */
    int (*cancel)(void *sink, uint64_t id);
    /* the view of another instrument, as the agent's own */
    void (*view)(void *sink, uint32_t instrument, struct cas_market_view *out);
    /* the liquidation map `lag` publications old (0 = newest); false if none */
    bool (*liq_map)(void *sink, uint32_t instrument, uint32_t lag, const struct cas_liq_map **out);
    /* keeper mode: accounts liquidatable now (up to max) */
    uint32_t (*liquidatable)(void *sink, uint32_t instrument, uint32_t *accounts, uint32_t max);
    /* keeper mode: take over up to `lots` of a liquidatable account's position */
    int (*keeper_liquidate)(void *sink, uint32_t instrument, uint32_t target, cas_lots lots,
                            cas_lots *taken);
    /* deposit `amount` quote currency more into the agent's account (a cross account's
     * cash, an isolated account's margin on `instrument`): a top-up of margin, counted
     * in the agent's deposits. 0 or CAS_EINVAL */
    int (*deposit)(void *sink, uint32_t instrument, double amount);
    /* set the account's leverage (>= 1; the venue caps it per instrument) for what it
     * does from now on (cas_exchange_set_leverage). 0 or CAS_EINVAL */
    int (*set_leverage)(void *sink, int32_t leverage);
};

/* A fill of one of the agent's orders, as the agent hears it. */
struct cas_agent_fill {
    uint32_t instrument;
    uint64_t order_id;
    enum cas_side side; /* the agent's side */
    cas_ticks price;
    cas_lots qty;
    bool maker;    /* the agent's order was resting */
    cas_lots left; /* what remains of the agent's order (maker: resting lots) */
};

struct cas_order_req {
    enum cas_side side;
    enum cas_order_type type;
    cas_ticks price; /* ignored for CAS_MARKET */
    cas_lots qty;
    double expire_at; /* time in steps after which the venue cancels what rests;
                              INFINITY for good till cancelled */
    bool reduce_only; /* may only shrink the agent's position */
    cas_ticks stop;   /* > 0: a stop order — held until the last trade price reaches
                              it (a buy stop when last >= stop, a sell stop when
                              last <= stop), then sent as a market order; type, price and
                              expire_at are then ignored */
    /* The order answers forced flow: the taker orders on `answer_side` of instrument
     * `answer_on` in this step and the one before. When liquidations' orders (or orders
     * answering them) were among them, the order's cause is the liquidation with the
     * most of those lots, as `carried` (an arbitrage desk's spot hedge against the
     * perpetual it bought from a liquidation's sales); otherwise it is the agent's own. */
    bool answer;
    uint32_t answer_on;
    enum cas_side answer_side;
};

struct cas_agent_ctx {
    const struct cas_market_view *view; /* borrowed, valid during act */
    struct cas_rng *rng;                /* the agent's own stream */
    void *sink;
    int (*submit)(void *sink, const struct cas_order_req *req);
    const struct cas_agent_ops *ops;
    uint32_t instrument; /* the agent's own */
};

/* Send an order to the venue on the agent's instrument; it is matched at once.
 * 0 or a CAS_E* code (CAS_EINVAL: the venue refused it). */
static inline int cas_agent_submit(struct cas_agent_ctx *ctx, const struct cas_order_req *req)
{
    return ctx->submit(ctx->sink, req);
}

/* The same on any instrument, with the order's id. */
static inline int cas_agent_submit_on(struct cas_agent_ctx *ctx, uint32_t instrument,
                                      const struct cas_order_req *req, uint64_t *id)
{
    return ctx->ops->submit(ctx->sink, instrument, req, id);
}

static inline int cas_agent_cancel(struct cas_agent_ctx *ctx, uint64_t id)
{
    return ctx->ops->cancel(ctx->sink, id);
}

static inline void cas_agent_view(struct cas_agent_ctx *ctx, uint32_t instrument,
                                  struct cas_market_view *out)
{
    ctx->ops->view(ctx->sink, instrument, out);
}

/* A figure an agent type reports of itself (summary.json:
 * agents.TYPE.measures.NAME, summed over the type's agents). */
struct cas_measure_spec {
    const char *name;
    const char *unit;
    const char *meaning;
};

struct cas_agent_type {
    const char *name;
    const char *summary;                 /* one line, for help and docs */
    const struct cas_param_spec *params; /* at most CAS_MAX_PARAMS */
    uint32_t n_params;
    size_t state_size;
    /* REQUIRED: set up one agent's state (zeroed storage of state_size bytes).
     * A parameter combination the type cannot use is reported with err->path
     * relative to the population, e.g. "params.sigma". */
    int (*init)(void *state, struct cas_agent_setup *setup, struct cas_err *err);
    /* REQUIRED: wake-ups per step; the scheduler wakes the agent as a Poisson
     * process of this rate. Constant for the agent's life. */
    double (*rate)(const void *state);
    /* OPTIONAL: scheduled wake-ups instead of the Poisson process: the time in steps of
     * the next wake-up after one at `now` (> now), INFINITY for none. The first is
     * init's setup->first_wake (NaN: none); `rate` then only says how many a step the
     * agent takes on average, for the scheduler's limit. */
    double (*next_wake)(const void *state, double now);
    /* REQUIRED: one wake-up: look at the view, maybe submit orders. */
    void (*act)(void *state, struct cas_agent_ctx *ctx);
    /* OPTIONAL: hear a fill of one of the agent's orders (no orders from here). */
    void (*on_fill)(void *state, const struct cas_agent_fill *fill);
    /* OPTIONAL: hear that the agent's account was liquidated (no orders from here). */
    void (*on_liquidated)(void *state, const struct cas_liquidation *liq);
    /* OPTIONAL: is the agent at its capital limit? True when, at its last wake-up, it
     * wanted to trade against a mispricing and its position limit or its margin stopped
     * it (arbitrageurs and value traders: what keeps a price from its index). */
    bool (*at_limit)(const void *state);
    /* OPTIONAL: free what init allocated (the state's storage is the sim's). */
    void (*release)(void *state);
    /* Does the type read the public liquidation map? The venue publishes it
     * (every 60 steps, reading the positions near its window) only when some
     * agent or the recorder does. */
    bool reads_liq_map;
    /* Is it an arbitrage desk, trading a perpetual against its index's spot books with
     * one account? Its holdings on every instrument and its equity are reported
     * (cas_sim_desks; timeseries.csv: desk_lots, desk_equity). */
    bool desk;
    /* Does the type take a script, the param `orders`: a list of objects, one per order
     * (struct cas_script_order), which the config reads and init gets in setup->orders? */
    bool takes_orders;
    /* OPTIONAL: the figures the type reports of itself at the end of a run, and
     * one agent's value of figure k (it must not change the agent). */
    const struct cas_measure_spec *measures;
    uint32_t n_measures;
    double (*measure)(const void *state, uint32_t k);
};

/* The type of that name, or NULL. */
const struct cas_agent_type *cas_agent_type_find(const char *name);

/* Every registered type, in a fixed order; *n receives the count. */
const struct cas_agent_type *const *cas_agent_types(size_t *n);

/* The registered types, in the registry's fixed order (docs and help list them so):
 * each is `const struct cas_agent_type cas_agent_NAME`, defined in src/agents/NAME.c. */
#define CAS_AGENT_TYPES(X) \
    X(noise)               \
    X(fundamental)         \
    X(market_maker)        \
    X(leveraged) X(option_dealer) X(front_runner) X(liquidator) X(basis_arb) X(holder) X(scripted)

#define CAS__AGENT_EXTERN(name) extern const struct cas_agent_type cas_agent_##name;
CAS_AGENT_TYPES(CAS__AGENT_EXTERN)
#undef CAS__AGENT_EXTERN

#endif
