/* rules: the venue rules' schema, one declaration per rule.
 *
 * Each rule is a table of its keys (name, kind, default, range, where the value goes) and
 * one row of cas__rules. From these perp.c reads a perpetual's rules and writes them back
 * into resolved_json, config.c and perp.c take the keys an instrument and a venue profile
 * may hold, and tests/test_config.c holds docs/config.md to them. Adding a rule is a
 * declaration here and one row in cas__rules; what the table cannot say (the margin
 * tiers, a check against another key) is a small function beside the declaration.
 */
#include <math.h>
#include <stddef.h>

#include "cascade/fmath.h"

#include "config/configInt.h"
#include "core/coreInt.h"

/* clang-format off */
#define INS(m)  offsetof(struct cas_instrument_config, m)
#define WR(m)   offsetof(struct cas__written, m)

/* A range [lo, hi]; OPEN_MIN: (lo, hi]; OPEN_BOTH: (lo, hi); WHOLE: integers in [lo, hi]. */
#define CLOSED(lo, hi)    {lo, hi, false, false, false}
#define OPEN_MIN(lo, hi)  {lo, hi, true, false, false}
#define OPEN_BOTH(lo, hi) {lo, hi, true, false, true}
#define WHOLE(lo, hi)     {lo, hi, false, true, false}

/* One key of each kind (see enum cas__field_kind). */
/* The range comes last: its braces hold commas. */
#define KEY(k, kind_, d, m, ...) .key = k, .kind = kind_, .def = d, .at = m, .range = __VA_ARGS__
#define NUMBER(k, d, r, m)     {KEY(k, CAS__F_NUMBER, d, m, r)}
#define INTEGER(k, d, r, m, s) {KEY(k, CAS__F_INTEGER, d, m, r), .store = s}
#define PPM(k, d, r, m)        {KEY(k, CAS__F_PPM, d, m, r)}
#define MONEY(k, d, m)         {KEY(k, CAS__F_MONEY, d, m, CLOSED(0, INFINITY))}
#define SECONDS(k, d, r, m, w, min) {KEY(k, CAS__F_SECONDS, d, m, r), .written = w, .min_steps = min}
#define CHOICE(k, d, m, s, names_, what_, label_)                                               \
    {KEY(k, CAS__F_CHOICE, d, m, CLOSED(0, 0)), .store = s, .names = names_,                    \
     .n_names = N_OF(names_), .what = what_, .label = label_}

/* ---- mark ------------------------------------------------------------------------------- */

static const char *const mark_methods[] = {"last", "mid", "index_ema", "median", "fair"};

static const struct cas__field mark_fields[] = {
    CHOICE("method", CAS_MARK_INDEX_EMA, INS(mark_method), CAS__S_INT, mark_methods,
           "mark method", "known methods"),
    SECONDS("ema_seconds", 150, OPEN_MIN(0, 1e9), INS(mark_ema_steps), WR(ema_seconds), 1),
};

/* ---- funding ---------------------------------------------------------------------------- */

static const char *const premiums[] = {"impact", "mid"};
static const char *const weightings[] = {"equal", "linear"};

#define FUNDING(m) INS(funding.m)
static const struct cas__field funding_fields[] = {
    {KEY("interval_hours", CAS__F_HOURS, 8, FUNDING(interval), OPEN_MIN(0, 8760)),
     .written = WR(interval_hours)},
    NUMBER("interest", 0.0001, CLOSED(-0.01, 0.01), FUNDING(interest)),
    NUMBER("clamp", 0.0005, CLOSED(0, 0.01), FUNDING(clamp)),
    NUMBER("cap", 0.0075, CLOSED(0, 1), FUNDING(cap)),
    CHOICE("premium", 0, FUNDING(premium), CAS__S_INT, premiums, "premium source",
           "known sources"),
    NUMBER("impact_lots", 10, CLOSED(0, 1e12), FUNDING(impact_lots)),
    CHOICE("weighting", 0, FUNDING(weighted), CAS__S_BOOL, weightings, "weighting",
           "known weightings"),
};

