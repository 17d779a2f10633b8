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
#include "core/coreInt.h"

#define DAY_SECONDS 86400.0
#define STEPS_MAX 1e12 /* durations longer than this many steps are refused */

static const char *const index_sources[] = {"gbm", "path", "spot"};
/* In the order of enum cas_index_outliers. */
static const char *const outlier_rules[] = {"clamp", "drop", "none"};

/* ---- small readers ----------------------------------------------------------------------- */

/* Field f, a duration in `unit` seconds (its default when absent): *written = it, *n = it in
 * steps of step_seconds, refused when that is more than STEPS_MAX (shown rounded for
 * SECONDS). */
static int read_steps(struct cas__rule_ctx *c, const cJSON *obj, const struct cas__field *f,
                      double unit, double *written, double *n)
{
    int rc = cas__read_number(c->w, obj, f->key, &f->range, f->def, written);
    if (rc)
        return rc;
    *n = *written * unit / c->step_seconds;
    if (round(*n) > STEPS_MAX)
        return cas__fail(
            c->w, f->key, CAS_ERANGE, "is %s steps of %s s; the limit is 1000000000000 steps",
            cas__num(f->kind == CAS__F_SECONDS ? round(*n) : *n).s, cas__num(c->step_seconds).s);
    return 0;
}

/* The rule object at key: absent gives absent_on, false switches the rule off, an object
 * switches it on (*obj = it). */
