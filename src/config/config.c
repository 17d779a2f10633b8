/* config: an experiment's JSON checked against the schema, defaults filled, written back out.
 *
 * cJSON trees never leave config/. text.c parses the text and applies the --set overrides;
 * this file validates the tree in canonical key order (the top level, the instruments'
 * common keys, the agents; perp.c a perpetual's venue rules, shocks.c the shocks), and the
 * first error wins. Its path is the JSON path of the offending value (top-level keys bare,
 * ".key" below them, "[i]" for indexes) and its message is one line, because every piece
 * of user text is escaped before it enters a path or a message. On failure *cfg is all
 * zeroes. On success resolved_json is built from the struct (and the few values kept as
 * written), not from the input tree, in canonical order and with numbers that read back
 * exactly, so parsing it again gives an identical struct and identical text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmath.h"
#include "config/configInt.h"

#define SEED_MAX 9007199254740992.0  /* 2^53 */
#define UNITS_MAX 9007199254740992.0 /* 2^53: contract_units */

static const struct cas__range seed_range = {0, SEED_MAX, false, true, false};
static const struct cas__range steps_range = {1, 1e9, false, true, false};
static const struct cas__range step_seconds_range = {0, 86400, true, false, false};
static const struct cas__range decimals_range = {0, 9, false, true, false};
static const struct cas__range count_range = {1, 16777213, false, true, false}; /* 2^24 - 3 */
static const struct cas__range size_range = {0, 1e9, true, false, false};       /* tick, lot */

/* ---- instruments ------------------------------------------------------------------------ */

static const char *const kinds[] = {"spot", "perpetual"};

/* The keys every instrument has, then a spot instrument's own ("value"); perpetuals add
 * cas__perp_keys (venue, index, the rules). */
static const char *const common_keys[] = {"name",     "kind",          "tick_size",
                                          "lot_size", "initial_price", "value"};
enum { FIRST_PERP_KEY = sizeof common_keys / sizeof *common_keys };

/* Every key of an instrument into keys[2 + FIRST_PERP_KEY + CAS__MAX_RULES]; returns how many. */
static size_t instrument_keys(const char **keys)
{
    memcpy(keys, common_keys, sizeof common_keys);
    return FIRST_PERP_KEY + cas__perp_keys(keys + FIRST_PERP_KEY, 2 + CAS__MAX_RULES);
}

static int read_instrument_name(struct cas__parse *p, const cJSON *o, size_t i)
{
    struct cas_instrument_config *ins = p->cfg->instruments;
    const char *s;
    int rc = cas__read_string(&p->w, o, "name", &s);
    if (rc)
        return rc;
    if (!s)
        return cas__fail(&p->w, "name", CAS_EINVAL, "missing required key 'name'");
    if ((rc = cas__check_name(&p->w, "name", s, ins[i].name)) != 0)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(ins[j].name, s) == 0)
            return cas__fail(&p->w, "name", CAS_EEXIST,
                             "duplicate instrument name '%s' (instruments[%zu] has it); rename one",
                             s, j);
    return 0;
}

/* initial_price, required, a whole number of ticks, stored in ticks. */
static int read_initial_price(struct cas__parse *p, const cJSON *o, size_t i)
{
    struct cas_instrument_config *ins = &p->cfg->instruments[i];
    return cas__read_price(&p->w, o, "initial_price", ins->tick_size, "; give the opening price",
                           &ins->initial_price, &p->written[i].price);
}

/* Money units per tick per lot at d decimals, if a whole number >= 1. */
static bool whole_units(double tick, double lot, int d, double *k)
{
    *k = tick * lot * cas_pow10(d);
    double r = round(*k);
    return r >= 1 && fabs(*k - r) <= 1e-9 * r;
}