/* ---- margin ----------------------------------------------------------------------------- */

/* Maintenance must stay below the initial margin at the tier's leverage. */
static bool below_initial(const struct cas_tier *t)
{
    return t->mmr_ppm * (int64_t)t->max_leverage < CAS_PPM;
}

static int check_below_initial(struct cas__rule_ctx *c, const struct cas_tier *t)
{
    if (below_initial(t))
        return 0;
    return cas__fail(c->w, "mmr", CAS_ERANGE,
                     "must be below 1/max_leverage = %s of this tier (maintenance must be below"
                     " initial margin), got %s; lower mmr or max_leverage",
                     cas__num(1.0 / t->max_leverage).s, cas__num((double)t->mmr_ppm / 1e6).s);
}

/* A tier's floor and rate against the previous tier's. */
static int check_tier_order(struct cas__rule_ctx *c, const struct cas_tier *t,
                            const struct cas_tier *prev)
{
    double scale = cas_pow10(c->decimals);
    if (!prev && t->floor != 0)
        return cas__fail(c->w, "notional", CAS_EINVAL, "the first tier must start at 0, got %s",
                         cas__num((double)t->floor / scale).s);
    if (prev && t->floor <= prev->floor)
        return cas__fail(c->w, "notional", CAS_EINVAL,
                         "must be greater than the previous tier's %s, got %s",
                         cas__num((double)prev->floor / scale).s,
                         cas__num((double)t->floor / scale).s);
    return 0;
}

static int read_tier(struct cas__rule_ctx *c, const cJSON *o, uint32_t j)
{
    static const char *const keys[] = {"notional", "mmr", "max_leverage"};
    static const struct cas__range mmr = {0, 1, true, false, true};
    static const struct cas__range lev = {1, 1000, false, true, false};
    struct cas_instrument_spec *spec = &c->ins->spec;
    struct cas_tier *t = &spec->tiers[j], *prev = j ? &spec->tiers[j - 1] : NULL;
    double l;
    int rc;
    if (!cJSON_IsObject(o))
        return cas__fail(c->w, NULL, CAS_EINVAL, "must be an object, got %s", cas__json_kind(o));
    if ((rc = cas__check_keys(c->w, o, keys, N_OF(keys))) != 0)
        return rc;
    for (size_t k = 0; k < N_OF(keys); k++)
        if (!cas__member(o, keys[k]))
            return cas__fail(c->w, keys[k], CAS_EINVAL,
                             "missing required key '%s'; a tier has notional, mmr and"
                             " max_leverage",
                             keys[k]);
    if ((rc = cas__read_money(c->w, o, "notional", 0, c->decimals, &t->floor)) != 0 ||
        (rc = check_tier_order(c, t, prev)) != 0 ||
        (rc = cas__read_ppm(c->w, o, "mmr", &mmr, 0, &t->mmr_ppm)) != 0)
        return rc;
    if (prev && t->mmr_ppm < prev->mmr_ppm)
        return cas__fail(c->w, "mmr", CAS_EINVAL, "must be at least the previous tier's %s, got %s",
                         cas__num((double)prev->mmr_ppm / 1e6).s,
                         cas__num((double)t->mmr_ppm / 1e6).s);
    if ((rc = cas__read_number(c->w, o, "max_leverage", &lev, 1, &l)) != 0)
        return rc;
    t->max_leverage = (int32_t)l;
    if (t->max_leverage > spec->max_leverage)
        return cas__fail(c->w, "max_leverage", CAS_ERANGE,
                         "must be at most margin.max_leverage (%d), got %d", spec->max_leverage,
                         t->max_leverage);
    if (prev && t->max_leverage > prev->max_leverage)
        return cas__fail(c->w, "max_leverage", CAS_EINVAL,
                         "must be at most the previous tier's %d, got %d", prev->max_leverage,
                         t->max_leverage);
    return check_below_initial(c, t);
}