static int read_switch(struct cas__rule_ctx *c, const cJSON *rules, const char *key, bool absent_on,
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
static int enter(struct cas__rule_ctx *c, const cJSON *obj, const char *key,
                 const char *const *keys, size_t n, size_t *mark)
{
    *mark = cas__push_key(c->w, key);
    return obj ? cas__check_keys(c->w, obj, keys, n) : 0;
}

/* out = base/file, or file when it is absolute or base is "". */
static int join_path(struct cas__rule_ctx *c, const char *key, const char *file, char *out,
                     size_t size)
{
    const char *base = c->p->base;
    size_t bl = strlen(base);
    bool rel = file[0] != '/' && bl > 0;
    int n =
        snprintf(out, size, "%s%s%s", rel ? base : "", rel && base[bl - 1] != '/' ? "/" : "", file);
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
    {"source", CAS_INDEX_GBM},        {"vol_annual", CAS_INDEX_GBM},
    {"drift_annual", CAS_INDEX_GBM},  {"jumps_per_day", CAS_INDEX_GBM},
    {"jump_mean", CAS_INDEX_GBM},     {"jump_sd", CAS_INDEX_GBM},
    {"multifractal", CAS_INDEX_GBM},  {"square_root", CAS_INDEX_GBM},
    {"file", CAS_INDEX_PATH},         {"instrument", CAS_INDEX_SPOT},
    {"constituents", CAS_INDEX_SPOT}, {"outliers", CAS_INDEX_SPOT},
    {"outlier_band", CAS_INDEX_SPOT},
};

static int check_index_keys(struct cas__rule_ctx *c, const cJSON *ix, enum cas_index_source src)
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

int cas__read_multifractal(struct cas__walk *w, const cJSON *obj, double step_seconds,
                           struct cas_gbm_params *g, double seconds[2])
{
    static const char *const keys[] = {"components", "m0", "shortest_s", "longest_s"};
    static const struct cas__range comps = {1, CAS_MSM_MAX, false, true, false};
    static const struct cas__range m0 = {1, 2, false, false, true};
    static const struct cas__range horizon = {0, 1e9, true, false, false};
    const cJSON *m;
    double k;
    int rc = cas__read_object(w, obj, "multifractal", &m);
    if (rc || !m)
        return rc;
    size_t mark = cas__push_key(w, "multifractal");
    if ((rc = cas__check_keys(w, m, keys, N_OF(keys))) != 0 ||
        (rc = cas__read_number(w, m, "components", &comps, 5, &k)) != 0 ||
        (rc = cas__read_number(w, m, "m0", &m0, 1.6, &g->msm_m0)) != 0 ||
        (rc = cas__read_number(w, m, "shortest_s", &horizon, 300, &seconds[0])) != 0 ||
        (rc = cas__read_number(w, m, "longest_s", &horizon, 172800, &seconds[1])) != 0)
        return rc;
    if (seconds[1] < seconds[0])
        return cas__fail(w, "longest_s", CAS_EINVAL, "must be at least 'shortest_s' (%g), got %g",
                         seconds[0], seconds[1]);
    cas__pop(w, mark);
    g->msm_k = (uint32_t)k;
    /* horizons from the shortest to the longest, evenly spaced in log (the project's exp and
     * log, as every figure the simulation uses, so the rates do not depend on the machine's
     * libm; the two ends exact); a multiplier whose horizon is a step or less is drawn
     * afresh every step */
    double span = cas_log(seconds[1] / seconds[0]);
    for (uint32_t i = 0; i < g->msm_k; i++) {
        double f = g->msm_k > 1 ? (double)i / (double)(g->msm_k - 1) : 0.0;
        double h = i == 0              ? seconds[0]
                   : i + 1 == g->msm_k ? seconds[1]
                                       : seconds[0] * cas_exp(f * span);
        g->msm_rate[i] = step_seconds >= h ? 1.0 : step_seconds / h;
    }
    return 0;
}

void cas__put_multifractal(struct cas__build *b, cJSON *obj, const struct cas_gbm_params *g,
                           const double seconds[2])
{
    if (!g->msm_k)
        return;
    cJSON *m = cas__put(b, obj, "multifractal", cJSON_CreateObject());
    cas__put(b, m, "components", cas__raw_int(g->msm_k));
    cas__put(b, m, "m0", cas__raw_real(g->msm_m0));
    cas__put(b, m, "shortest_s", cas__raw_real(seconds[0]));
    cas__put(b, m, "longest_s", cas__raw_real(seconds[1]));
}

int cas__read_square_root(struct cas__walk *w, const cJSON *obj, double step_seconds,
                          struct cas_gbm_params *g, double *life_s)
{
    static const char *const keys[] = {"mean_life_s", "shape"};
    static const struct cas__range life = {0, 1e9, true, false, false};
    static const struct cas__range shape = {0, 1e6, true, false, false};
    const cJSON *q;
    double a;
    int rc = cas__read_object(w, obj, "square_root", &q);
    if (rc || !q)
        return rc;
    size_t mark = cas__push_key(w, "square_root");
    if ((rc = cas__check_keys(w, q, keys, N_OF(keys))) != 0 ||
        (rc = cas__read_number(w, q, "mean_life_s", &life, 10800, life_s)) != 0 ||
        (rc = cas__read_number(w, q, "shape", &shape, 0.3, &a)) != 0)
        return rc;
    cas__pop(w, mark);
    /* kappa = one step over the mean life; the transition's constants with the project's
     * exp, so that they do not depend on the machine's libm */
    g->sqv_shape = a;
    g->sqv_decay = cas_exp(-step_seconds / *life_s);
    g->sqv_c = (1.0 - g->sqv_decay) / (2.0 * a);
    return 0;
}

void cas__put_square_root(struct cas__build *b, cJSON *obj, const struct cas_gbm_params *g,
                          double life_s)
{
    if (!(g->sqv_shape > 0))
        return;
    cJSON *q = cas__put(b, obj, "square_root", cJSON_CreateObject());
    cas__put(b, q, "mean_life_s", cas__raw_real(life_s));
    cas__put(b, q, "shape", cas__raw_real(g->sqv_shape));
}

static int read_gbm(struct cas__rule_ctx *c, const cJSON *ix)
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
        (rc = cas__read_number(c->w, ix, "jump_sd", &sd, 0.05, &g->jump_sd)) != 0 ||
        (rc = cas__read_multifractal(c->w, ix, c->step_seconds, g, wr->msm_s)) != 0 ||
        (rc = cas__read_square_root(c->w, ix, c->step_seconds, g, &wr->sqv_life_s)) != 0)
        return rc;
    g->vol = wr->vol_annual * sqrt(c->step_seconds / YEAR_SECONDS);
    g->drift = wr->drift_annual * c->step_seconds / YEAR_SECONDS;
    g->jump_rate = wr->jumps_per_day * c->step_seconds / DAY_SECONDS;
    return 0;
}

