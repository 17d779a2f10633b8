/* perp: a perpetual's venue rules — its index, and the venue profile it names merged
 * with its own keys — validated, converted to the exchange's units, and written back.
 *
 * A profile (compiled in from configs/venues/NAME.json, a file, or an object written in
 * place) holds rule objects; the instrument's own rule keys override the profile's key by
 * key: objects merge recursively, anything else (arrays, false) replaces. Only the merged
 * rules are validated, so a profile value the instrument overrides is never checked; an
 * error about a value that came from the profile names the profile (see walk.c).
 * Conversions: quote amounts to money units of 10^-money_decimals (exact), rates to parts
 * per million (exact), durations to steps of step_seconds, annual figures to per step.
 * resolved_json gets every rule with its default filled in, so it reproduces the run
 * without the profile; "venue" stays as a record of where the rules came from.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmath.h"
#include "config/configInt.h"

#define YEAR_SECONDS 31536000.0 /* 365 days: the unit of the annual figures */
#define DAY_SECONDS  86400.0
#define STEPS_MAX    1e12       /* durations longer than this many steps are refused */

static const char *const rule_keys[] = {"mark",        "funding",    "margin",        "fees",
                                        "liquidation", "price_band", "dynamic_margin"};
enum { N_RULE_KEYS = sizeof rule_keys / sizeof *rule_keys };

static const char *const index_sources[] = {"gbm", "path", "spot"};
static const char *const mark_methods[] = {"last", "mid", "index_ema", "median", "fair"};
static const char *const premiums[] = {"impact", "mid"};
static const char *const weightings[] = {"equal", "linear"};
static const char *const liq_modes[] = {"engine", "keeper"};
static const char *const liq_styles[] = {"ioc_bankruptcy", "market"};
static const char *const adl_ranks[] = {"pnl_leverage", "pnl"};
static const char *const band_actions[] = {"reject", "halt"};

#define N_OF(a) (sizeof(a) / sizeof *(a))

/* What reading one perpetual needs. */
struct ctx {
    struct cas__parse *p;
    struct cas__walk *w;
    struct cas_instrument_config *ins;
    struct cas__written *wr;
    double step_seconds;
    int decimals;
};

/* ---- small readers ----------------------------------------------------------------------- */

/* A duration in seconds at key (def when absent) as steps: round(seconds / step_seconds),
 * at least min. */
static int read_seconds(struct ctx *c, const cJSON *obj, const char *key, bool zero_ok,
                        double def, cas_step min, double *written, cas_step *out)
{
    const struct cas__range r = {0, 1e9, !zero_ok, false, false};
    double s;
    int rc = cas__read_number(c->w, obj, key, &r, def, &s);
    if (rc)
        return rc;
    double n = round(s / c->step_seconds);
    if (n > STEPS_MAX)
        return cas__fail(c->w, key, CAS_ERANGE,
                         "is %s steps of %s s; the limit is 1000000000000 steps", cas__num(n).s,
                         cas__num(c->step_seconds).s);
    *written = s;
    *out = n < (double)min ? min : (cas_step)n;
    return 0;
}

/* The rule object at key: absent gives absent_on, false switches the rule off, an object
 * switches it on (*obj = it). */
static int read_switch(struct ctx *c, const cJSON *rules, const char *key, bool absent_on,
                       const cJSON **obj, bool *on)
{
    const cJSON *v = cas__member(rules, key);
    *obj = NULL;
    *on = v ? !cJSON_IsFalse(v) : absent_on;
    if (!v || cJSON_IsFalse(v))
        return 0;
    if (cJSON_IsTrue(v))
        return cas__fail(c->w, key, CAS_EINVAL,
                         "must be an object or false, got true; write {} for the defaults");
    if (!cJSON_IsObject(v))
        return cas__fail(c->w, key, CAS_EINVAL, "must be an object or false, got %s",
                         cas__json_kind(v));
    *obj = v;
    return 0;
}

/* Open the rule object at key (which may be absent: obj NULL) and check its keys. */
static int enter(struct ctx *c, const cJSON *obj, const char *key, const char *const *keys,
                 size_t n, size_t *mark)
{
    *mark = cas__push_key(c->w, key);
    return obj ? cas__check_keys(c->w, obj, keys, n) : 0;
}

/* out = base/file, or file when it is absolute or base is "". */
static int join_path(struct ctx *c, const char *key, const char *file, char *out, size_t size)
{
    const char *base = c->p->base;
    size_t bl = strlen(base);
    bool rel = file[0] != '/' && bl > 0;
    int n = snprintf(out, size, "%s%s%s", rel ? base : "", rel && base[bl - 1] != '/' ? "/" : "",
                     file);
    if (n < 0 || (size_t)n >= size)
        return cas__fail(c->w, key, CAS_EINVAL, "makes a path of %d bytes; the limit is %zu", n,
                         size - 1);
    return 0;
}

/* ---- the index ---------------------------------------------------------------------------- */

