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
#include "cascade/rng.h"

#define CAS_MAX_PARAMS 16

enum cas_param_kind { CAS_PARAM_REAL, CAS_PARAM_INT };

struct cas_param_spec {
    const char *name;
    enum cas_param_kind kind;
    double def;         /* default when the config leaves it out */
    double min, max;    /* allowed range, inclusive unless min_open */
    bool min_open;      /* the value must be strictly greater than min */
    const char *unit;
    const char *doc;    /* one sentence */
};

/* What init gets: the agent's place in its population and its parameters;
 * init fills in what its account should hold. */
struct cas_agent_setup {
    uint32_t index;        /* 0 .. count-1 within the population */
    uint32_t count;        /* population size */
    const double *params;  /* resolved values, in the order of the type's table */
    cas_ticks initial_price;
    /* The agent's account: the sim opens it from these when init succeeds. */
    double collateral;     /* quote currency; init sets it (0 by default) */
    int32_t leverage;      /* init sets it (1 by default) */
};

/* The market as the agent may see it, for its instrument, at the moment it acts. */
struct cas_market_view {
    cas_step step;
    double now;            /* continuous time in steps: step <= now < step + 1 */
    bool has_bid, has_ask;
    cas_ticks best_bid, best_ask;
    cas_ticks last;        /* last trade price, or the initial price before any trade */
    cas_ticks mark;        /* the venue's mark price (last or mid on spot) */
    cas_lots position;     /* the agent's position on the instrument, signed */
    cas_money equity;      /* the agent's account equity at the marks */
    bool liquidating;      /* the account is being liquidated: orders are refused */
};

struct cas_order_req {
    enum cas_side side;
    enum cas_order_type type;
    cas_ticks price;       /* ignored for CAS_MARKET */
    cas_lots qty;
    double expire_at;      /* time in steps after which the venue cancels what rests;
                              INFINITY for good till cancelled */
    bool reduce_only;      /* may only shrink the agent's position */
    cas_ticks stop;        /* > 0: a stop order — held until the last trade price reaches
                              it (a buy stop when last >= stop, a sell stop when
                              last <= stop), then sent as a market order; type, price and
                              expire_at are then ignored */
};

struct cas_agent_ctx {
    const struct cas_market_view *view; /* borrowed, valid during act */
    struct cas_rng *rng;                /* the agent's own stream */
    void *sink;
    int (*submit)(void *sink, const struct cas_order_req *req);
};

/* Send an order to the venue; it is matched at once. 0 or a CAS_E* code. */
static inline int cas_agent_submit(struct cas_agent_ctx *ctx, const struct cas_order_req *req)
{
    return ctx->submit(ctx->sink, req);
}

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
    /* REQUIRED: one wake-up: look at the view, maybe submit orders. */
    void (*act)(void *state, struct cas_agent_ctx *ctx);
};

/* The type of that name, or NULL. */
const struct cas_agent_type *cas_agent_type_find(const char *name);

/* Every registered type, in a fixed order; *n receives the count. */
const struct cas_agent_type *const *cas_agent_types(size_t *n);

extern const struct cas_agent_type cas_agent_noise;

#endif