/* contract_units K = tick_size x lot_size x 10^money_decimals, a whole number >= 1. */
static int read_contract_units(struct cas__parse *p, size_t i)
{
    struct cas_instrument_config *ins = &p->cfg->instruments[i];
    int d = p->cfg->money_decimals, better = d + 1;
    double k, k2;
    bool ok = whole_units(ins->tick_size, ins->lot_size, d, &k);
    if (k > UNITS_MAX)
        return cas__fail(&p->w, "lot_size", CAS_ERANGE,
                         "gives contract_units of %s money units (tick_size x lot_size x 10^%d);"
                         " the limit is 2^53: lower money_decimals",
                         cas__num(k).s, d);
    if (!ok) {
        while (better <= 9 && !whole_units(ins->tick_size, ins->lot_size, better, &k2))
            better++;
        if (better <= 9)
            return cas__fail(&p->w, "lot_size", CAS_EINVAL,
                             "gives contract_units of %s money units (tick_size x lot_size x"
                             " 10^%d); it must be a whole number >= 1: set money_decimals to %d",
                             cas__num(k).s, d, better);
        return cas__fail(&p->w, "lot_size", CAS_EINVAL,
                         "gives contract_units of %s money units (tick_size x lot_size x 10^%d);"
                         " it must be a whole number >= 1: use a larger lot_size or tick_size",
                         cas__num(k).s, d);
    }
    ins->spec.contract_units = (cas_money)round(k);
    return 0;
}

/* A spot instrument trades without the venue rules: none of their keys may appear. */
static int reject_perp_keys(struct cas__parse *p, const cJSON *o, const char *const *keys, size_t n)
{
    for (size_t k = FIRST_PERP_KEY; k < n; k++)
        if (cas__member(o, keys[k]))
            return cas__fail(&p->w, keys[k], CAS_EINVAL,
                             "'%s' is only for perpetuals; set 'kind' to 'perpetual' or remove it",
                             keys[k]);
    return 0;
}

/* A spot instrument's value: absent, constant at initial_price; an object, a GBM whose
 * annual figures mean what the index's do (perp.c), defaulting to 0 (a value moves only
 * as far as the object says). Written back as given, and only when given. */
static int read_value(struct cas__parse *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"vol_annual", "drift_annual", "multifractal", "square_root"};
    static const struct cas__range vol = {0, 100, false, false, false};
    static const struct cas__range drift = {-100, 100, false, false, false};
    struct cas_instrument_config *ins = &p->cfg->instruments[i];
    struct cas__written *wr = &p->written[i];
    const cJSON *v;
    int rc = cas__read_object(&p->w, o, "value", &v);
    if (rc || !v)
        return rc;
    size_t mark = cas__push_key(&p->w, "value");
    if ((rc = cas__check_keys(&p->w, v, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = cas__read_number(&p->w, v, "vol_annual", &vol, 0, &wr->value_vol_annual)) != 0 ||
        (rc = cas__read_number(&p->w, v, "drift_annual", &drift, 0, &wr->value_drift_annual)) != 0)
        return rc;
    double dt = p->cfg->step_seconds;
    ins->value = (struct cas_gbm_params){.drift = wr->value_drift_annual * dt / YEAR_SECONDS,
                                         .vol = wr->value_vol_annual * sqrt(dt / YEAR_SECONDS)};
    if ((rc = cas__read_multifractal(&p->w, v, dt, &ins->value, wr->value_msm_s)) != 0 ||
        (rc = cas__read_square_root(&p->w, v, dt, &ins->value, &wr->value_sqv_life_s)) != 0)
        return rc;
    cas__pop(&p->w, mark);
    ins->value_on = true;
    return 0;
}

static int read_instrument(struct cas__parse *p, const cJSON *o, size_t i)
{
    struct cas_instrument_config *ins = &p->cfg->instruments[i];
    const char *keys[FIRST_PERP_KEY + 2 + CAS__MAX_RULES];
    size_t n_keys = instrument_keys(keys);
    int kind, rc;
    if (!cJSON_IsObject(o))
        return cas__fail(&p->w, NULL, CAS_EINVAL, "must be an object, got %s", cas__json_kind(o));
    if ((rc = cas__check_keys(&p->w, o, keys, n_keys)) != 0 ||
        (rc = read_instrument_name(p, o, i)) != 0 ||
        (rc = cas__read_choice(&p->w, o, "kind", kinds, 2, 0, "instrument kind", "known kinds",
                               &kind)) != 0 ||
        (rc = cas__read_number(&p->w, o, "tick_size", &size_range, 0.01, &ins->tick_size)) != 0 ||
        (rc = cas__read_number(&p->w, o, "lot_size", &size_range, 1, &ins->lot_size)) != 0 ||
        (rc = read_initial_price(p, o, i)) != 0 || (rc = read_contract_units(p, i)) != 0)
        return rc;
    snprintf(ins->kind, sizeof ins->kind, "%s", kinds[kind]);
    memcpy(ins->spec.name, ins->name, sizeof ins->spec.name);
    ins->spec.kind = kind == 0 ? CAS_SPOT : CAS_PERPETUAL;
    ins->spec.initial_price = ins->initial_price;
    if (ins->spec.kind == CAS_SPOT)
        return (rc = reject_perp_keys(p, o, keys, n_keys)) != 0 ? rc : read_value(p, o, i);
    if (cas__member(o, "value"))
        return cas__fail(&p->w, "value", CAS_EINVAL,
                         "'value' is only for spot instruments; a perpetual's value is its"
                         " 'index'");
    return cas__read_perpetual(p, o, (uint32_t)i);
}