/* Each index key and the source it belongs to. */
static const struct {
    const char *key;
    enum cas_index_source source;
} index_keys[] = {
    {"source", CAS_INDEX_GBM},     {"vol_annual", CAS_INDEX_GBM},
    {"drift_annual", CAS_INDEX_GBM}, {"jumps_per_day", CAS_INDEX_GBM},
    {"jump_mean", CAS_INDEX_GBM},  {"jump_sd", CAS_INDEX_GBM},
    {"file", CAS_INDEX_PATH},      {"instrument", CAS_INDEX_SPOT},
};

static int check_index_keys(struct ctx *c, const cJSON *ix, enum cas_index_source src)
{
    const char *names[N_OF(index_keys)];
    for (size_t k = 0; k < N_OF(index_keys); k++)
        names[k] = index_keys[k].key;
    int rc = cas__check_keys(c->w, ix, names, N_OF(index_keys));
    for (size_t k = 1; rc == 0 && k < N_OF(index_keys); k++)
        if (index_keys[k].source != src && cas__member(ix, names[k]))
            rc = cas__fail(c->w, names[k], CAS_EINVAL,
                           "'%s' is only for source '%s'; remove it or change 'source'", names[k],
                           index_sources[index_keys[k].source]);
    return rc;
}

static int read_gbm(struct ctx *c, const cJSON *ix)
{
    static const struct cas__range vol = {0, 100, false, false, false};
    static const struct cas__range drift = {-100, 100, false, false, false};
    static const struct cas__range jumps = {0, 1e6, false, false, false};
    static const struct cas__range mean = {-10, 10, false, false, false};
    static const struct cas__range sd = {0, 10, false, false, false};
    struct cas_gbm_params *g = &c->ins->gbm;
    struct cas__written *wr = c->wr;
    int rc;
    if ((rc = cas__read_number(c->w, ix, "vol_annual", &vol, 0.5, &wr->vol_annual)) != 0 ||
        (rc = cas__read_number(c->w, ix, "drift_annual", &drift, 0, &wr->drift_annual)) != 0 ||
        (rc = cas__read_number(c->w, ix, "jumps_per_day", &jumps, 0, &wr->jumps_per_day)) != 0 ||
        (rc = cas__read_number(c->w, ix, "jump_mean", &mean, 0, &g->jump_mean)) != 0 ||
        (rc = cas__read_number(c->w, ix, "jump_sd", &sd, 0.05, &g->jump_sd)) != 0)
        return rc;
    g->vol = wr->vol_annual * sqrt(c->step_seconds / YEAR_SECONDS);
    g->drift = wr->drift_annual * c->step_seconds / YEAR_SECONDS;
    g->jump_rate = wr->jumps_per_day * c->step_seconds / DAY_SECONDS;
    return 0;
}

static int read_index_file(struct ctx *c, const cJSON *ix)
{
    const char *file;
    int rc = cas__read_string(c->w, ix, "file", &file);
    if (rc)
        return rc;
    if (!file)
        return cas__fail(c->w, "file", CAS_EINVAL,
                         "missing required key 'file'; give a CSV file with header step,price");
    if (!*file)
        return cas__fail(c->w, "file", CAS_EINVAL, "must not be empty; give a CSV file");
    return join_path(c, "file", file, c->ins->index_file, sizeof c->ins->index_file);
}

static int read_index(struct ctx *c, const cJSON *o)
{
    const cJSON *ix;
    int src, rc = cas__read_object(c->w, o, "index", &ix);
    if (rc)
        return rc;
    size_t mark = cas__push_key(c->w, "index");
    if ((rc = cas__read_choice(c->w, ix, "source", index_sources, N_OF(index_sources), 0,
                               "index source", "known sources", &src)) != 0)
        return rc;
    c->ins->index_source = (enum cas_index_source)src;
    if (ix && (rc = check_index_keys(c, ix, c->ins->index_source)) != 0)
        return rc;
    if (src == CAS_INDEX_GBM)
        rc = read_gbm(c, ix);
    else if (src == CAS_INDEX_PATH)
        rc = read_index_file(c, ix);
    else if (!cas__member(ix, "instrument"))
        rc = cas__fail(c->w, "instrument", CAS_EINVAL,
                       "missing required key 'instrument'; name the spot instrument to follow");
    if (rc)
        return rc;
    cas__pop(c->w, mark);
    return 0;
}

int cas__link_index(struct cas__parse *p, const cJSON *o, uint32_t i)
{
    const struct cas_config *cfg = p->cfg;
    struct cas_instrument_config *ins = &cfg->instruments[i];
    const cJSON *ix = cas__member(o, "index");
    const char *s;
    char esc[48];
    if (ins->spec.kind != CAS_PERPETUAL || ins->index_source != CAS_INDEX_SPOT)
        return 0;
    size_t mark = cas__push_key(&p->w, "index");
    int rc = cas__read_string(&p->w, ix, "instrument", &s);
    if (rc)
        return rc;
    struct cas__choices ch = {.word = s};
    for (uint32_t j = 0; j < cfg->n_instruments; j++) {
        const struct cas_instrument_config *t = &cfg->instruments[j];
        if (strcmp(s, t->name) == 0 && t->spec.kind == CAS_SPOT) {
            ins->index_spot = j;
            cas__pop(&p->w, mark);
            return 0;
        }
        if (strcmp(s, t->name) == 0)
            return cas__fail(&p->w, "instrument", CAS_EINVAL,
                             "'%s' is a perpetual; the index must follow a spot instrument",
                             cas__escape(esc, sizeof esc, s, SIZE_MAX));
        if (t->spec.kind == CAS_SPOT)
            cas__choices_add(&ch, t->name);
    }
    if (!ch.list[0])
        return cas__fail(&p->w, "instrument", CAS_ENOTFOUND,
                         "unknown instrument '%s'; add a spot instrument for the index to"
                         " follow, or use source 'gbm' or 'path'",
                         cas__escape(esc, sizeof esc, s, SIZE_MAX));
    return cas__unknown(&p->w, "instrument", CAS_ENOTFOUND, "spot instrument", &ch,
                        "known spot instruments", true);
}