static int read_index_file(struct cas__rule_ctx *c, const cJSON *ix)
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

static int read_index(struct cas__rule_ctx *c, const cJSON *o)
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
    else if (cas__member(ix, "instrument") && cas__member(ix, "constituents"))
        rc = cas__fail(c->w, "constituents", CAS_EINVAL,
                       "give either 'instrument' (one spot book) or 'constituents', not both");
    else if (cas__member(ix, "instrument") &&
             (cas__member(ix, "outliers") || cas__member(ix, "outlier_band")))
        rc = cas__fail(c->w, cas__member(ix, "outliers") ? "outliers" : "outlier_band", CAS_EINVAL,
                       "an index of one spot book has no outliers; list 'constituents' instead "
                       "of 'instrument'");
    else if (!cas__member(ix, "instrument") && !cas__member(ix, "constituents"))
        rc = cas__fail(c->w, "instrument", CAS_EINVAL,
                       "missing required key 'instrument'; name the spot instrument to follow, "
                       "or list 'constituents'");
    if (rc)
        return rc;
    cas__pop(c->w, mark);
    return 0;
}

/* The spot instrument named at `key` of obj: *out its index. */
static int link_spot(struct cas__parse *p, const cJSON *obj, const char *key, uint32_t *out)
{
    const struct cas_config *cfg = p->cfg;
    const char *s;
    char esc[48];
    int rc = cas__read_string(&p->w, obj, key, &s);
    if (rc)
        return rc;
    if (!s)
        return cas__fail(&p->w, key, CAS_EINVAL,
                         "missing required key '%s'; name a spot instrument", key);
    struct cas__choices ch = {.word = s};
    for (uint32_t j = 0; j < cfg->n_instruments; j++) {
        const struct cas_instrument_config *t = &cfg->instruments[j];
        if (strcmp(s, t->name) == 0 && t->spec.kind == CAS_SPOT) {
            *out = j;
            return 0;
        }
        if (strcmp(s, t->name) == 0)
            return cas__fail(&p->w, key, CAS_EINVAL,
                             "'%s' is a perpetual; the index must follow a spot instrument",
                             cas__escape(esc, sizeof esc, s, SIZE_MAX));
        if (t->spec.kind == CAS_SPOT)
            cas__choices_add(&ch, t->name);
    }
    if (!ch.list[0])
        return cas__fail(&p->w, key, CAS_ENOTFOUND,
                         "unknown instrument '%s'; add a spot instrument for the index to"
                         " follow, or use source 'gbm' or 'path'",
                         cas__escape(esc, sizeof esc, s, SIZE_MAX));
    return cas__unknown(&p->w, key, CAS_ENOTFOUND, "spot instrument", &ch, "known spot instruments",
                        true);
}

