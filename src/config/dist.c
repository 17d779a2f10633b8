/* dist: an agent parameter's value, a plain number or a distribution, read and written back.
 *
 * A distribution is an object {"dist": KIND, KEYS...}: every key of its kind is required
 * and no other is allowed. It is checked against the parameter's range where draws could
 * leave it for good: a constant and a uniform's bounds must lie within the range, the mean
 * of the others must (their draws are clipped to the range by cas_param_draw). The value
 * kept in params[] is the distribution's central value, clipped and rounded like a draw,
 * so code that reads one value per parameter keeps working.
 */
#include <math.h>

#include "cascade/fmath.h"
#include "config/configInt.h"

struct form {
    const char *article; /* for "required for a normal distribution" */
    const char *keys[2]; /* the keys of a, then b; NULL when there is no b */
};

static const char *const dist_names[] = {
    [CAS_DIST_CONSTANT] = "constant",       [CAS_DIST_UNIFORM] = "uniform",
    [CAS_DIST_NORMAL] = "normal",           [CAS_DIST_LOGNORMAL] = "lognormal",
    [CAS_DIST_EXPONENTIAL] = "exponential",
};
enum { N_DISTS = sizeof dist_names / sizeof *dist_names };

static const struct form forms[N_DISTS] = {
    [CAS_DIST_CONSTANT] = {"a", {"value", NULL}},    [CAS_DIST_UNIFORM] = {"a", {"low", "high"}},
    [CAS_DIST_NORMAL] = {"a", {"mean", "sd"}},       [CAS_DIST_LOGNORMAL] = {"a", {"mu", "sigma"}},
    [CAS_DIST_EXPONENTIAL] = {"an", {"mean", NULL}},
};

static const struct cas__range any_range = {-INFINITY, INFINITY, false, false, false};
static const struct cas__range spread_range = {0, INFINITY, false, false, false}; /* sd, sigma */
static const struct cas__range positive_range = {0, INFINITY, true, false, false};

/* The number at key of a distribution of kind, which must be there, within r. */
static int dist_number(struct cas__walk *w, const cJSON *o, enum cas_dist_kind kind,
                       const char *key, const struct cas__range *r, double *out)
{
    const cJSON *v = cas__member(o, key);
    if (!v)
        return cas__fail(w, key, CAS_EINVAL, "required for %s %s distribution", forms[kind].article,
                         dist_names[kind]);
    return cas__check_number(w, key, v, r, out);
}

/* The mean of a lognormal: it must be within the parameter's range, and finite. */
static int check_lognormal(struct cas__walk *w, const struct cas_dist *d,
                           const struct cas__range *in)
{
    double mean = cas_exp(d->a + d->b * d->b / 2);
    bool ok =
        isfinite(mean) && (in->min_open ? mean > in->min : mean >= in->min) && mean <= in->max;
    return ok ? 0
              : cas__range_fail(w, NULL, in, "the mean exp(mu + sigma^2/2) of the lognormal", mean);
}

/* The keys of the distribution of kind, each checked; the walk is at the object. */
static int read_keys(struct cas__walk *w, const cJSON *o, enum cas_dist_kind kind,
                     const struct cas_param_spec *ps, struct cas_dist *d)
{
    const char *const *k = forms[kind].keys;
    struct cas__range in = {ps->min, ps->max, ps->min_open, false, false};
    int rc;
    d->kind = kind;
    switch (kind) {
    case CAS_DIST_CONSTANT:
        in.integer = ps->kind == CAS_PARAM_INT;
        return dist_number(w, o, kind, k[0], &in, &d->a);
    case CAS_DIST_UNIFORM:
        if ((rc = dist_number(w, o, kind, k[0], &in, &d->a)) != 0 ||
            (rc = dist_number(w, o, kind, k[1], &in, &d->b)) != 0)
            return rc;
        if (d->b < d->a)
            return cas__fail(w, k[1], CAS_ERANGE, "must be at least 'low' (%s), got %s",
                             cas__num(d->a).s, cas__num(d->b).s);
        return 0;
    case CAS_DIST_NORMAL:
        if ((rc = dist_number(w, o, kind, k[0], &in, &d->a)) != 0)
            return rc;
        return dist_number(w, o, kind, k[1], &spread_range, &d->b);
    case CAS_DIST_LOGNORMAL:
        if ((rc = dist_number(w, o, kind, k[0], &any_range, &d->a)) != 0 ||
            (rc = dist_number(w, o, kind, k[1], &spread_range, &d->b)) != 0)
            return rc;
        return check_lognormal(w, d, &in);
    case CAS_DIST_EXPONENTIAL:
        if ((rc = dist_number(w, o, kind, k[0], &positive_range, &d->a)) != 0)
            return rc;
        return cas__check_number(w, k[0], cas__member(o, k[0]), &in, &d->a);
    }
    return 0;
}

