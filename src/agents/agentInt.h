/* agentInt: what every agent type is made of, declared once for all of them.
 *
 * A type lists its parameters once, as an X-macro of rows
 *     X(name, ctype, KIND, default, min, max, min_open, unit, meaning)
 * (KIND is REAL or INT). From that one list come the enum P_name ... N_PARAMS, the
 * table `params` that the config validates against and the docs are held to, one
 * field `ctype name;` per parameter in the state, and `load_params`, which copies an
 * agent's drawn values into those fields and opens its account from `collateral`
 * and `leverage` (rows every type has, with `rate` for all but noise: CAS__P_*).
 * The state's field of a parameter bears the parameter's name, so the name in the
 * config, the docs, the enum and the code is one name.
 *
 * A file then reads:
 *     #define PARAMS(X) CAS__P_RATE(X, ...) X(...) ... CAS__P_COLLATERAL(X, ...) ...
 *     struct NAME { CAS__PARAM_FIELDS(PARAMS) ...its own state... };
 *     CAS__PARAMS(NAME, PARAMS);
 *     static int NAME_init(...), static void NAME_act(...), ...
 *     CAS__AGENT_TYPE(NAME, .summary = "...", ...optional callbacks...);
 * CAS__AGENT_TYPE gives the type its name, table, state size, NAME_init, NAME_act and
 * a rate callback reading the state's field `rate` (wake-ups per step).
 */
#ifndef CASCADE_AGENT_INT_H
#define CASCADE_AGENT_INT_H

#include "cascade/agent.h"

/* The rows most types share. */
#define CAS__P_RATE(X, def, max, doc) X(rate, double, REAL, def, 0, max, true, "1/step", doc)
#define CAS__P_COLLATERAL(X, def, doc) \
    X(collateral, double, REAL, def, 0, 1e12, false, "quote currency", doc)
#define CAS__P_LEVERAGE(X, def, doc) X(leverage, double, INT, def, 1, 1000, false, "x", doc)

#define CAS__PARAM_ENUM(name, ...) P_##name,
#define CAS__PARAM_SPEC(name, ctype, kind, def, min, max, open, unit, doc) \
    [P_##name] = {#name, CAS_PARAM_##kind, def, min, max, open, unit, doc},
#define CAS__PARAM_FIELD(name, ctype, ...) ctype name;
#define CAS__PARAM_LOAD(name, ctype, ...) x->name = (ctype)p[P_##name];

/* One field per parameter, inside the type's state struct. */
#define CAS__PARAM_FIELDS(LIST) LIST(CAS__PARAM_FIELD)

/* After the state struct: the enum of the parameters (P_name ..., N_PARAMS), their
 * table `params`, and static void load_params(struct NAME *x, struct cas_agent_setup *s),
 * which sets the fields from s->params and the account from collateral and leverage. */
#define CAS__PARAMS(NAME, LIST)                                                    \
    enum { LIST(CAS__PARAM_ENUM) N_PARAMS };                                       \
    static const struct cas_param_spec params[N_PARAMS] = {LIST(CAS__PARAM_SPEC)}; \
    static void load_params(struct NAME *x, struct cas_agent_setup *s)             \
    {                                                                              \
        const double *p = s->params;                                               \
        LIST(CAS__PARAM_LOAD)                                                      \
        s->collateral = x->collateral;                                             \
        s->leverage = (int32_t)x->leverage;                                        \
    }                                                                              \
    static void load_params(struct NAME *x, struct cas_agent_setup *s)

/* The price a market order on `side` takes first: the best ask for a buy, the best bid
 * for a sell, the last trade when that side is empty. */
static inline double cas__touch_price(const struct cas_market_view *v, enum cas_side side)
{
    if (side == CAS_BUY)
        return (double)(v->has_ask ? v->best_ask : v->last);
    return (double)(v->has_bid ? v->best_bid : v->last);
}

/* The type's figures of itself: `measures` and the function reading one. */
#define CAS__MEASURES(fn)                                                               \
    .measures = measures, .n_measures = (uint32_t)(sizeof measures / sizeof *measures), \
    .measure = fn

/* const struct cas_agent_type cas_agent_NAME, with what every type has; the rest
 * (.summary, optional callbacks) follows as designated initializers. */
#define CAS__AGENT_TYPE(NAME, ...)                                                     \
    static double NAME##_rate(const void *state)                                       \
    {                                                                                  \
        const struct NAME *x = state;                                                  \
        return x->rate;                                                                \
    }                                                                                  \
    const struct cas_agent_type cas_agent_##NAME = {.name = #NAME,                     \
                                                    .params = params,                  \
                                                    .n_params = N_PARAMS,              \
                                                    .state_size = sizeof(struct NAME), \
                                                    .init = NAME##_init,               \
                                                    .rate = NAME##_rate,               \
                                                    .act = NAME##_act,                 \
                                                    __VA_ARGS__}

#endif
