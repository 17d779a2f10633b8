/* facts: a run's stylized facts beside their published ranges (`cascade facts
 * RUNDIR`; the command's options are in src/cli/facts.c).
 *
 * Reads summary.json's `stylized` block only (measured by the recorder on
 * 1-minute returns after the warm-up: src/record/summary.c) and prints, one
 * line per measure, the run's value, the range published for BTC and whether
 * the run is inside it. The ranges and their sources are the table below;
 * docs/outputs.md ("cascade facts") cites each source in full. A measure the
 * run was too short for is `null` in summary.json and "n/a" here. A
 * summary.json that is missing, not JSON, or without a measure of the right
 * type is bad input: CAS_EINVAL, the caller's struct cas_err naming the file,
 * its message the JSON path and what is wrong; nothing is printed but the facts.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/core.h"
#include "cascade/report.h"
#include "report/csv.h"

/* A published range: low < v (or low <= v) and v <= high; NaN for no bound. */
struct fact {
    const char *name;  /* the measure, as printed */
    const char *key;   /* its key under summary.json's stylized (NULL: computed, below) */
    double low, high;  /* NaN: unbounded on that side */
    bool low_open;     /* the value must be greater than low, not equal */
    const char *about; /* what it measures and whose figure the range is */
};

/* clang-format off */
static const struct fact facts[] = {
    {"hill_index", "hill_index", 2.5, 3.8, false,
     "tail index of the largest 5% of |r|; BTC about 3 (Takaishi 2021, inverse cubic law)"},
    {"std_over_iqr", "std_over_iqr", 1.3, NAN, false,
     "std / IQR of r; Gaussian 0.74, BTC 1-minute returns about 1.7"},
    {"acf_absr_mean_30_120", "acf_absr_mean_30_120", 0.05, NAN, true,
     "mean ACF of |r| over lags 30-120 min; power-law decay over hours (Takaishi 2021; "
     "Tang et al. 2024)"},
    {"acf_r_max_2_60", NULL, NAN, 0.05, false,
     "largest |ACF of r| over lags 2-60 min; returns uncorrelated beyond the first lag"},
    {"basis_median_bps", "basis_median_bps", NAN, 5, false,
     "median |mark / index - 1| in bp; Binance's funding rule holds the premium within a few bp"},
    {"funding_at_interest_share", "funding_at_interest_share", 0.75, NAN, false,
     "share of 8-hour funding prints at the interest rate (the clamp holding it there)"},
    {"funding_positive_share", "funding_positive_share", 0.9, NAN, false,
     "share of funding prints above 0"},
};
/* clang-format on */
#define N_FACTS (sizeof facts / sizeof *facts)

/* The lags of acf_r that acf_r_max_2_60 reads. */
#define ACF_R_FROM 2
#define ACF_R_TO 60

struct source {
    const char *path; /* RUNDIR/summary.json, for messages */
    const cJSON *sty;
    struct cas_err *err; /* the caller's; may be NULL */
};

static int bad(const struct source *s, const char *key, const char *what)
{
    return cas__report_err(s->err, CAS_EINVAL, s->path, 0, "stylized%s%s: %s", key ? "." : "",
                           key ? key : "", what);
}

static const char *type_name(const cJSON *v)
{
    return cJSON_IsString(v)   ? "a string"
           : cJSON_IsArray(v)  ? "an array"
           : cJSON_IsObject(v) ? "an object"
           : cJSON_IsBool(v)   ? "a boolean"
                               : "something else";
}

/* stylized.KEY: a number into *v, or NaN for null (when null_ok); 0 or CAS_EINVAL. */
static int number(const struct source *s, const char *key, bool null_ok, double *v)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(s->sty, key);
    char why[64];
    if (!j)
        return bad(s, key, "missing (a summary.json from an older cascade? run it again)");
    if (cJSON_IsNumber(j)) {
        *v = j->valuedouble;
        return 0;
    }
    if (cJSON_IsNull(j) && null_ok) {
        *v = NAN;
        return 0;
    }
    snprintf(why, sizeof why, "must be a number%s, got %s", null_ok ? " or null" : "",
             cJSON_IsNull(j) ? "null" : type_name(j));
    return bad(s, key, why);
}