/* "constituents": [{"instrument", "weight"}, ...], each book once, and the outlier rule. */
static int link_constituents(struct cas__parse *p, const cJSON *ix,
                             struct cas_instrument_config *ins)
{
    static const char *const keys[] = {"instrument", "weight"};
    static const struct cas__range weight_r = {0, 1e9, true, false, false};
    static const struct cas__range band_r = {0, 1, true, false, true};
    const cJSON *arr;
    size_t n;
    int rule, rc = cas__read_array(&p->w, ix, "constituents", 1, CAS_MAX_CONSTITUENTS, &arr, &n);
    if (rc)
        return rc;
    size_t mark = cas__push_key(&p->w, "constituents"), k = 0;
    for (const cJSON *c = arr->child; c; c = c->next, k++) {
        size_t m = cas__push_index(&p->w, k);
        if (!cJSON_IsObject(c))
            return cas__fail(&p->w, NULL, CAS_EINVAL,
                             "must be an object {\"instrument\": NAME, \"weight\": W}");
        if ((rc = cas__check_keys(&p->w, c, keys, N_OF(keys))) != 0 ||
            (rc = link_spot(p, c, "instrument", &ins->constituent[k])) != 0 ||
            (rc = cas__read_number(&p->w, c, "weight", &weight_r, 1, &ins->weight[k])) != 0)
            return rc;
        for (size_t j = 0; j < k; j++)
            if (ins->constituent[j] == ins->constituent[k])
                return cas__fail(&p->w, "instrument", CAS_EEXIST,
                                 "'%s' is already constituents[%zu]; list each spot book once",
                                 p->cfg->instruments[ins->constituent[k]].name, j);
        cas__pop(&p->w, m);
    }
    cas__pop(&p->w, mark);
    ins->n_constituents = (uint32_t)n;
    if ((rc = cas__read_choice(&p->w, ix, "outliers", outlier_rules, N_OF(outlier_rules), 0,
                               "outlier rule", "known rules", &rule)) != 0 ||
        (rc = cas__read_number(&p->w, ix, "outlier_band", &band_r, 0.01, &ins->outlier_band)) != 0)
        return rc;
    ins->outliers = (enum cas_index_outliers)rule;
    return 0;
}

int cas__link_index(struct cas__parse *p, const cJSON *o, size_t i)
{
    struct cas_instrument_config *ins = &p->cfg->instruments[i];
    const cJSON *ix = cas__member(o, "index");
    if (ins->spec.kind != CAS_PERPETUAL || ins->index_source != CAS_INDEX_SPOT)
        return 0;
    size_t mark = cas__push_key(&p->w, "index");
    int rc;
    ins->index_by_name = cas__member(ix, "instrument") != NULL;
    if (ins->index_by_name) {
        rc = link_spot(p, ix, "instrument", &ins->constituent[0]);
        ins->n_constituents = 1;
        ins->weight[0] = 1;
        ins->outliers = CAS_OUTLIERS_NONE;
    } else {
        rc = link_constituents(p, ix, ins);
    }
    if (rc)
        return rc;
    ins->index_spot = ins->constituent[0];
    double best = ins->weight[0];
    for (uint32_t k = 1; k < ins->n_constituents; k++)
        if (ins->weight[k] > best) {
            best = ins->weight[k];
            ins->index_spot = ins->constituent[k];
        }
    cas__pop(&p->w, mark);
    return 0;
}

/* ---- the rules: read from the table of rules.c ---------------------------------------------- */

/* SECONDS: round(seconds / step_seconds) steps, at least f->min_steps; HOURS: a whole
 * number of steps >= 1. */
static int read_duration(struct cas__rule_ctx *c, const cJSON *obj, const struct cas__field *f,
                         double *written, cas_step *out)
{
    bool hours = f->kind == CAS__F_HOURS;
    double n, whole;
    int rc = read_steps(c, obj, f, hours ? 3600 : 1, written, &n);
    if (rc)
        return rc;
    whole = round(n);
    if (hours && (whole < 1 || fabs(n - whole) > 1e-9 * whole))
        return cas__fail(c->w, f->key, CAS_EINVAL,
                         "is %s steps of %s s; it must be a whole number of steps >= 1: change"
                         " %s or step_seconds",
                         cas__num(n).s, cas__num(c->step_seconds).s, f->key);
    *out = whole < (double)f->min_steps ? f->min_steps : (cas_step)whole;
    return 0;
}

static void store_int(void *at, enum cas__store s, int64_t v)
{
    switch (s) {
    case CAS__S_INT: *(int *)at = (int)v; break;
    case CAS__S_BOOL: *(bool *)at = v != 0; break;
    case CAS__S_I32: *(int32_t *)at = (int32_t)v; break;
    case CAS__S_I64: *(int64_t *)at = v; break;
    }
}