/* ---- the rules ---------------------------------------------------------------------------- */

static int read_mark(struct ctx *c, const cJSON *rules)
{
    static const char *const keys[] = {"method", "ema_seconds"};
    const cJSON *m;
    size_t mark;
    int method, rc;
    if ((rc = cas__read_object(c->w, rules, "mark", &m)) != 0 ||
        (rc = enter(c, m, "mark", keys, N_OF(keys), &mark)) != 0 ||
        (rc = cas__read_choice(c->w, m, "method", mark_methods, N_OF(mark_methods),
                               CAS_MARK_INDEX_EMA, "mark method", "known methods", &method)) != 0 ||
        (rc = read_seconds(c, m, "ema_seconds", false, 150, 1, &c->wr->ema_seconds,
                           &c->ins->mark_ema_steps)) != 0)
        return rc;
    c->ins->mark_method = (enum cas_mark_method)method;
    cas__pop(c->w, mark);
    return 0;
}

/* interval_hours as a whole number of steps >= 1. */
static int read_interval(struct ctx *c, const cJSON *f)
{
    static const struct cas__range hours = {0, 8760, true, false, false};
    double h;
    int rc = cas__read_number(c->w, f, "interval_hours", &hours, 8, &h);
    if (rc)
        return rc;
    double n = h * 3600 / c->step_seconds, whole = round(n);
    if (whole > STEPS_MAX)
        return cas__fail(c->w, "interval_hours", CAS_ERANGE,
                         "is %s steps of %s s; the limit is 1000000000000 steps", cas__num(n).s,
                         cas__num(c->step_seconds).s);
    if (whole < 1 || fabs(n - whole) > 1e-9 * whole)
        return cas__fail(c->w, "interval_hours", CAS_EINVAL,
                         "is %s steps of %s s; it must be a whole number of steps >= 1: change"
                         " interval_hours or step_seconds",
                         cas__num(n).s, cas__num(c->step_seconds).s);
    c->wr->interval_hours = h;
    c->ins->funding.interval = (cas_step)whole;
    return 0;
}

static int read_funding(struct ctx *c, const cJSON *rules)
{
    static const char *const keys[] = {"interval_hours", "interest",    "clamp",    "cap",
                                       "premium",        "impact_lots", "weighting"};
    static const struct cas__range interest = {-0.01, 0.01, false, false, false};
    static const struct cas__range clamp = {0, 0.01, false, false, false};
    static const struct cas__range cap = {0, 1, false, false, false};
    static const struct cas__range lots = {0, 1e12, false, false, false};
    struct cas_funding_params *fp = &c->ins->funding;
    const cJSON *f;
    size_t mark;
    int premium, weighting, rc;
    if ((rc = read_switch(c, rules, "funding", true, &f, &c->ins->funding_on)) != 0 ||
        !c->ins->funding_on)
        return rc;
    if ((rc = enter(c, f, "funding", keys, N_OF(keys), &mark)) != 0 ||
        (rc = read_interval(c, f)) != 0 ||
        (rc = cas__read_number(c->w, f, "interest", &interest, 0.0001, &fp->interest)) != 0 ||
        (rc = cas__read_number(c->w, f, "clamp", &clamp, 0.0005, &fp->clamp)) != 0 ||
        (rc = cas__read_number(c->w, f, "cap", &cap, 0.0075, &fp->cap)) != 0 ||
        (rc = cas__read_choice(c->w, f, "premium", premiums, N_OF(premiums), 0, "premium source",
                               "known sources", &premium)) != 0 ||
        (rc = cas__read_number(c->w, f, "impact_lots", &lots, 10, &fp->impact_lots)) != 0 ||
        (rc = cas__read_choice(c->w, f, "weighting", weightings, N_OF(weightings), 0,
                               "weighting", "known weightings", &weighting)) != 0)
        return rc;
    fp->premium = (enum cas_premium_source)premium;
    fp->weighted = weighting == 1;
    cas__pop(c->w, mark);
    return 0;
}

/* Maintenance must stay below the initial margin at the tier's leverage. */
static int check_below_initial(struct ctx *c, const struct cas_tier *t)
{
    if (t->mmr_ppm * (int64_t)t->max_leverage < CAS_PPM)
        return 0;
    return cas__fail(c->w, "mmr", CAS_ERANGE,
                     "must be below 1/max_leverage = %s of this tier (maintenance must be below"
                     " initial margin), got %s; lower mmr or max_leverage",
                     cas__num(1.0 / t->max_leverage).s, cas__num((double)t->mmr_ppm / 1e6).s);
}