static int read_instruments(struct cas__parse *p, const cJSON *root)
{
    const cJSON *arr;
    size_t n;
    int rc = cas__read_array(&p->w, root, "instruments", 1, CAS__MAX_INSTRUMENTS, &arr, &n);
    if (rc)
        return rc;
    if (!arr)
        return cas__fail(&p->w, "instruments", CAS_EINVAL,
                         "missing required key 'instruments'; list at least one instrument");
    p->cfg->instruments = calloc(n, sizeof *p->cfg->instruments);
    if (!p->cfg->instruments)
        return cas__no_memory(&p->w);
    p->cfg->n_instruments = (uint32_t)n;
    /* an index may follow a spot instrument listed after its perpetual */
    if ((rc = cas__read_entries(p, "instruments", arr, read_instrument)) != 0)
        return rc;
    return cas__read_entries(p, "instruments", arr, cas__link_index);
}

/* ---- agents ----------------------------------------------------------------------------- */

static int read_type(struct cas__walk *w, const cJSON *o, const struct cas_agent_type **out)
{
    size_t n;
    const struct cas_agent_type *const *types = cas_agent_types(&n);
    const char *s;
    int rc = cas__read_string(w, o, "type", &s);
    if (rc)
        return rc;
    if (s && (*out = cas_agent_type_find(s)) != NULL) {
        if ((*out)->n_params > CAS_MAX_PARAMS) /* a bug in the type's table */
            return cas__fail(w, "type", CAS_EINVAL,
                             "agent type '%s' declares %u parameters; the limit is %d", s,
                             (unsigned)(*out)->n_params, CAS_MAX_PARAMS);
        return 0;
    }
    struct cas__choices c = {.word = s ? s : ""};
    for (size_t i = 0; i < n; i++)
        cas__choices_add(&c, types[i]->name);
    if (!s)
        return cas__fail(w, "type", CAS_EINVAL, "missing required key 'type' (known types: %s)",
                         c.list);
    return cas__unknown(w, "type", CAS_ENOTFOUND, "agent type", &c, "known types", true);
}

/* Validate params against the type's table; pop's params[] and dists[] receive every value
 * in table order, *as_objects the params written as distribution objects; a type that
 * takes a script has its "orders" read too (orders.c). */
static int read_params(struct cas__walk *w, const cJSON *obj, struct cas_population_config *pop,
                       uint16_t *as_objects)
{
    const struct cas_agent_type *type = pop->type;
    const char *names[CAS_MAX_PARAMS + 1];
    uint32_t n = 0;
    int rc;
    for (; n < type->n_params; n++)
        names[n] = type->params[n].name;
    if (type->takes_orders)
        names[n++] = "orders";
    if (obj && (rc = cas__check_keys(w, obj, names, n)) != 0)
        return rc;
    *as_objects = 0;
    for (uint32_t i = 0; i < type->n_params; i++) {
        bool as_object;
        if ((rc = cas__read_param(w, obj, &type->params[i], &pop->dists[i], &pop->params[i],
                                  &as_object)) != 0)
            return rc;
        *as_objects |= (uint16_t)(as_object << i);
    }
    return 0;
}

static const char *const margin_modes[] = {"cross", "isolated"};