static int64_t load_int(const void *at, enum cas__store s)
{
    switch (s) {
    case CAS__S_INT: return *(const int *)at;
    case CAS__S_BOOL: return *(const bool *)at;
    case CAS__S_I32: return *(const int32_t *)at;
    case CAS__S_I64: break;
    }
    return *(const int64_t *)at;
}

/* Read field f of the rule object obj (NULL when absent: f's default). */
static int read_field(struct cas__rule_ctx *c, const cJSON *obj, const struct cas__field *f)
{
    void *at = (char *)c->ins + f->at;
    double *written = (double *)((char *)c->wr + f->written), d;
    int i, rc = 0;
    switch (f->kind) {
    case CAS__F_NUMBER:
        rc = f->required ? cas__require_number(c->w, obj, f->key, &f->range, f->required, at)
                         : cas__read_number(c->w, obj, f->key, &f->range, f->def, at);
        break;
    case CAS__F_INTEGER:
        if ((rc = cas__read_number(c->w, obj, f->key, &f->range, f->def, &d)) == 0)
            store_int(at, f->store, (int64_t)d);
        break;
    case CAS__F_PPM: rc = cas__read_ppm(c->w, obj, f->key, &f->range, f->def, at); break;
    case CAS__F_MONEY: rc = cas__read_money(c->w, obj, f->key, f->def, c->decimals, at); break;
    case CAS__F_CHOICE:
        if ((rc = cas__read_choice(c->w, obj, f->key, f->names, f->n_names, (int)f->def, f->what,
                                   f->label, &i)) == 0)
            store_int(at, f->store, i);
        break;
    case CAS__F_SECONDS:
    case CAS__F_HOURS: rc = read_duration(c, obj, f, written, at); break;
    case CAS__F_ANNUAL_VOL:
        if ((rc = cas__read_number(c->w, obj, f->key, &f->range, f->def, written)) == 0)
            *(double *)at = *written * sqrt(c->step_seconds / YEAR_SECONDS);
        break;
    case CAS__F_CUSTOM: rc = f->read(c, obj, f); break;
    }
    return rc || !f->check ? rc : f->check(c);
}

static int read_rule(struct cas__rule_ctx *c, const cJSON *rules, const struct cas__rule *r)
{
    const char *keys[CAS__MAX_RULE_FIELDS];
    const cJSON *o;
    size_t mark;
    int rc;
    if (r->sw == CAS__RULE_ALWAYS) {
        rc = cas__read_object(c->w, rules, r->key, &o);
    } else {
        bool *on = (bool *)((char *)c->ins + r->on);
        rc = read_switch(c, rules, r->key, r->sw == CAS__RULE_ON_BY_DEFAULT, &o, on);
        if (rc == 0 && !*on)
            return 0;
    }
    for (size_t k = 0; k < r->n_fields; k++)
        keys[k] = r->fields[k].key;
    if (rc || (rc = enter(c, o, r->key, keys, r->n_fields, &mark)) != 0)
        return rc;
    for (size_t k = 0; k < r->n_fields; k++)
        if ((rc = read_field(c, o, &r->fields[k])) != 0)
            return rc;
    cas__pop(c->w, mark);
    return 0;
}

static int read_rules(struct cas__rule_ctx *c, const cJSON *rules)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < cas__n_rules; k++)
        rc = read_rule(c, rules, &cas__rules[k]);
    return rc;
}