static int read_tiers(struct cas__rule_ctx *c, const cJSON *m, const struct cas__field *f)
{
    struct cas_instrument_spec *spec = &c->ins->spec;
    const cJSON *arr;
    size_t n;
    int rc = cas__read_array(c->w, m, f->key, 1, CAS_MAX_TIERS, &arr, &n);
    if (rc)
        return rc;
    if (!arr) { /* one tier: 0.5% maintenance at max_leverage */
        spec->n_tiers = 1;
        spec->tiers[0] = (struct cas_tier){0, 5000, spec->max_leverage};
        if (below_initial(&spec->tiers[0]))
            return 0;
        return cas__fail(c->w, "max_leverage", CAS_ERANGE,
                         "is %d, which the default tier's mmr 0.005 does not allow (maintenance"
                         " must be below initial margin): give 'tiers' or at most 199",
                         spec->max_leverage);
    }
    size_t mark = cas__push_key(c->w, f->key);
    uint32_t j = 0;
    for (const cJSON *t = arr->child; t; t = t->next, j++) {
        size_t m2 = cas__push_index(c->w, j);
        if ((rc = read_tier(c, t, j)) != 0)
            return rc;
        cas__pop(c->w, m2);
    }
    spec->n_tiers = j;
    cas__pop(c->w, mark);
    return 0;
}

static void resolve_tiers(struct cas__build *b, cJSON *o, const struct cas_instrument_config *ins,
                          double scale)
{
    const struct cas_instrument_spec *s = &ins->spec;
    cJSON *tiers = cas__put(b, o, "tiers", cJSON_CreateArray());
    for (uint32_t j = 0; j < s->n_tiers; j++) {
        cJSON *t = cas__put(b, tiers, NULL, cJSON_CreateObject());
        cas__put(b, t, "notional", cas__raw_real((double)s->tiers[j].floor / scale));
        cas__put(b, t, "mmr", cas__raw_real((double)s->tiers[j].mmr_ppm / 1e6));
        cas__put(b, t, "max_leverage", cas__raw_int(s->tiers[j].max_leverage));
    }
}

static const struct cas__field margin_fields[] = {
    INTEGER("max_leverage", 20, WHOLE(1, 1000), INS(spec.max_leverage), CAS__S_I32),
    {.key = "tiers", .kind = CAS__F_CUSTOM, .read = read_tiers, .resolve = resolve_tiers, .doc_type = "array",
     .doc_default = "one tier: `{\"notional\": 0, \"mmr\": 0.005, \"max_leverage\": max_leverage}`",
     .doc_range = "1–16 entries"},
};

/* ---- fees ------------------------------------------------------------------------------- */

static const struct cas__field fees_fields[] = {
    PPM("maker", 0.0002, CLOSED(0, 0.01), INS(spec.maker_fee_ppm)),
    PPM("taker", 0.0005, CLOSED(0, 0.01), INS(spec.taker_fee_ppm)),
};

/* ---- liquidation ------------------------------------------------------------------------ */

static const char *const liq_modes[] = {"engine", "keeper"};
static const char *const liq_styles[] = {"ioc_bankruptcy", "market"};
static const char *const adl_ranks[] = {"pnl_leverage", "pnl"};