static int read_population(struct cas__parse *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"type",   "count",     "instrument",
                                       "margin", "maker_fee", "params"};
    static const struct cas__range fee = {-0.001, 0.01, false, false, false};
    struct cas_population_config *pop = &p->cfg->populations[i];
    const cJSON *params;
    double count;
    int margin, rc;
    if (!cJSON_IsObject(o))
        return cas__fail(&p->w, NULL, CAS_EINVAL, "must be an object, got %s", cas__json_kind(o));
    if ((rc = cas__check_keys(&p->w, o, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = read_type(&p->w, o, &pop->type)) != 0 ||
        (rc = cas__read_number(&p->w, o, "count", &count_range, 1, &count)) != 0 ||
        (rc = cas__read_instrument_ref(p, o, &pop->instrument)) != 0 ||
        (rc = cas__read_choice(&p->w, o, "margin", margin_modes, 2, 0, "margin mode", "known modes",
                               &margin)) != 0 ||
        (rc = cas__read_object(&p->w, o, "params", &params)) != 0)
        return rc;
    pop->own_maker_fee = cas__member(o, "maker_fee") != NULL;
    if (pop->own_maker_fee &&
        (rc = cas__read_ppm(&p->w, o, "maker_fee", &fee, 0, &pop->maker_fee_ppm)) != 0)
        return rc;
    pop->count = (uint32_t)count;
    pop->margin = margin == 0 ? CAS_CROSS : CAS_ISOLATED;
    size_t mark = cas__push_key(&p->w, "params");
    if ((rc = read_params(&p->w, params, pop, &p->dist_objects[i])) != 0 ||
        (pop->type->takes_orders && (rc = cas__read_orders(p, params, pop)) != 0))
        return rc;
    cas__pop(&p->w, mark);
    return 0;
}

static int read_agents(struct cas__parse *p, const cJSON *root)
{
    const cJSON *arr;
    size_t n;
    int rc = cas__read_array(&p->w, root, "agents", 0, CAS__MAX_POPULATIONS, &arr, &n);
    if (rc || n == 0)
        return rc;
    p->cfg->populations = calloc(n, sizeof *p->cfg->populations);
    if (!p->cfg->populations)
        return cas__no_memory(&p->w);
    p->cfg->n_populations = (uint32_t)n;
    return cas__read_entries(p, "agents", arr, read_population);
}

/* ---- the top level ----------------------------------------------------------------------- */