/* The distribution object o; the walk is at it. */
static int read_dist(struct cas__walk *w, const cJSON *o, const struct cas_param_spec *ps,
                     struct cas_dist *d)
{
    int kind, rc;
    if ((rc = cas__read_choice(w, o, "dist", dist_names, N_DISTS, -1, "distribution",
                               "known distributions", &kind)) != 0)
        return rc;
    const char *const *k = forms[kind].keys;
    const char *keys[] = {"dist", k[0], k[1]};
    if ((rc = cas__check_keys(w, o, keys, k[1] ? 3 : 2)) != 0)
        return rc;
    return read_keys(w, o, (enum cas_dist_kind)kind, ps, d);
}

static double central(const struct cas_dist *d)
{
    switch (d->kind) {
    case CAS_DIST_UNIFORM: return 0.5 * (d->a + d->b);
    case CAS_DIST_LOGNORMAL: return cas_exp(d->a + d->b * d->b / 2);
    case CAS_DIST_CONSTANT:
    case CAS_DIST_NORMAL:
    case CAS_DIST_EXPONENTIAL: break;
    }
    return d->a;
}

int cas__read_param(struct cas__walk *w, const cJSON *obj, const struct cas_param_spec *ps,
                    struct cas_dist *dist, double *central_out, bool *as_object)
{
    const cJSON *v = cas__member(obj, ps->name);
    int rc = 0;
    *dist = (struct cas_dist){CAS_DIST_CONSTANT, ps->def, 0};
    *as_object = cJSON_IsObject(v);
    if (*as_object) {
        size_t mark = cas__push_key(w, ps->name);
        if ((rc = read_dist(w, v, ps, dist)) != 0)
            return rc;
        cas__pop(w, mark);
    } else if (v) {
        struct cas__range r = {ps->min, ps->max, ps->min_open, ps->kind == CAS_PARAM_INT, false};
        if ((rc = cas__check_number(w, ps->name, v, &r, &dist->a)) != 0)
            return rc;
    }
    /* a constant draws nothing, so no stream is needed to clip and round the centre */
    const struct cas_dist c = {CAS_DIST_CONSTANT, central(dist), 0};
    *central_out = cas_param_draw(ps, &c, NULL);
    return 0;
}

void cas__resolve_param(struct cas__build *b, cJSON *params, const struct cas_param_spec *ps,
                        const struct cas_dist *dist, double central_value, bool as_object)
{
    bool integer = ps->kind == CAS_PARAM_INT;
    if (!as_object) {
        cas__put(b, params, ps->name,
                 integer ? cas__raw_int(central_value) : cas__raw_real(central_value));
        return;
    }
    const char *const *k = forms[dist->kind].keys;
    cJSON *o = cas__put(b, params, ps->name, cJSON_CreateObject());
    cas__put(b, o, "dist", cJSON_CreateString(dist_names[dist->kind]));
    if (dist->kind == CAS_DIST_CONSTANT && integer)
        cas__put(b, o, k[0], cas__raw_int(dist->a));
    else
        cas__put(b, o, k[0], cas__raw_real(dist->a));
    if (k[1])
        cas__put(b, o, k[1], cas__raw_real(dist->b));
}