#define SPEC(m) INS(spec.m)
static const struct cas__field liquidation_fields[] = {
    CHOICE("mode", 0, SPEC(liq_mode), CAS__S_INT, liq_modes, "liquidation mode", "known modes"),
    CHOICE("style", 0, SPEC(liq_style), CAS__S_INT, liq_styles, "liquidation style",
           "known styles"),
    INTEGER("max_lots_per_step", 0, WHOLE(0, 1e12), SPEC(liq_max_lots_per_step), CAS__S_I64),
    PPM("ioc_penalty", 0, CLOSED(0, 0.1), SPEC(liq_ioc_penalty_ppm)),
    PPM("slice", 0, CLOSED(0, 1), SPEC(liq_slice_ppm)),
    MONEY("slice_above", 0, SPEC(liq_slice_above)),
    SECONDS("slice_cooldown_seconds", 0, CLOSED(0, 1e9), SPEC(liq_slice_cooldown),
            WR(slice_cooldown_seconds), 0),
    PPM("close_factor", 0.5, OPEN_MIN(0, 1), SPEC(close_factor_ppm)),
    PPM("bonus", 0.05, CLOSED(0, 0.5), SPEC(liq_bonus_ppm)),
    CHOICE("adl_rank", 0, SPEC(adl_rank), CAS__S_INT, adl_ranks, "adl rank", "known ranks"),
};

/* ---- price_band ------------------------------------------------------------------------- */

static const char *const band_actions[] = {"reject", "halt"};

static const struct cas__field band_fields[] = {
    {KEY("pct", CAS__F_NUMBER, 0, INS(band.pct), OPEN_BOTH(0, 1)),
     .required = "; give the band's half-width, e.g. 0.05"},
    SECONDS("window_seconds", 300, OPEN_MIN(0, 1e9), INS(band.window), WR(band_window_seconds),
            1),
    CHOICE("action", 0, INS(band.action), CAS__S_INT, band_actions, "band action",
           "known actions"),
    SECONDS("halt_seconds", 300, OPEN_MIN(0, 1e9), INS(band.halt_steps), WR(halt_seconds), 1),
};

/* ---- dynamic_margin --------------------------------------------------------------------- */

static int check_vol_window(struct cas__rule_ctx *c)
{
    cas_step n = c->ins->dynamic_margin.window;
    if (n >= 2)
        return 0;
    return cas__fail(c->w, "window_seconds", CAS_ERANGE,
                     "is %lld step%s of %s s; the volatility window needs at least 2 steps",
                     (long long)n, n == 1 ? "" : "s", cas__num(c->step_seconds).s);
}

static const struct cas__field dynamic_margin_fields[] = {
    {KEY("window_seconds", CAS__F_SECONDS, 3600, INS(dynamic_margin.window), OPEN_MIN(0, 1e9)),
     .written = WR(dm_window_seconds), .check = check_vol_window},
    {KEY("base_vol_annual", CAS__F_ANNUAL_VOL, 0.5, INS(dynamic_margin.base_vol),
         OPEN_MIN(0, 100)),
     .written = WR(base_vol_annual)},
    NUMBER("max_scale", 3, CLOSED(1, 1000), INS(dynamic_margin.max_scale)),
};

/* ---- the table -------------------------------------------------------------------------- */

#define RULE(key, sw, on, fields, doc) {key, sw, on, fields, N_OF(fields), doc}

const struct cas__rule cas__rules[] = {
    RULE("mark", CAS__RULE_ALWAYS, 0, mark_fields, "how the mark price is computed, below"),
    RULE("funding", CAS__RULE_ON_BY_DEFAULT, INS(funding_on), funding_fields,
         "the funding rate and its payments; `false` switches funding off"),
    RULE("margin", CAS__RULE_ALWAYS, 0, margin_fields, "leverage and maintenance margin tiers"),
    RULE("fees", CAS__RULE_ALWAYS, 0, fees_fields, "trading fees"),
    RULE("liquidation", CAS__RULE_ALWAYS, 0, liquidation_fields,
         "how under-margined positions are liquidated"),
    RULE("price_band", CAS__RULE_OFF_BY_DEFAULT, INS(band_on), band_fields,
         "a price band (circuit breaker)"),
    RULE("dynamic_margin", CAS__RULE_OFF_BY_DEFAULT, INS(dynamic_margin_on),
         dynamic_margin_fields, "maintenance rates scaled with realized volatility"),
};
/* clang-format on */
const size_t cas__n_rules = N_OF(cas__rules);