/* A boolean key of `record`, `def` when absent. */
static int read_flag(struct cas__parse *p, const cJSON *rec, const char *key, bool def, bool *out)
{
    const cJSON *v = rec ? cJSON_GetObjectItemCaseSensitive(rec, key) : NULL;
    *out = def;
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return cas__fail(&p->w, key, CAS_EINVAL, "must be true or false, got %s",
                         cas__json_kind(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

/* A whole number of steps in [1, steps] under record.KEY; `def` when absent. */
static int read_record_steps(struct cas__parse *p, const cJSON *rec, const char *key, double def,
                             cas_step *out)
{
    const struct cas__range r = {1, INFINITY, false, true, false};
    double d;
    int rc = cas__read_number(&p->w, rec, key, &r, def, &d);
    if (rc)
        return rc;
    if (d > (double)p->cfg->steps)
        return cas__fail(&p->w, key, CAS_ERANGE, "must not exceed 'steps' (%lld), got %s",
                         (long long)p->cfg->steps, cas__num(d).s);
    *out = (cas_step)d;
    return 0;
}

/* record.replay: up to CAS_MAX_REPLAY_RANGES [FROM, TO] pairs of steps,
 * 0 <= FROM <= TO < steps. */
static int read_replay_ranges(struct cas__parse *p, const cJSON *rec)
{
    const struct cas__range step = {0, (double)p->cfg->steps - 1, false, true, false};
    const cJSON *arr;
    size_t n;
    int rc = cas__read_array(&p->w, rec, "replay", 0, CAS_MAX_REPLAY_RANGES, &arr, &n);
    if (rc || !arr)
        return rc;
    size_t mark = cas__push_key(&p->w, "replay");
    for (size_t k = 0; k < n; k++) {
        const cJSON *pair = cJSON_GetArrayItem(arr, (int)k);
        size_t at = cas__push_index(&p->w, k);
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
            return cas__fail(&p->w, NULL, CAS_EINVAL, "must be a pair of steps [FROM, TO], got %s",
                             cas__json_kind(pair));
        double v[2];
        for (int j = 0; j < 2; j++) {
            size_t mj = cas__push_index(&p->w, (size_t)j);
            if ((rc = cas__check_number(&p->w, NULL, cJSON_GetArrayItem(pair, j), &step, &v[j])))
                return rc;
            cas__pop(&p->w, mj);
        }
        if (v[1] < v[0])
            return cas__fail(&p->w, NULL, CAS_ERANGE, "TO (%s) is before FROM (%s)",
                             cas__num(v[1]).s, cas__num(v[0]).s);
        p->cfg->replay[k][0] = (cas_step)v[0];
        p->cfg->replay[k][1] = (cas_step)v[1];
        p->cfg->n_replay = (uint32_t)k + 1;
        cas__pop(&p->w, at);
    }
    cas__pop(&p->w, mark);
    return 0;
}

/* record.sample_every: 1..steps, by default 60, or steps when there are fewer;
 * record.amplification_horizon_steps: 1..steps, by default 600 or steps.
 * record.stylized_warmup_s: 0..1e9 seconds of simulated time left out of
 * summary.json's stylized facts, by default 3600. record.opening_max_s: 0..1e9
 * seconds the book's opening may last at most (summary.json's opening), by default 60.
 * record.episode_gap_s: 0..1e9 seconds between cascades of one episode, by default 60.
 * record.trades: write
 * trades.csv; record.liqmap: write liqmap.csv. */
/* clang-format off */
static int read_record(struct cas__parse *p, const cJSON *root)
{
    static const char *const keys[] = {"sample_every", "trades", "liqmap",
                                       "stylized_warmup_s", "opening_max_s", "episode_gap_s",
                                       "amplification_horizon_steps", "replay_window_steps",
                                       "replay"};
    struct cas_config *cfg = p->cfg;
    const double steps = (double)cfg->steps;
    const cJSON *rec;
    int rc = cas__read_object(&p->w, root, "record", &rec);
    if (rc)
        return rc;
    size_t mark = cas__push_key(&p->w, "record");
    if (rec && (rc = cas__check_keys(&p->w, rec, keys, 9)) != 0)
        return rc;
    if ((rc = read_flag(p, rec, "trades", false, &cfg->record_trades)) != 0 ||
        (rc = read_flag(p, rec, "liqmap", true, &cfg->record_liqmap)) != 0)
        return rc;
    if ((rc = read_record_steps(p, rec, "sample_every", fmin(60, steps), &cfg->sample_every)) ||
        (rc = read_record_steps(p, rec, "amplification_horizon_steps", fmin(600, steps),
                                &cfg->amplification_horizon)))
        return rc;
    const struct cas__range warmup = {0, 1e9, false, false, false};
    if ((rc = cas__read_number(&p->w, rec, "stylized_warmup_s", &warmup, 3600,
                               &cfg->stylized_warmup_s)) != 0 ||
        (rc = cas__read_number(&p->w, rec, "opening_max_s", &warmup, 60,
                               &cfg->opening_max_s)) != 0 ||
        (rc = cas__read_number(&p->w, rec, "episode_gap_s", &warmup, 60,
                               &cfg->episode_gap_s)) != 0)
        return rc;
    const struct cas__range window = {0, 100000, false, true, false};
    double d;
    if ((rc = cas__read_number(&p->w, rec, "replay_window_steps", &window, 60, &d)) != 0)
        return rc;
    cfg->replay_window = (cas_step)d;
    if ((rc = read_replay_ranges(p, rec)) != 0)
        return rc;
    cas__pop(&p->w, mark);
    return 0;
}
/* clang-format on */

static int read_config(struct cas__parse *p, const cJSON *root)
{
    static const char *const keys[] = {"name",           "seed",           "steps",  "step_seconds",
                                       "money_decimals", "insurance_fund", "record", "instruments",
                                       "agents",         "shocks"};
    struct cas_config *cfg = p->cfg;
    const char *name;
    double seed, steps, decimals;
    int rc;
    if ((rc = cas__check_keys(&p->w, root, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = cas__read_string(&p->w, root, "name", &name)) != 0 ||
        (rc = cas__check_name(&p->w, "name", name ? name : "experiment", cfg->name)) != 0 ||
        (rc = cas__read_number(&p->w, root, "seed", &seed_range, 1, &seed)) != 0 ||
        (rc = cas__read_number(&p->w, root, "steps", &steps_range, 86400, &steps)) != 0 ||
        (rc = cas__read_number(&p->w, root, "step_seconds", &step_seconds_range, 1,
                               &cfg->step_seconds)) != 0 ||
        (rc = cas__read_number(&p->w, root, "money_decimals", &decimals_range, 6, &decimals)) != 0)
        return rc;
    cfg->seed = (uint64_t)seed;
    cfg->steps = (cas_step)steps;
    cfg->money_decimals = (int)decimals;
    if ((rc = cas__read_money(&p->w, root, "insurance_fund", 0, cfg->money_decimals,
                              &cfg->insurance_fund)) != 0 ||
        (rc = read_record(p, root)) != 0 || (rc = read_instruments(p, root)) != 0 ||
        (rc = read_agents(p, root)) != 0)
        return rc;
    return cas__read_shocks(p, root);
}

/* ---- the resolved text ------------------------------------------------------------------- */

static void resolve_instrument(struct cas__build *b, cJSON *arr, const struct cas_config *cfg,
                               uint32_t i, const struct cas__written *wr)
{
    const struct cas_instrument_config *ins = &cfg->instruments[i];
    cJSON *o = cas__put(b, arr, NULL, cJSON_CreateObject());
    cas__put(b, o, "name", cJSON_CreateString(ins->name));
    cas__put(b, o, "kind", cJSON_CreateString(ins->kind));
    cas__put(b, o, "tick_size", cas__raw_real(ins->tick_size));
    cas__put(b, o, "lot_size", cas__raw_real(ins->lot_size));
    cas__put(b, o, "initial_price", cas__raw_real(wr->price));
    if (ins->value_on) {
        cJSON *v = cas__put(b, o, "value", cJSON_CreateObject());
        cas__put(b, v, "vol_annual", cas__raw_real(wr->value_vol_annual));
        cas__put(b, v, "drift_annual", cas__raw_real(wr->value_drift_annual));
        cas__put_multifractal(b, v, &ins->value, wr->value_msm_s);
        cas__put_square_root(b, v, &ins->value, wr->value_sqv_life_s);
    }
    if (ins->spec.kind == CAS_PERPETUAL)
        cas__resolve_perpetual(b, o, cfg, i, wr);
}

static void resolve_population(struct cas__build *b, cJSON *arr, const struct cas_config *cfg,
                               const struct cas_population_config *pop, uint16_t as_objects)
{
    cJSON *o = cas__put(b, arr, NULL, cJSON_CreateObject());
    cas__put(b, o, "type", cJSON_CreateString(pop->type->name));
    cas__put(b, o, "count", cas__raw_int(pop->count));
    cas__put(b, o, "instrument", cJSON_CreateString(cfg->instruments[pop->instrument].name));
    cas__put(b, o, "margin", cJSON_CreateString(margin_modes[pop->margin == CAS_ISOLATED]));
    if (pop->own_maker_fee)
        cas__put(b, o, "maker_fee", cas__raw_real((double)pop->maker_fee_ppm / 1e6));
    cJSON *params = cas__put(b, o, "params", cJSON_CreateObject());
    for (uint32_t i = 0; i < pop->type->n_params; i++)
        cas__resolve_param(b, params, &pop->type->params[i], &pop->dists[i], pop->params[i],
                           as_objects >> i & 1);
    if (pop->type->takes_orders)
        cas__resolve_orders(b, params, pop);
}

/* The config as JSON text in canonical key order, or NULL when out of memory. */
static char *resolve(const struct cas_config *cfg, const struct cas__parse *p)
{
    const struct cas__written *written = p->written;
    struct cas__build b = {false};
    double scale = cas_pow10(cfg->money_decimals);
    cJSON *root = cJSON_CreateObject();
    cas__put(&b, root, "name", cJSON_CreateString(cfg->name));
    cas__put(&b, root, "seed", cas__raw_int((double)cfg->seed));
    cas__put(&b, root, "steps", cas__raw_int((double)cfg->steps));
    cas__put(&b, root, "step_seconds", cas__raw_real(cfg->step_seconds));
    cas__put(&b, root, "money_decimals", cas__raw_int(cfg->money_decimals));
    cas__put(&b, root, "insurance_fund", cas__raw_real((double)cfg->insurance_fund / scale));
    cJSON *rec = cas__put(&b, root, "record", cJSON_CreateObject());
    cas__put(&b, rec, "sample_every", cas__raw_int((double)cfg->sample_every));
    cas__put(&b, rec, "trades", cJSON_CreateBool(cfg->record_trades));
    cas__put(&b, rec, "liqmap", cJSON_CreateBool(cfg->record_liqmap));
    cas__put(&b, rec, "stylized_warmup_s", cas__raw_real(cfg->stylized_warmup_s));
    cas__put(&b, rec, "opening_max_s", cas__raw_real(cfg->opening_max_s));
    cas__put(&b, rec, "episode_gap_s", cas__raw_real(cfg->episode_gap_s));
    cas__put(&b, rec, "amplification_horizon_steps",
             cas__raw_int((double)cfg->amplification_horizon));
    cas__put(&b, rec, "replay_window_steps", cas__raw_int((double)cfg->replay_window));
    cJSON *ranges = cas__put(&b, rec, "replay", cJSON_CreateArray());
    for (uint32_t k = 0; ranges && k < cfg->n_replay; k++) {
        cJSON *pair = cas__put(&b, ranges, NULL, cJSON_CreateArray());
        cas__put(&b, pair, NULL, cas__raw_int((double)cfg->replay[k][0]));
        cas__put(&b, pair, NULL, cas__raw_int((double)cfg->replay[k][1]));
    }
    cJSON *ins = cas__put(&b, root, "instruments", cJSON_CreateArray());
    for (uint32_t i = 0; i < cfg->n_instruments; i++)
        resolve_instrument(&b, ins, cfg, i, &written[i]);
    cJSON *agents = cas__put(&b, root, "agents", cJSON_CreateArray());
    for (uint32_t i = 0; i < cfg->n_populations; i++)
        resolve_population(&b, agents, cfg, &cfg->populations[i], p->dist_objects[i]);
    cas__resolve_shocks(&b, root, cfg);
    char *text = root && !b.failed ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return text;
}

/* ---- the public functions ---------------------------------------------------------------- */

/* cas_config_parse with relative paths resolved against base ("" = working directory). */
static int parse(struct cas_config *cfg, const char *text, const char *source, const char *base,
                 const char *const *sets, size_t n_sets, struct cas_err *err)
{
    struct cas__parse *p = calloc(1, sizeof *p);
    cJSON *root = NULL;
    memset(cfg, 0, sizeof *cfg);
    if (!p)
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    p->w.err = err;
    p->cfg = cfg;
    p->base = base;
    int rc = cas__config_read_text(&root, text, source ? source : "<text>", err);
    if (rc)
        goto free_parse;
    for (size_t i = 0; i < n_sets && rc == 0; i++)
        rc = cas__config_apply_set(root, sets[i], err);
    if (rc)
        goto free_tree;
    if ((rc = read_config(p, root)) != 0)
        goto release_cfg;
    cfg->resolved_json = resolve(cfg, p);
    if (!cfg->resolved_json)
        rc = cas_err_set(err, CAS_ENOMEM, "", "out of memory");
release_cfg:
    if (rc)
        cas_config_release(cfg);
free_tree:
    cJSON_Delete(root);
free_parse:
    free(p);
    return rc;
}

int cas_config_parse(struct cas_config *cfg, const char *text, const char *source,
                     const char *const *sets, size_t n_sets, struct cas_err *err)
{
    return parse(cfg, text, source, "", sets, n_sets, err);
}

int cas_config_load(struct cas_config *cfg, const char *path, const char *const *sets,
                    size_t n_sets, struct cas_err *err)
{
    char *text, *base;
    memset(cfg, 0, sizeof *cfg);
    if (!path)
        return cas_config_parse(cfg, cas__default_config, "<default>", sets, n_sets, err);
    int rc = cas__read_file(path, path, "", &text, err);
    if (rc)
        return rc;
    if (!(base = cas__dir_of(path))) {
        free(text);
        return cas_err_set(err, CAS_ENOMEM, path, "out of memory");
    }
    rc = parse(cfg, text, path, base, sets, n_sets, err);
    free(base);
    free(text);
    return rc;
}

void cas_config_release(struct cas_config *cfg)
{
    free(cfg->instruments);
    for (uint32_t i = 0; cfg->populations && i < cfg->n_populations; i++)
        free(cfg->populations[i].orders);
    free(cfg->populations);
    free(cfg->shocks);
    cJSON_free(cfg->resolved_json);
    memset(cfg, 0, sizeof *cfg);
}