size_t cas__perp_keys(const char **out, size_t max)
{
    size_t n = 0;
    out[n++] = "venue";
    out[n++] = "index";
    for (size_t k = 0; k < cas__n_rules && n < max; k++)
        out[n++] = cas__rules[k].key;
    return n;
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
static int parse_profile(struct cas__rule_ctx *c, const char *text, const char *source,
                         struct venue *v)
{
    struct cas_err e = {0};
    char path[sizeof v->label + sizeof e.path + 2];
    int rc = cas__config_read_text(&v->tree, text, source, &e);
    if (rc == 0)
        return 0;
    snprintf(path, sizeof path, "%s: %s", v->label, e.path);
    return cas_err_set(c->w->err, rc, path, "%s", e.msg);
}

static int unknown_venue(struct cas__rule_ctx *c, const char *name)
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
static int load_profile(struct cas__rule_ctx *c, const cJSON *vj, struct venue *v)
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
    snprintf(v->label, sizeof v->label, "venue '%s'", cas__escape(esc, sizeof esc, name, SIZE_MAX));
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
static int check_profile(struct cas__rule_ctx *c, const struct venue *v)
{
    const char *keys[2 + CAS__MAX_RULES] = {"name", "description"};
    size_t n_keys = 2 + cas__n_rules;
    struct cas__walk pw = {.err = c->w->err};
    const char *name, *description;
    int rc;
    for (size_t k = 0; k < cas__n_rules; k++)
        keys[2 + k] = cas__rules[k].key;
    snprintf(pw.path, sizeof pw.path, "%s%s", v->label, v->sep[0] == ':' ? ": " : "");
    pw.len = strlen(pw.path);
    if ((rc = cas__check_keys(&pw, v->tree, keys, n_keys)) != 0 ||
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
static int merge_rules(struct cas__rule_ctx *c, const struct venue *v, const cJSON *o, cJSON **out)
{
    cJSON *m = cJSON_CreateObject();
    bool ok = m != NULL;
    const cJSON *from[] = {v->tree, o}; /* the instrument's own keys last: they win */
    for (size_t s = 0; s < N_OF(from); s++)
        for (size_t k = 0; ok && k < cas__n_rules; k++) {
            const cJSON *r = cas__member(from[s], cas__rules[k].key);
            ok = !r || merge(m, cas__rules[k].key, r);
        }
    if (!ok) {
        cJSON_Delete(m);
        return cas__no_memory(c->w);
    }
    *out = m;
    return 0;
}

/* The instrument's own rule objects must not hold a key twice either. */
static int own_duplicates(struct cas__rule_ctx *c, const cJSON *o)
{
    for (size_t k = 0; k < cas__n_rules; k++) {
        const cJSON *own = cas__member(o, cas__rules[k].key);
        if (!own)
            continue;
        size_t mark = cas__push_key(c->w, cas__rules[k].key);
        int rc = no_duplicates(c->w, own);
        if (rc)
            return rc;
        cas__pop(c->w, mark);
    }
    return 0;
}

/* clang-format off */
int cas__read_perpetual(struct cas__parse *p, const cJSON *o, uint32_t i)
{
    struct cas__rule_ctx c = {p, &p->w, &p->cfg->instruments[i], &p->written[i], p->cfg->step_seconds,
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
/* clang-format on */

/* ---- the resolved form -------------------------------------------------------------------- */

static void resolve_index(struct cas__build *b, cJSON *o, const struct cas_config *cfg,
                          const struct cas_instrument_config *ins, const struct cas__written *wr)
{
    cJSON *ix = cas__put(b, o, "index", cJSON_CreateObject());
    cas__put(b, ix, "source", cJSON_CreateString(index_sources[ins->index_source]));
    if (ins->index_source == CAS_INDEX_PATH) {
        cas__put(b, ix, "file", cJSON_CreateString(ins->index_file));
    } else if (ins->index_source == CAS_INDEX_SPOT && ins->index_by_name) {
        cas__put(b, ix, "instrument", cJSON_CreateString(cfg->instruments[ins->index_spot].name));
    } else if (ins->index_source == CAS_INDEX_SPOT) {
        cJSON *arr = cas__put(b, ix, "constituents", cJSON_CreateArray());
        for (uint32_t k = 0; k < ins->n_constituents; k++) {
            cJSON *c = cas__put(b, arr, NULL, cJSON_CreateObject());
            cas__put(b, c, "instrument",
                     cJSON_CreateString(cfg->instruments[ins->constituent[k]].name));
            cas__put(b, c, "weight", cas__raw_real(ins->weight[k]));
        }
        cas__put(b, ix, "outliers", cJSON_CreateString(outlier_rules[ins->outliers]));
        cas__put(b, ix, "outlier_band", cas__raw_real(ins->outlier_band));
    } else {
        cas__put(b, ix, "vol_annual", cas__raw_real(wr->vol_annual));
        cas__put(b, ix, "drift_annual", cas__raw_real(wr->drift_annual));
        cas__put(b, ix, "jumps_per_day", cas__raw_real(wr->jumps_per_day));
        cas__put(b, ix, "jump_mean", cas__raw_real(ins->gbm.jump_mean));
        cas__put(b, ix, "jump_sd", cas__raw_real(ins->gbm.jump_sd));
        cas__put_multifractal(b, ix, &ins->gbm, wr->msm_s);
        cas__put_square_root(b, ix, &ins->gbm, wr->sqv_life_s);
    }
}

static void resolve_field(struct cas__build *b, cJSON *o, const struct cas__field *f,
                          const struct cas_instrument_config *ins, const struct cas__written *wr,
                          double scale)
{
    const void *at = (const char *)ins + f->at;
    const double *written = (const double *)((const char *)wr + f->written);
    cJSON *v = NULL;
    switch (f->kind) {
    case CAS__F_NUMBER: v = cas__raw_real(*(const double *)at); break;
    case CAS__F_INTEGER: v = cas__raw_int((double)load_int(at, f->store)); break;
    case CAS__F_PPM: v = cas__raw_real((double)*(const int64_t *)at / 1e6); break;
    case CAS__F_MONEY: v = cas__raw_real((double)*(const cas_money *)at / scale); break;
    case CAS__F_CHOICE: v = cJSON_CreateString(f->names[load_int(at, f->store)]); break;
    case CAS__F_SECONDS:
    case CAS__F_HOURS:
    case CAS__F_ANNUAL_VOL: v = cas__raw_real(*written); break;
    case CAS__F_CUSTOM: f->resolve(b, o, ins, scale); return;
    }
    cas__put(b, o, f->key, v);
}

/* Every rule, in table order: `false` for a rule switched off, else its object in full. */
static void resolve_rules(struct cas__build *b, cJSON *o, const struct cas_instrument_config *ins,
                          const struct cas__written *wr, double scale)
{
    for (size_t k = 0; k < cas__n_rules; k++) {
        const struct cas__rule *r = &cas__rules[k];
        if (r->sw != CAS__RULE_ALWAYS && !*(const bool *)((const char *)ins + r->on)) {
            cas__put(b, o, r->key, cJSON_CreateFalse());
            continue;
        }
        cJSON *obj = cas__put(b, o, r->key, cJSON_CreateObject());
        for (size_t j = 0; j < r->n_fields; j++)
            resolve_field(b, obj, &r->fields[j], ins, wr, scale);
    }
}

void cas__resolve_perpetual(struct cas__build *b, cJSON *o, const struct cas_config *cfg,
                            uint32_t i, const struct cas__written *wr)
{
    const struct cas_instrument_config *ins = &cfg->instruments[i];
    /* A built-in name reads back as itself; a profile from a file is recorded in place,
     * by name only: its rules are all written out below. */
    if (ins->venue[0] && builtin_text(ins->venue)) {
        cas__put(b, o, "venue", cJSON_CreateString(ins->venue));
    } else if (ins->venue[0]) {
        cJSON *v = cas__put(b, o, "venue", cJSON_CreateObject());
        cas__put(b, v, "name", cJSON_CreateString(ins->venue));
    }
    resolve_index(b, o, cfg, ins, wr);
    resolve_rules(b, o, ins, wr, cas_pow10(cfg->money_decimals));
}