/* The largest |acf_r| over lags ACF_R_FROM..ACF_R_TO; NaN when one of them is null. */
static int acf_r_max(const struct source *s, double *v)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(s->sty, "acf_r");
    char key[32], why[64];
    if (!a)
        return bad(s, "acf_r", "missing (a summary.json from an older cascade? run it again)");
    if (!cJSON_IsArray(a))
        return bad(s, "acf_r", "must be an array of autocorrelations");
    if (cJSON_GetArraySize(a) < ACF_R_TO) {
        snprintf(why, sizeof why, "has %d lags, fewer than %d", cJSON_GetArraySize(a), ACF_R_TO);
        return bad(s, "acf_r", why);
    }
    *v = 0;
    for (int lag = ACF_R_FROM; lag <= ACF_R_TO; lag++) {
        const cJSON *j = cJSON_GetArrayItem(a, lag - 1);
        if (cJSON_IsNull(j)) {
            *v = NAN;
        } else if (!cJSON_IsNumber(j)) {
            snprintf(key, sizeof key, "acf_r[%d]", lag - 1);
            return bad(s, key, "must be a number or null");
        } else if (!isnan(*v)) {
            *v = fmax(*v, fabs(j->valuedouble));
        }
    }
    return 0;
}

/* 1 inside, 0 outside, -1 no value. */
static int inside(const struct fact *f, double v)
{
    if (isnan(v))
        return -1;
    bool above = isnan(f->low) || (f->low_open ? v > f->low : v >= f->low);
    return above && (isnan(f->high) || v <= f->high);
}

/* The published range in words: "2.5 to 3.8", ">= 1.3", "> 0.05", "<= 5". */
static void range_text(const struct fact *f, char *out, size_t n)
{
    if (!isnan(f->low) && !isnan(f->high))
        snprintf(out, n, "%g to %g", f->low, f->high);
    else if (!isnan(f->low))
        snprintf(out, n, "%s %g", f->low_open ? ">" : ">=", f->low);
    else
        snprintf(out, n, "<= %g", f->high);
}

/* The summary's measures: values[k] for facts[k]; the horizon, warm-up and counts. */
struct measured {
    double values[N_FACTS];
    double horizon_s, warmup_s, returns, prints;
};

static int read_measures(const struct source *s, struct measured *m)
{
    int rc;
    if ((rc = number(s, "horizon_s", false, &m->horizon_s)) ||
        (rc = number(s, "warmup_s", false, &m->warmup_s)) ||
        (rc = number(s, "returns", false, &m->returns)) ||
        (rc = number(s, "funding_prints", true, &m->prints)))
        return rc;
    for (size_t k = 0; k < N_FACTS; k++)
        if ((rc = facts[k].key ? number(s, facts[k].key, true, &m->values[k])
                               : acf_r_max(s, &m->values[k])))
            return rc;
    return 0;
}

static void write_text(FILE *out, const cJSON *sum, const struct measured *m)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(sum, "name"),
                *seed = cJSON_GetObjectItemCaseSensitive(sum, "seed");
    if (cJSON_IsString(name) && cJSON_IsNumber(seed))
        fprintf(out, "%s, seed %.0f: ", name->valuestring, seed->valuedouble);
    fprintf(out, "%.0f returns of %g s after a %g s warm-up", m->returns, m->horizon_s,
            m->warmup_s);
    if (isnan(m->prints))
        fputs("; no funding (spot)\n", out);
    else
        fprintf(out, "; %.0f funding prints\n", m->prints);
    if (m->horizon_s != 60)
        fputs("note: the returns are not of 1 minute (step_seconds does not divide 60); "
              "the published ranges are for 1-minute returns\n",
              out);
    int n_in = 0, n_na = 0;
    for (size_t k = 0; k < N_FACTS; k++) {
        char value[32], range[32];
        int in = inside(&facts[k], m->values[k]);
        if (in < 0)
            snprintf(value, sizeof value, "null");
        else
            snprintf(value, sizeof value, "%.4g", m->values[k]);
        range_text(&facts[k], range, sizeof range);
        fprintf(out, "%-26s %10s   published %-11s %-8s %s\n", facts[k].name, value, range,
                in < 0 ? "n/a"
                : in   ? "inside"
                       : "outside",
                facts[k].about);
        n_in += in > 0;
        n_na += in < 0;
    }
    fprintf(out, "%d of %zu measures inside their published ranges", n_in, N_FACTS);
    if (n_na)
        fprintf(out, "; %d n/a (null: the run is too short for them)", n_na);
    fputc('\n', out);
}