static int read_tier(struct ctx *c, const cJSON *o, uint32_t j)
{
    static const char *const keys[] = {"notional", "mmr", "max_leverage"};
    static const struct cas__range mmr = {0, 1, true, false, true};
    static const struct cas__range lev = {1, 1000, false, true, false};
    struct cas_instrument_spec *spec = &c->ins->spec;
    struct cas_tier *t = &spec->tiers[j], *prev = j ? &spec->tiers[j - 1] : NULL;
    double scale = cas_pow10(c->decimals), l;
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
    if ((rc = cas__read_money(c->w, o, "notional", 0, c->decimals, &t->floor)) != 0)
        return rc;
    if (!prev && t->floor != 0)
        return cas__fail(c->w, "notional", CAS_EINVAL, "the first tier must start at 0, got %s",
                         cas__num((double)t->floor / scale).s);
    if (prev && t->floor <= prev->floor)
        return cas__fail(c->w, "notional", CAS_EINVAL,
                         "must be greater than the previous tier's %s, got %s",
                         cas__num((double)prev->floor / scale).s,
                         cas__num((double)t->floor / scale).s);
    if ((rc = cas__read_ppm(c->w, o, "mmr", &mmr, 0, &t->mmr_ppm)) != 0)
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

static int read_tiers(struct ctx *c, const cJSON *m)
{
    struct cas_instrument_spec *spec = &c->ins->spec;
    const cJSON *arr;
    size_t n;
    int rc = cas__read_array(c->w, m, "tiers", 1, CAS_MAX_TIERS, &arr, &n);
    if (rc)
        return rc;
    if (!arr) { /* one tier: 0.5% maintenance at max_leverage */
        spec->n_tiers = 1;
        spec->tiers[0] = (struct cas_tier){0, 5000, spec->max_leverage};
        if (spec->tiers[0].mmr_ppm * spec->max_leverage < CAS_PPM)
            return 0;
        return cas__fail(c->w, "max_leverage", CAS_ERANGE,
                         "is %d, which the default tier's mmr 0.005 does not allow (maintenance"
                         " must be below initial margin): give 'tiers' or at most 199",
                         spec->max_leverage);
    }
    size_t mark = cas__push_key(c->w, "tiers");
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

static int read_margin(struct ctx *c, const cJSON *rules)
{
    static const char *const keys[] = {"max_leverage", "tiers"};
    static const struct cas__range lev = {1, 1000, false, true, false};
    const cJSON *m;
    size_t mark;
    double l;
    int rc;
    if ((rc = cas__read_object(c->w, rules, "margin", &m)) != 0 ||
        (rc = enter(c, m, "margin", keys, N_OF(keys), &mark)) != 0 ||
        (rc = cas__read_number(c->w, m, "max_leverage", &lev, 20, &l)) != 0)
        return rc;
    c->ins->spec.max_leverage = (int32_t)l;
    if ((rc = read_tiers(c, m)) != 0)
        return rc;
    cas__pop(c->w, mark);
    return 0;
}

static int read_fees(struct ctx *c, const cJSON *rules)
{
    static const char *const keys[] = {"maker", "taker"};
    static const struct cas__range fee = {0, 0.01, false, false, false};
    const cJSON *f;
    size_t mark;
    int rc;
    if ((rc = cas__read_object(c->w, rules, "fees", &f)) != 0 ||
        (rc = enter(c, f, "fees", keys, N_OF(keys), &mark)) != 0 ||
        (rc = cas__read_ppm(c->w, f, "maker", &fee, 0.0002, &c->ins->spec.maker_fee_ppm)) != 0 ||
        (rc = cas__read_ppm(c->w, f, "taker", &fee, 0.0005, &c->ins->spec.taker_fee_ppm)) != 0)
        return rc;
    cas__pop(c->w, mark);
    return 0;
}

static int read_liquidation(struct ctx *c, const cJSON *rules)
{
    static const char *const keys[] = {
        "mode",         "style", "max_lots_per_step",      "ioc_penalty",  "slice",
        "slice_above",  "slice_cooldown_seconds",          "close_factor", "bonus",
        "adl_rank"};
    static const struct cas__range lots = {0, 1e12, false, true, false};
    static const struct cas__range penalty = {0, 0.1, false, false, false};
    static const struct cas__range share = {0, 1, false, false, false};
    static const struct cas__range closing = {0, 1, true, false, false};
    static const struct cas__range bonus = {0, 0.5, false, false, false};
    struct cas_instrument_spec *s = &c->ins->spec;
    const cJSON *l;
    size_t mark;
    int mode, style, rank, rc;
    double max_lots;
    if ((rc = cas__read_object(c->w, rules, "liquidation", &l)) != 0 ||
        (rc = enter(c, l, "liquidation", keys, N_OF(keys), &mark)) != 0 ||
        (rc = cas__read_choice(c->w, l, "mode", liq_modes, N_OF(liq_modes), 0, "liquidation mode",
                               "known modes", &mode)) != 0 ||
        (rc = cas__read_choice(c->w, l, "style", liq_styles, N_OF(liq_styles), 0,
                               "liquidation style", "known styles", &style)) != 0 ||
        (rc = cas__read_number(c->w, l, "max_lots_per_step", &lots, 0, &max_lots)) != 0 ||
        (rc = cas__read_ppm(c->w, l, "ioc_penalty", &penalty, 0, &s->liq_ioc_penalty_ppm)) != 0 ||
        (rc = cas__read_ppm(c->w, l, "slice", &share, 0, &s->liq_slice_ppm)) != 0 ||
        (rc = cas__read_money(c->w, l, "slice_above", 0, c->decimals, &s->liq_slice_above)) != 0 ||
        (rc = read_seconds(c, l, "slice_cooldown_seconds", true, 0, 0,
                           &c->wr->slice_cooldown_seconds, &s->liq_slice_cooldown)) != 0 ||
        (rc = cas__read_ppm(c->w, l, "close_factor", &closing, 0.5, &s->close_factor_ppm)) != 0 ||
        (rc = cas__read_ppm(c->w, l, "bonus", &bonus, 0.05, &s->liq_bonus_ppm)) != 0 ||
        (rc = cas__read_choice(c->w, l, "adl_rank", adl_ranks, N_OF(adl_ranks), 0, "adl rank",
                               "known ranks", &rank)) != 0)
        return rc;
    s->liq_mode = (enum cas_liq_mode)mode;
    s->liq_style = (enum cas_liq_style)style;
    s->liq_max_lots_per_step = (cas_lots)max_lots;
    s->adl_rank = (enum cas_adl_rank)rank;
    cas__pop(c->w, mark);
    return 0;
}

static int read_band(struct ctx *c, const cJSON *rules)
{
    static const char *const keys[] = {"pct", "window_seconds", "action", "halt_seconds"};
    static const struct cas__range pct = {0, 1, true, false, true};
    struct cas_band_params *b = &c->ins->band;
    const cJSON *o;
    size_t mark;
    int action, rc;
    if ((rc = read_switch(c, rules, "price_band", false, &o, &c->ins->band_on)) != 0 ||
        !c->ins->band_on)
        return rc;
    if ((rc = enter(c, o, "price_band", keys, N_OF(keys), &mark)) != 0 ||
        (rc = cas__require_number(c->w, o, "pct", &pct, "; give the band's half-width, e.g. 0.05",
                                  &b->pct)) != 0 ||
        (rc = read_seconds(c, o, "window_seconds", false, 300, 1, &c->wr->band_window_seconds,
                           &b->window)) != 0 ||
        (rc = cas__read_choice(c->w, o, "action", band_actions, N_OF(band_actions), 0,
                               "band action", "known actions", &action)) != 0 ||
        (rc = read_seconds(c, o, "halt_seconds", false, 300, 1, &c->wr->halt_seconds,
                           &b->halt_steps)) != 0)
        return rc;
    b->action = (enum cas_band_action)action;
    cas__pop(c->w, mark);
    return 0;
}

static int read_dynamic_margin(struct ctx *c, const cJSON *rules)
{
    static const char *const keys[] = {"window_seconds", "base_vol_annual", "max_scale"};
    static const struct cas__range vol = {0, 100, true, false, false};
    static const struct cas__range scale = {1, 1000, false, false, false};
    struct cas_volmargin_params *v = &c->ins->dynamic_margin;
    const cJSON *o;
    size_t mark;
    int rc;
    if ((rc = read_switch(c, rules, "dynamic_margin", false, &o, &c->ins->dynamic_margin_on)) !=
            0 ||
        !c->ins->dynamic_margin_on)
        return rc;
    if ((rc = enter(c, o, "dynamic_margin", keys, N_OF(keys), &mark)) != 0 ||
        (rc = read_seconds(c, o, "window_seconds", false, 3600, 0, &c->wr->dm_window_seconds,
                           &v->window)) != 0)
        return rc;
    if (v->window < 2)
        return cas__fail(c->w, "window_seconds", CAS_ERANGE,
                         "is %lld step%s of %s s; the volatility window needs at least 2 steps",
                         (long long)v->window, v->window == 1 ? "" : "s",
                         cas__num(c->step_seconds).s);
    if ((rc = cas__read_number(c->w, o, "base_vol_annual", &vol, 0.5, &c->wr->base_vol_annual)) !=
            0 ||
        (rc = cas__read_number(c->w, o, "max_scale", &scale, 3, &v->max_scale)) != 0)
        return rc;
    v->base_vol = c->wr->base_vol_annual * sqrt(c->step_seconds / YEAR_SECONDS);
    cas__pop(c->w, mark);
    return 0;
}

static int read_rules(struct ctx *c, const cJSON *rules)
{
    int rc;
    if ((rc = read_mark(c, rules)) != 0 || (rc = read_funding(c, rules)) != 0 ||
        (rc = read_margin(c, rules)) != 0 || (rc = read_fees(c, rules)) != 0 ||
        (rc = read_liquidation(c, rules)) != 0 || (rc = read_band(c, rules)) != 0)
        return rc;
    return read_dynamic_margin(c, rules);
}

/* ---- venue profiles ----------------------------------------------------------------------- */

/* A profile: its tree (owned) and the label that errors inside it carry. */
struct venue {
    cJSON *tree;
    char label[128];
    const char *sep;
};

static const char *builtin_text(const char *name)
{
    for (const struct cas__embedded *e = cas__venues; e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e->text;
    return NULL;
}

static bool looks_like_path(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n >= 5 && strcmp(s + n - 5, ".json") == 0);
}

/* Parse a profile's text; a syntax error is reported as "LABEL: line N". */
static int parse_profile(struct ctx *c, const char *text, const char *source, struct venue *v)
{
    struct cas_err e = {0};
    char path[sizeof v->label + sizeof e.path + 2];
    int rc = cas__config_read_text(&v->tree, text, source, &e);
    if (rc == 0)
        return 0;
    snprintf(path, sizeof path, "%s: %s", v->label, e.path);
    return cas_err_set(c->w->err, rc, path, "%s", e.msg);
}

static int unknown_venue(struct ctx *c, const char *name)
{
    struct cas__choices ch = {.word = name};
    char esc[48], hint[192];
    for (const struct cas__embedded *e = cas__venues; e->name; e++)
        cas__choices_add(&ch, e->name);
    return cas__fail(c->w, "venue", CAS_ENOTFOUND,
                     "unknown venue '%s'%s; give a known venue or the path of a profile file"
                     " ending in .json",
                     cas__escape(esc, sizeof esc, name, SIZE_MAX),
                     cas__choices_hint(hint, sizeof hint, &ch, "known venues", true));
}

/* The profile that "venue" names: built in, a file, or written in place. */
static int load_profile(struct ctx *c, const cJSON *vj, struct venue *v)
{
    char esc[64], file[512], *text;
    if (cJSON_IsObject(vj)) {
        /* the instrument's path is short ("instruments[12]"): no truncation */
        cas__append(v->label, sizeof v->label, "%s.venue", c->w->path);
        v->sep = ".";
        v->tree = cJSON_Duplicate(vj, true);
        return v->tree ? 0 : cas__no_memory(c->w);
    }
    if (!cJSON_IsString(vj))
        return cas__fail(c->w, "venue", CAS_EINVAL,
                         "must be a venue name, the path of a profile file or a profile object,"
                         " got %s",
                         cas__json_kind(vj));
    const char *name = vj->valuestring, *builtin = builtin_text(name);
    snprintf(v->label, sizeof v->label, "venue '%s'",
             cas__escape(esc, sizeof esc, name, SIZE_MAX));
    v->sep = ": ";
    if (builtin)
        return parse_profile(c, builtin, name, v);
    if (!looks_like_path(name))
        return unknown_venue(c, name);
    size_t mark = cas__push_key(c->w, "venue");
    int rc = join_path(c, NULL, name, file, sizeof file);
    if (rc)
        return rc;
    char what[96];
    snprintf(what, sizeof what, "venue profile '%s'", esc);
    if ((rc = cas__read_file(file, c->w->path, what, &text, c->w->err)) != 0)
        return rc;
    cas__pop(c->w, mark);
    rc = parse_profile(c, text, name, v);
    free(text);
    return rc;
}

/* Any key twice in one object anywhere below v is an error (merging would hide it). */
static int no_duplicates(struct cas__walk *w, const cJSON *v)
{
    char esc[48];
    size_t i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        size_t mark = cJSON_IsObject(v) ? cas__push_key(w, c->string) : cas__push_index(w, i);
        for (const cJSON *d = v->child; cJSON_IsObject(v) && d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0)
                return cas__fail(w, NULL, CAS_EINVAL, "duplicate key '%s'; keep only one",
                                 cas__escape(esc, sizeof esc, c->string, SIZE_MAX));
        int rc = no_duplicates(w, c);
        if (rc)
            return rc;
        cas__pop(w, mark);
    }
    return 0;
}

/* The profile's own keys: name, description, and rule objects. */
static int check_profile(struct ctx *c, const struct venue *v)
{
    static const char *const keys[] = {"name",    "description", "mark",       "funding",
                                       "margin",  "fees",        "liquidation", "price_band",
                                       "dynamic_margin"};
    struct cas__walk pw = {.err = c->w->err};
    const char *name, *description;
    int rc;
    snprintf(pw.path, sizeof pw.path, "%s%s", v->label, v->sep[0] == ':' ? ": " : "");
    pw.len = strlen(pw.path);
    if ((rc = cas__check_keys(&pw, v->tree, keys, N_OF(keys))) != 0 ||
        (rc = no_duplicates(&pw, v->tree)) != 0 ||
        (rc = cas__read_string(&pw, v->tree, "name", &name)) != 0 ||
        (rc = cas__read_string(&pw, v->tree, "description", &description)) != 0)
        return rc;
    if (!name)
        return cas__fail(&pw, "name", CAS_EINVAL, "missing required key 'name'; name the venue");
    return cas__check_name(&pw, "name", name, c->ins->venue);
}

/* Put a copy of src at key in dst: objects merge key by key, anything else replaces. */
static bool merge(cJSON *dst, const char *key, const cJSON *src)
{
    cJSON *cur = cJSON_GetObjectItemCaseSensitive(dst, key);
    if (cJSON_IsObject(cur) && cJSON_IsObject(src)) {
        for (const cJSON *c = src->child; c; c = c->next)
            if (!merge(cur, c->string, c))
                return false;
        return true;
    }
    cJSON *copy = cJSON_Duplicate(src, true);
    bool ok = copy && (cur ? cJSON_ReplaceItemInObjectCaseSensitive(dst, key, copy)
                           : cJSON_AddItemToObject(dst, key, copy));
    if (!ok)
        cJSON_Delete(copy);
    return ok;
}

/* The profile's rules overridden by the instrument's own (o): a new tree in *out. */
static int merge_rules(struct ctx *c, const struct venue *v, const cJSON *o, cJSON **out)
{
    cJSON *m = cJSON_CreateObject();
    bool ok = m != NULL;
    for (size_t k = 0; ok && k < N_RULE_KEYS; k++) {
        const cJSON *p = cas__member(v->tree, rule_keys[k]);
        ok = !p || merge(m, rule_keys[k], p);
    }
    for (size_t k = 0; ok && k < N_RULE_KEYS; k++) {
        const cJSON *own = cas__member(o, rule_keys[k]);
        ok = !own || merge(m, rule_keys[k], own);
    }
    if (!ok) {
        cJSON_Delete(m);
        return cas__no_memory(c->w);
    }
    *out = m;
    return 0;
}

/* The instrument's own rule objects must not hold a key twice either. */
static int own_duplicates(struct ctx *c, const cJSON *o)
{
    for (size_t k = 0; k < N_RULE_KEYS; k++) {
        const cJSON *own = cas__member(o, rule_keys[k]);
        if (!own)
            continue;
        size_t mark = cas__push_key(c->w, rule_keys[k]);
        int rc = no_duplicates(c->w, own);
        if (rc)
            return rc;
        cas__pop(c->w, mark);
    }
    return 0;
}

int cas__read_perpetual(struct cas__parse *p, const cJSON *o, uint32_t i)
{
    struct ctx c = {p, &p->w, &p->cfg->instruments[i], &p->written[i], p->cfg->step_seconds,
                    p->cfg->money_decimals};
    const cJSON *vj = cas__member(o, "venue");
    struct venue v = {NULL, "", ""};
    struct cas__origin origin = {p->w.len, o, NULL, v.label, ""};
    cJSON *merged = NULL;
    int rc = 0;
    if (vj && ((rc = load_profile(&c, vj, &v)) != 0 || (rc = check_profile(&c, &v)) != 0 ||
               (rc = own_duplicates(&c, o)) != 0 || (rc = merge_rules(&c, &v, o, &merged)) != 0))
        goto free_profile;
    if ((rc = read_index(&c, o)) != 0)
        goto free_profile;
    origin.profile = v.tree;
    origin.sep = v.sep;
    p->w.origin = merged ? &origin : NULL;
    rc = read_rules(&c, merged ? merged : o);
    p->w.origin = NULL;
free_profile:
    cJSON_Delete(merged);
    cJSON_Delete(v.tree);
    return rc;
}

/* ---- the resolved form -------------------------------------------------------------------- */

static cJSON *ppm_real(int64_t ppm)
{
    return cas__raw_real((double)ppm / 1e6);
}

static void resolve_index(struct cas__build *b, cJSON *o, const struct cas_config *cfg,
                          const struct cas_instrument_config *ins, const struct cas__written *wr)
{
    cJSON *ix = cas__put(b, o, "index", cJSON_CreateObject());
    cas__put(b, ix, "source", cJSON_CreateString(index_sources[ins->index_source]));
    if (ins->index_source == CAS_INDEX_PATH) {
        cas__put(b, ix, "file", cJSON_CreateString(ins->index_file));
    } else if (ins->index_source == CAS_INDEX_SPOT) {
        cas__put(b, ix, "instrument", cJSON_CreateString(cfg->instruments[ins->index_spot].name));
    } else {
        cas__put(b, ix, "vol_annual", cas__raw_real(wr->vol_annual));
        cas__put(b, ix, "drift_annual", cas__raw_real(wr->drift_annual));
        cas__put(b, ix, "jumps_per_day", cas__raw_real(wr->jumps_per_day));
        cas__put(b, ix, "jump_mean", cas__raw_real(ins->gbm.jump_mean));
        cas__put(b, ix, "jump_sd", cas__raw_real(ins->gbm.jump_sd));
    }
}

static void resolve_funding(struct cas__build *b, cJSON *o, const struct cas_instrument_config *ins,
                            const struct cas__written *wr)
{
    const struct cas_funding_params *fp = &ins->funding;
    if (!ins->funding_on) {
        cas__put(b, o, "funding", cJSON_CreateFalse());
        return;
    }
    cJSON *f = cas__put(b, o, "funding", cJSON_CreateObject());
    cas__put(b, f, "interval_hours", cas__raw_real(wr->interval_hours));
    cas__put(b, f, "interest", cas__raw_real(fp->interest));
    cas__put(b, f, "clamp", cas__raw_real(fp->clamp));
    cas__put(b, f, "cap", cas__raw_real(fp->cap));
    cas__put(b, f, "premium", cJSON_CreateString(premiums[fp->premium]));
    cas__put(b, f, "impact_lots", cas__raw_real(fp->impact_lots));
    cas__put(b, f, "weighting", cJSON_CreateString(weightings[fp->weighted]));
}

static void resolve_margin(struct cas__build *b, cJSON *o, const struct cas_instrument_spec *s,
                           double scale)
{
    cJSON *m = cas__put(b, o, "margin", cJSON_CreateObject());
    cas__put(b, m, "max_leverage", cas__raw_int(s->max_leverage));
    cJSON *tiers = cas__put(b, m, "tiers", cJSON_CreateArray());
    for (uint32_t j = 0; j < s->n_tiers; j++) {
        cJSON *t = cas__put(b, tiers, NULL, cJSON_CreateObject());
        cas__put(b, t, "notional", cas__raw_real((double)s->tiers[j].floor / scale));
        cas__put(b, t, "mmr", ppm_real(s->tiers[j].mmr_ppm));
        cas__put(b, t, "max_leverage", cas__raw_int(s->tiers[j].max_leverage));
    }
}

static void resolve_liquidation(struct cas__build *b, cJSON *o,
                                const struct cas_instrument_spec *s, double scale,
                                const struct cas__written *wr)
{
    cJSON *l = cas__put(b, o, "liquidation", cJSON_CreateObject());
    cas__put(b, l, "mode", cJSON_CreateString(liq_modes[s->liq_mode]));
    cas__put(b, l, "style", cJSON_CreateString(liq_styles[s->liq_style]));
    cas__put(b, l, "max_lots_per_step", cas__raw_int((double)s->liq_max_lots_per_step));
    cas__put(b, l, "ioc_penalty", ppm_real(s->liq_ioc_penalty_ppm));
    cas__put(b, l, "slice", ppm_real(s->liq_slice_ppm));
    cas__put(b, l, "slice_above", cas__raw_real((double)s->liq_slice_above / scale));
    cas__put(b, l, "slice_cooldown_seconds", cas__raw_real(wr->slice_cooldown_seconds));
    cas__put(b, l, "close_factor", ppm_real(s->close_factor_ppm));
    cas__put(b, l, "bonus", ppm_real(s->liq_bonus_ppm));
    cas__put(b, l, "adl_rank", cJSON_CreateString(adl_ranks[s->adl_rank]));
}

static void resolve_switched(struct cas__build *b, cJSON *o,
                             const struct cas_instrument_config *ins,
                             const struct cas__written *wr)
{
    if (ins->band_on) {
        cJSON *p = cas__put(b, o, "price_band", cJSON_CreateObject());
        cas__put(b, p, "pct", cas__raw_real(ins->band.pct));
        cas__put(b, p, "window_seconds", cas__raw_real(wr->band_window_seconds));
        cas__put(b, p, "action", cJSON_CreateString(band_actions[ins->band.action]));
        cas__put(b, p, "halt_seconds", cas__raw_real(wr->halt_seconds));
    } else {
        cas__put(b, o, "price_band", cJSON_CreateFalse());
    }
    if (ins->dynamic_margin_on) {
        cJSON *d = cas__put(b, o, "dynamic_margin", cJSON_CreateObject());
        cas__put(b, d, "window_seconds", cas__raw_real(wr->dm_window_seconds));
        cas__put(b, d, "base_vol_annual", cas__raw_real(wr->base_vol_annual));
        cas__put(b, d, "max_scale", cas__raw_real(ins->dynamic_margin.max_scale));
    } else {
        cas__put(b, o, "dynamic_margin", cJSON_CreateFalse());
    }
}

void cas__resolve_perpetual(struct cas__build *b, cJSON *o, const struct cas_config *cfg,
                            uint32_t i, const struct cas__written *wr)
{
    const struct cas_instrument_config *ins = &cfg->instruments[i];
    const struct cas_instrument_spec *s = &ins->spec;
    double scale = cas_pow10(cfg->money_decimals);
    /* A built-in name reads back as itself; a profile from a file is recorded in place,
     * by name only: its rules are all written out below. */
    if (ins->venue[0] && builtin_text(ins->venue)) {
        cas__put(b, o, "venue", cJSON_CreateString(ins->venue));
    } else if (ins->venue[0]) {
        cJSON *v = cas__put(b, o, "venue", cJSON_CreateObject());
        cas__put(b, v, "name", cJSON_CreateString(ins->venue));
    }
    resolve_index(b, o, cfg, ins, wr);
    cJSON *m = cas__put(b, o, "mark", cJSON_CreateObject());
    cas__put(b, m, "method", cJSON_CreateString(mark_methods[ins->mark_method]));
    cas__put(b, m, "ema_seconds", cas__raw_real(wr->ema_seconds));
    resolve_funding(b, o, ins, wr);
    resolve_margin(b, o, s, scale);
    cJSON *f = cas__put(b, o, "fees", cJSON_CreateObject());
    cas__put(b, f, "maker", ppm_real(s->maker_fee_ppm));
    cas__put(b, f, "taker", ppm_real(s->taker_fee_ppm));
    resolve_liquidation(b, o, s, scale, wr);
    resolve_switched(b, o, ins, wr);
}