static cJSON *bound(double v)
{
    return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static int write_json(FILE *out, const struct source *s, const struct measured *m)
{
    cJSON *root = cJSON_CreateObject(), *list = cJSON_CreateArray();
    bool ok = root && list && cJSON_AddItemToObject(root, "summary", cJSON_CreateString(s->path));
    ok = ok && cJSON_AddItemToObject(root, "horizon_s", bound(m->horizon_s)) &&
         cJSON_AddItemToObject(root, "warmup_s", bound(m->warmup_s)) &&
         cJSON_AddItemToObject(root, "returns", bound(m->returns)) &&
         cJSON_AddItemToObject(root, "funding_prints", bound(m->prints));
    ok = ok && cJSON_AddItemToObject(root, "facts", list);
    if (!ok)
        cJSON_Delete(list);
    for (size_t k = 0; ok && k < N_FACTS; k++) {
        cJSON *o = cJSON_CreateObject();
        int in = inside(&facts[k], m->values[k]);
        ok = o && cJSON_AddItemToArray(list, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
        ok = cJSON_AddItemToObject(o, "name", cJSON_CreateString(facts[k].name)) &&
             cJSON_AddItemToObject(o, "value", bound(m->values[k])) &&
             cJSON_AddItemToObject(o, "low", bound(facts[k].low)) &&
             cJSON_AddItemToObject(o, "low_open", cJSON_CreateBool(facts[k].low_open)) &&
             cJSON_AddItemToObject(o, "high", bound(facts[k].high)) &&
             cJSON_AddItemToObject(o, "inside",
                                   in < 0 ? cJSON_CreateNull() : cJSON_CreateBool(in > 0)) &&
             cJSON_AddItemToObject(o, "about", cJSON_CreateString(facts[k].about));
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return cas__report_oom(s->err);
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    return 0;
}

int cas_report_facts(FILE *out, const char *rundir, bool json, struct cas_err *err)
{
    char *path = cas_path_join(rundir, "summary.json");
    if (!path)
        return cas__report_oom(err);
    char why[96], *text = NULL;
    cJSON *sum = NULL;
    struct source s = {.path = path, .err = err};
    int rc = cas_read_file(path, CAS_MAX_JSON_BYTES, &text, NULL, why, sizeof why);
    if (rc == CAS_EINVAL) {
        cas__report_err(err, rc, path, 0, "cannot open: %s", why);
    } else if (rc) {
        cas__report_err(err, rc, path, 0, "cannot read: %s", why);
    } else if (!cJSON_IsObject(sum = cJSON_Parse(text))) {
        const char *at = cJSON_GetErrorPtr();
        long line = 1;
        for (const char *q = text; q && at && q < at && *q; q++)
            line += *q == '\n';
        rc = cas__report_err(err, CAS_EINVAL, path, line, "not a JSON object");
    } else if (!cJSON_IsObject(s.sty = cJSON_GetObjectItemCaseSensitive(sum, "stylized"))) {
        rc = bad(&s, NULL, s.sty ? "must be an object" : "missing");
    } else {
        struct measured m;
        if ((rc = read_measures(&s, &m)) == 0)
            rc = json ? write_json(out, &s, &m) : (write_text(out, sum, &m), 0);
    }
    cJSON_Delete(sum);
    free(text);
    free(path);
    return rc;
}
