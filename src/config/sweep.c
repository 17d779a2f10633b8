/* sweep: a sweep spec read against its schema and expanded into runs, the manifest
 * written out, and a run's summary.json flattened into named figures.
 *
 * Every value a run receives is JSON text handed to `cascade run --set`. The expansion
 * depends on the spec alone: run i's parameters and seed are the same whichever runs
 * are made, in whatever order, on whichever machine.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmath.h"
#include "cascade/rng.h"
#include "cascade/sweep.h"
#include "config/configInt.h"
#include "core/coreInt.h"

/* The fuzz build divides the size caps (a spec near them takes a second to expand, and
 * the fuzzer would spend its time there); everything else is the same. */
#ifndef CAS_SWEEP_CAPS_DIVISOR
#define CAS_SWEEP_CAPS_DIVISOR 1
#endif

enum {
    MAX_PARAMS = 64,
    MAX_VALUES = 100000 / CAS_SWEEP_CAPS_DIVISOR,
    MAX_RUNS = 1000000 / CAS_SWEEP_CAPS_DIVISOR,
    MAX_CELLS = 10000000 / CAS_SWEEP_CAPS_DIVISOR, /* runs x parameters: the manifest's values */
    MAX_MANIFEST_MB = 256 / CAS_SWEEP_CAPS_DIVISOR,
    MAX_COLLECT = 1000,
};

/* The purposes of the sweep's random streams (cas_rng_derive). */
static const uint64_t PURPOSE_SAMPLE = 0x53574545505341ULL; /* "SWEEPSA" */
static const uint64_t PURPOSE_RUN = 0x53574545505255ULL;    /* "SWEEPRU" */

enum kind { KIND_LIST, KIND_RANGE, KIND_SAMPLE };
enum sample { SAMPLE_UNIFORM, SAMPLE_LOGUNIFORM, SAMPLE_LHS };

struct param {
    enum kind kind;
    size_t first, n; /* its values are texts[first .. first + n) (list, range) */
    enum sample sample;
    double low, high;
};

struct spec {
    struct cas__walk w;
    struct cas_sweep *sw;
    struct param params[MAX_PARAMS];
    uint32_t cap_texts;
    size_t n_samples; /* rows of the sampled parameters; 0 when there are none */
    const char *sample_path;
};

static const char *const top_keys[] = {"base",       "set",  "parameters",
                                       "replicates", "seed", "collect"};
static const char *const range_keys[] = {"from", "to", "steps", "scale"};
static const char *const sample_keys[] = {"sample", "n", "low", "high"};
static const char *const scales[] = {"linear", "log"};
static const char *const samplers[] = {"uniform", "loguniform", "lhs"};

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* Takes ownership of text (freed on failure). */
static int add_text(struct spec *s, char *text)
{
    struct cas_sweep *sw = s->sw;
    if (!text)
        return cas__no_memory(&s->w);
    if (sw->n_texts >= UINT32_MAX / 2 ||
        cas__grow((void **)&sw->texts, &s->cap_texts, (uint32_t)sw->n_texts + 1,
                  sizeof *sw->texts) < 0) {
        free(text);
        return cas__no_memory(&s->w);
    }
    sw->texts[sw->n_texts++] = text;
    return 0;
}

/* A number as a value: rounded to 15 significant digits first, so that 10 on a log
 * scale is written 10 and not 9.999999999999998. */
static int add_number(struct spec *s, double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    return add_text(s, dup_text(cas__num(strtod(buf, NULL)).s));
}

static char *print_json(const cJSON *v)
{
    char *t = cJSON_PrintUnformatted(v);
    char *copy = t ? dup_text(t) : NULL;
    cJSON_free(t);
    return copy;
}

/* ---- reading the spec ----------------------------------------------------------------- */

static int read_base(struct spec *s, const cJSON *root, const char *dir)
{
    const cJSON *v = cas__member(root, "base");
    char esc[96];
    if (!v)
        return cas__fail(&s->w, "base", CAS_EINVAL,
                         "missing required key 'base'; give a config file or a config object");
    if (cJSON_IsObject(v)) {
        s->sw->base_text = print_json(v);
        return s->sw->base_text ? 0 : cas__no_memory(&s->w);
    }
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return cas__fail(&s->w, "base", CAS_EINVAL,
                         "must be a config file's path or a config object, got %s",
                         cas__json_kind(v));
    const char *p = v->valuestring;
    if (!dir) {
        s->sw->base_path = dup_text(p);
        return s->sw->base_path ? 0 : cas__no_memory(&s->w);
    }
    size_t n = strlen(dir) + strlen(p) + 2;
    char *joined = malloc(n), *abs;
    if (!joined)
        return cas__no_memory(&s->w);
    snprintf(joined, n, "%s%s%s", p[0] == '/' ? "" : dir, p[0] != '/' && *dir ? "/" : "", p);
    abs = realpath(joined, NULL);
    int e = errno;
    free(joined);
    if (!abs)
        return cas__fail(&s->w, "base", CAS_EIO, "cannot read '%s': %s",
                         cas__escape(esc, sizeof esc, p, SIZE_MAX), strerror(e));
    s->sw->base_path = abs;
    return 0;
}

static int read_sets(struct spec *s, const cJSON *root)
{
    const cJSON *obj;
    int rc = cas__read_object(&s->w, root, "set", &obj);
    if (rc || !obj)
        return rc;
    size_t n = (size_t)cJSON_GetArraySize(obj);
    if (!(s->sw->sets = calloc(n ? n : 1, sizeof *s->sw->sets)))
        return cas__no_memory(&s->w);
    for (const cJSON *c = obj->child; c; c = c->next) {
        char *v = print_json(c);
        size_t len = strlen(c->string) + (v ? strlen(v) : 0) + 2;
        char *set = v ? malloc(len) : NULL;
        if (set)
            snprintf(set, len, "%s=%s", c->string, v);
        free(v);
        if (!set)
            return cas__no_memory(&s->w);
        s->sw->sets[s->sw->n_sets++] = set;
    }
    return 0;
}

static int read_list(struct spec *s, struct param *p, const cJSON *v)
{
    size_t n = (size_t)cJSON_GetArraySize(v);
    if (n < 1 || n > MAX_VALUES)
        return cas__fail(&s->w, NULL, CAS_ERANGE, "must have 1 to %d values, got %zu", MAX_VALUES,
                         n);
    p->kind = KIND_LIST;
    p->first = s->sw->n_texts;
    p->n = n;
    for (const cJSON *c = v->child; c; c = c->next)
        if (add_text(s, print_json(c)))
            return CAS_ENOMEM;
    return 0;
}

static int read_range(struct spec *s, struct param *p, const cJSON *v)
{
    const struct cas__range any = {-INFINITY, INFINITY, false, false, false};
    const struct cas__range steps_r = {1, MAX_VALUES, false, true, false};
    double from, to, steps;
    int scale, rc;
    if ((rc = cas__check_keys(&s->w, v, range_keys, 4)) ||
        (rc = cas__require_number(&s->w, v, "from", &any, "", &from)) ||
        (rc = cas__require_number(&s->w, v, "to", &any, "", &to)) ||
        (rc = cas__require_number(&s->w, v, "steps", &steps_r, "", &steps)) ||
        (rc = cas__read_choice(&s->w, v, "scale", scales, 2, 0, "scale", "known scales", &scale)))
        return rc;
    if (scale == 1 && !(from > 0))
        return cas__fail(&s->w, "from", CAS_ERANGE, "must be greater than 0 on a log scale, got %s",
                         cas__num(from).s);
    if (scale == 1 && !(to > 0))
        return cas__fail(&s->w, "to", CAS_ERANGE, "must be greater than 0 on a log scale, got %s",
                         cas__num(to).s);
    if (steps == 1 && from != to)
        return cas__fail(&s->w, "steps", CAS_ERANGE,
                         "must be at least 2 when 'from' (%s) and 'to' (%s) differ",
                         cas__num(from).s, cas__num(to).s);
    p->kind = KIND_RANGE;
    p->first = s->sw->n_texts;
    p->n = (size_t)steps;
    for (size_t i = 0; i < p->n; i++) {
        double t = p->n == 1 ? 0 : (double)i / (double)(p->n - 1);
        double x = i + 1 == p->n ? to
                   : scale == 0  ? from + (to - from) * t
                                 : cas_exp(cas_log(from) + (cas_log(to) - cas_log(from)) * t);
        if ((rc = add_number(s, x)))
            return rc;
    }
    return 0;
}

static int read_sample(struct spec *s, struct param *p, const cJSON *v, const char *path)
{
    const struct cas__range any = {-INFINITY, INFINITY, false, false, false};
    const struct cas__range n_r = {1, MAX_VALUES, false, true, false};
    double n;
    int kind, rc;
    if ((rc = cas__check_keys(&s->w, v, sample_keys, 4)) ||
        (rc = cas__read_choice(&s->w, v, "sample", samplers, 3, -1, "sampler", "known samplers",
                               &kind)) ||
        (rc = cas__require_number(&s->w, v, "n", &n_r, "", &n)) ||
        (rc = cas__require_number(&s->w, v, "low", &any, "", &p->low)) ||
        (rc = cas__require_number(&s->w, v, "high", &any, "", &p->high)))
        return rc;
    if (p->high < p->low)
        return cas__fail(&s->w, "high", CAS_ERANGE, "must be at least 'low' (%s), got %s",
                         cas__num(p->low).s, cas__num(p->high).s);
    if (kind == SAMPLE_LOGUNIFORM && !(p->low > 0))
        return cas__fail(&s->w, "low", CAS_ERANGE,
                         "must be greater than 0 for a loguniform sample, got %s",
                         cas__num(p->low).s);
    if (s->n_samples && (size_t)n != s->n_samples) {
        char esc[64];
        return cas__fail(&s->w, "n", CAS_EINVAL,
                         "must equal the n of '%s' (%zu): sampled parameters are drawn "
                         "together, got %s",
                         cas__escape(esc, sizeof esc, s->sample_path, 60), s->n_samples,
                         cas__num(n).s);
    }
    s->n_samples = (size_t)n;
    s->sample_path = path;
    p->kind = KIND_SAMPLE;
    p->sample = (enum sample)kind;
    return 0;
}

static int read_parameter(struct spec *s, const cJSON *v)
{
    struct param *p = &s->params[s->sw->n_params];
    char *path = dup_text(v->string);
    if (!path)
        return cas__no_memory(&s->w);
    s->sw->params[s->sw->n_params++] = path;
    if (!*path)
        return cas__fail(&s->w, NULL, CAS_EINVAL,
                         "empty parameter path; write a config path "
                         "as --set takes it, e.g. agents[0].count");
    size_t mark = cas__push_key(&s->w, path);
    int rc;
    if (cJSON_IsArray(v))
        rc = read_list(s, p, v);
    else if (cJSON_IsObject(v) && cas__member(v, "sample"))
        rc = read_sample(s, p, v, path);
    else if (cJSON_IsObject(v))
        rc = read_range(s, p, v);
    else
        rc = cas__fail(&s->w, NULL, CAS_EINVAL,
                       "must be a list of values, a range {\"from\", \"to\", \"steps\"} or a "
                       "sample {\"sample\", \"n\", \"low\", \"high\"}, got %s",
                       cas__json_kind(v));
    cas__pop(&s->w, mark);
    return rc;
}

static int read_parameters(struct spec *s, const cJSON *root)
{
    const cJSON *obj;
    int rc = cas__read_object(&s->w, root, "parameters", &obj);
    if (rc)
        return rc;
    if (!obj)
        return cas__fail(&s->w, "parameters", CAS_EINVAL,
                         "missing required key 'parameters'; map config paths to values");
    size_t n = (size_t)cJSON_GetArraySize(obj);
    if (n < 1 || n > MAX_PARAMS)
        return cas__fail(&s->w, "parameters", CAS_ERANGE, "must have 1 to %d parameters, got %zu",
                         MAX_PARAMS, n);
    if (!(s->sw->params = calloc(n, sizeof *s->sw->params)))
        return cas__no_memory(&s->w);
    size_t mark = cas__push_key(&s->w, "parameters");
    for (const cJSON *c = obj->child; c && rc == 0; c = c->next) {
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0) {
                char esc[64];
                return cas__fail(&s->w, c->string, CAS_EINVAL,
                                 "duplicate parameter '%s'; keep only one",
                                 cas__escape(esc, sizeof esc, c->string, 60));
            }
        rc = read_parameter(s, c);
    }
    if (rc == 0)
        cas__pop(&s->w, mark);
    return rc;
}

static int read_collect(struct spec *s, const cJSON *root)
{
    const cJSON *arr;
    size_t n;
    int rc = cas__read_array(&s->w, root, "collect", 1, MAX_COLLECT, &arr, &n);
    if (rc || !arr)
        return rc;
    if (!(s->sw->collect = calloc(n, sizeof *s->sw->collect)))
        return cas__no_memory(&s->w);
    size_t mark = cas__push_key(&s->w, "collect");
    for (const cJSON *c = arr->child; c && rc == 0; c = c->next) {
        size_t i = s->sw->n_collect, at = cas__push_index(&s->w, i);
        if (!cJSON_IsString(c) || !c->valuestring[0])
            rc = cas__fail(&s->w, NULL, CAS_EINVAL,
                           "must be a summary.json figure's dotted name, e.g. prices.min, got %s",
                           cJSON_IsString(c) ? "an empty string" : cas__json_kind(c));
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(s->sw->collect[j], c->valuestring) == 0)
                rc = cas__fail(&s->w, NULL, CAS_EINVAL, "duplicate of collect[%zu]", j);
        if (rc == 0 && !(s->sw->collect[s->sw->n_collect++] = dup_text(c->valuestring)))
            rc = cas__no_memory(&s->w);
        if (rc == 0)
            cas__pop(&s->w, at);
    }
    if (rc == 0)
        cas__pop(&s->w, mark);
    return rc;
}

/* ---- expansion ---------------------------------------------------------------------------- */

/* The sampled parameters' rows: n_samples values for each, drawn from one stream. */
static int draw_samples(struct spec *s, double *rows)
{
    struct cas_sweep *sw = s->sw;
    size_t n = s->n_samples;
    struct cas_rng r;
    cas_rng_derive(&r, sw->seed, PURPOSE_SAMPLE, 0);
    uint32_t *perm = malloc(n * sizeof *perm);
    if (!perm)
        return cas__no_memory(&s->w);
    for (size_t p = 0; p < sw->n_params; p++) {
        const struct param *q = &s->params[p];
        if (q->kind != KIND_SAMPLE)
            continue;
        if (q->sample == SAMPLE_LHS) {
            for (size_t j = 0; j < n; j++)
                perm[j] = (uint32_t)j;
            cas_rng_shuffle_u32(&r, perm, (uint32_t)n);
        }
        for (size_t j = 0; j < n; j++) {
            double u = cas_rng_double(&r), x;
            if (q->sample == SAMPLE_LHS)
                x = q->low + (q->high - q->low) * ((double)perm[j] + u) / (double)n;
            else if (q->sample == SAMPLE_LOGUNIFORM)
                x = cas_exp(cas_log(q->low) + (cas_log(q->high) - cas_log(q->low)) * u);
            else
                x = q->low + (q->high - q->low) * u;
            rows[j * sw->n_params + p] = x;
        }
    }
    free(perm);
    return 0;
}

static int expand(struct spec *s)
{
    struct cas_sweep *sw = s->sw;
    size_t points = 1, rows = s->n_samples ? s->n_samples : 1;
    for (size_t p = 0; p < sw->n_params; p++) {
        if (s->params[p].kind == KIND_SAMPLE)
            continue;
        points *= s->params[p].n;
        if (points > MAX_RUNS)
            break;
    }
    double total = (double)points * (double)rows * (double)sw->replicates;
    if (total > MAX_RUNS)
        return cas__fail(&s->w, "parameters", CAS_ERANGE,
                         "the sweep has %.0f runs; at most %d are allowed", total, MAX_RUNS);
    if (total * (double)sw->n_params > MAX_CELLS)
        return cas__fail(&s->w, "parameters", CAS_ERANGE,
                         "the sweep has %.0f runs of %zu parameters, %.0f values; at most %d are"
                         " allowed",
                         total, sw->n_params, total * (double)sw->n_params, MAX_CELLS);
    /* An upper bound of manifest.jsonl's size: ~96 bytes of id, index, seed and braces a
     * run, and each parameter's name and its longest value (a sampled one is a number). */
    double per_run = 96;
    for (size_t p = 0; p < sw->n_params; p++) {
        size_t longest = 24;
        for (size_t v = 0; s->params[p].kind != KIND_SAMPLE && v < s->params[p].n; v++) {
            size_t len = strlen(sw->texts[s->params[p].first + v]);
            longest = len > longest ? len : longest;
        }
        per_run += (double)(strlen(sw->params[p]) + 4 + longest);
    }
    if (total * per_run > MAX_MANIFEST_MB * 1048576.0)
        return cas__fail(&s->w, "parameters", CAS_ERANGE,
                         "the sweep's manifest would take up to %.0f MB (%.0f runs of %.0f "
                         "bytes); at most %d MiB are allowed: make fewer runs or shorter values",
                         total * per_run / 1e6, total, per_run, MAX_MANIFEST_MB);
    /* The sampled values' texts: texts[sample_first + row * n_params + p]. */
    size_t sample_first = sw->n_texts;
    if (s->n_samples) {
        double *draws = calloc(rows * sw->n_params, sizeof *draws);
        int rc = draws ? draw_samples(s, draws) : cas__no_memory(&s->w);
        for (size_t k = 0; rc == 0 && k < rows * sw->n_params; k++)
            rc = add_number(s, draws[k]);
        free(draws);
        if (rc)
            return rc;
    }
    sw->n_runs = (size_t)total;
    if (!(sw->runs = calloc(sw->n_runs, sizeof *sw->runs)))
        return cas__no_memory(&s->w);
    int width = 6;
    for (size_t m = sw->n_runs - 1; m >= 1000000; m /= 10)
        width++;
    for (size_t i = 0; i < sw->n_runs; i++) {
        struct cas_sweep_run *run = &sw->runs[i];
        size_t t = i / sw->replicates, row = t % rows, g = t / rows;
        run->index = i;
        char digits[24];
        int len = snprintf(digits, sizeof digits, "%zu", i);
        snprintf(run->id, sizeof run->id, "r%.*s%s", len < width ? width - len : 0, "0000000000",
                 digits);
        struct cas_rng r;
        cas_rng_derive(&r, sw->seed, PURPOSE_RUN, i);
        run->seed = cas_rng_u64(&r) >> 11;
        if (!(run->values = calloc(sw->n_params, sizeof *run->values)))
            return cas__no_memory(&s->w);
        for (size_t p = sw->n_params; p-- > 0;) {
            const struct param *q = &s->params[p];
            if (q->kind == KIND_SAMPLE) {
                run->values[p] = sw->texts[sample_first + row * sw->n_params + p];
            } else {
                run->values[p] = sw->texts[q->first + g % q->n];
                g /= q->n;
            }
        }
    }
    return 0;
}

/* The spec as written, with a file base made absolute. */
static int normalize(struct spec *s, const cJSON *root)
{
    cJSON *copy = cJSON_Duplicate(root, true);
    if (copy && s->sw->base_path) {
        cJSON *abs = cJSON_CreateString(s->sw->base_path);
        if (!abs || !cJSON_ReplaceItemInObjectCaseSensitive(copy, "base", abs)) {
            cJSON_Delete(abs);
            cJSON_Delete(copy);
            copy = NULL;
        }
    }
    s->sw->normalized = copy ? print_json(copy) : NULL;
    cJSON_Delete(copy);
    return s->sw->normalized ? 0 : cas__no_memory(&s->w);
}

static int read_spec(struct spec *s, const cJSON *root, const char *dir)
{
    const struct cas__range reps_r = {1, MAX_RUNS, false, true, false};
    const struct cas__range seed_r = {0, 9007199254740992.0, false, true, false};
    double reps, seed;
    int rc;
    if ((rc = cas__check_keys(&s->w, root, top_keys, sizeof top_keys / sizeof *top_keys)) ||
        (rc = read_base(s, root, dir)) || (rc = read_sets(s, root)) ||
        (rc = cas__read_number(&s->w, root, "replicates", &reps_r, 1, &reps)) ||
        (rc = cas__read_number(&s->w, root, "seed", &seed_r, 1, &seed)))
        return rc;
    s->sw->replicates = (unsigned)reps;
    s->sw->seed = (uint64_t)seed;
    if ((rc = read_parameters(s, root)) || (rc = read_collect(s, root)) || (rc = expand(s)))
        return rc;
    return normalize(s, root);
}

/* ---- the public functions ---------------------------------------------------------------- */

int cas_sweep_parse(struct cas_sweep *sw, const char *text, const char *source, const char *dir,
                    struct cas_err *err)
{
    struct cas_err local = {0};
    struct spec *s = calloc(1, sizeof *s);
    cJSON *root = NULL;
    memset(sw, 0, sizeof *sw);
    if (!err)
        err = &local;
    if (!s)
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    s->sw = sw;
    s->w.err = err;
    int rc = cas__config_read_text(&root, text, source ? source : "<text>", err);
    if (rc == 0)
        rc = read_spec(s, root, dir);
    if (rc)
        cas_sweep_release(sw);
    cJSON_Delete(root);
    free(s);
    return rc;
}

int cas_sweep_load(struct cas_sweep *sw, const char *path, struct cas_err *err)
{
    char *text;
    memset(sw, 0, sizeof *sw);
    int rc = cas__read_file(path, path, "", &text, err);
    if (rc)
        return rc;
    char *dir = cas__dir_of(path);
    if (!dir) {
        free(text);
        return cas_err_set(err, CAS_ENOMEM, path, "out of memory");
    }
    rc = cas_sweep_parse(sw, text, path, dir, err);
    free(dir);
    free(text);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void cas_sweep_release(struct cas_sweep *sw)
{
    free(sw->base_path);
    free(sw->base_text);
    free_strings(sw->sets, sw->n_sets);
    free_strings(sw->params, sw->n_params);
    free_strings(sw->collect, sw->n_collect);
    for (size_t i = 0; sw->runs && i < sw->n_runs; i++)
        free(sw->runs[i].values);
    free(sw->runs);
    free_strings(sw->texts, sw->n_texts);
    free(sw->normalized);
    memset(sw, 0, sizeof *sw);
}

/* manifest.jsonl: a line {"id":..,"index":..,"parameters":{..},"seed":..} a run, the
 * parameters' values being the JSON texts of the expansion. The lines are assembled
 * directly: a cJSON tree a run made a sweep near its caps take a minute to write. */
static int append(char **out, uint32_t *cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > UINT32_MAX / 2 ||
        cas__grow((void **)out, cap, (uint32_t)(*len + n + 1), 1) < 0)
        return -1;
    memcpy(*out + *len, s, n);
    *len += n;
    (*out)[*len] = 0;
    return 0;
}

char *cas_sweep_manifest(const struct cas_sweep *sw)
{
    uint32_t cap = 4096;
    size_t len = 0;
    char *out = malloc(cap);
    char **keys = calloc(sw->n_params ? sw->n_params : 1, sizeof *keys); /* "name", escaped */
    int rc = out && keys ? 0 : -1;
    if (out)
        out[0] = 0;
    for (size_t p = 0; rc == 0 && p < sw->n_params; p++) {
        cJSON *name = cJSON_CreateString(sw->params[p]);
        keys[p] = name ? cJSON_PrintUnformatted(name) : NULL;
        cJSON_Delete(name);
        rc = keys[p] ? 0 : -1;
    }
    for (size_t i = 0; rc == 0 && i < sw->n_runs; i++) {
        const struct cas_sweep_run *run = &sw->runs[i];
        char head[sizeof run->id + 64], tail[48];
        int nh = snprintf(head, sizeof head, "{\"id\":\"%s\",\"index\":%zu,\"parameters\":{",
                          run->id, run->index);
        int nt = snprintf(tail, sizeof tail, "},\"seed\":%llu}\n", (unsigned long long)run->seed);
        rc = append(&out, &cap, &len, head, (size_t)nh);
        for (size_t p = 0; rc == 0 && p < sw->n_params; p++)
            rc = (p ? append(&out, &cap, &len, ",", 1) : 0) ||
                 append(&out, &cap, &len, keys[p], strlen(keys[p])) ||
                 append(&out, &cap, &len, ":", 1) ||
                 append(&out, &cap, &len, run->values[p], strlen(run->values[p]));
        if (rc == 0)
            rc = append(&out, &cap, &len, tail, (size_t)nt);
    }
    for (size_t p = 0; keys && p < sw->n_params; p++)
        cJSON_free(keys[p]);
    free(keys);
    if (rc) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---- a run's figures ---------------------------------------------------------------------- */

static int add_figure(struct cas_sweep_figures *f, uint32_t *cap, const char *name, const cJSON *v)
{
    uint32_t cap_names = *cap, cap_values = *cap; /* *cap changes once both have grown */
    if (f->n >= UINT32_MAX / 2 ||
        cas__grow((void **)&f->names, &cap_names, (uint32_t)f->n + 1, sizeof *f->names) < 0 ||
        cas__grow((void **)&f->values, &cap_values, (uint32_t)f->n + 1, sizeof *f->values) < 0)
        return CAS_ENOMEM;
    *cap = cap_values;
    const char *text = cJSON_IsString(v)  ? v->valuestring
                       : cJSON_IsTrue(v)  ? "true"
                       : cJSON_IsFalse(v) ? "false"
                       : cJSON_IsNull(v)  ? ""
                                          : NULL;
    char num[64] = "";
    if (!text) {
        /* whole numbers (seeds, counts) exactly, not in exponent form */
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            snprintf(num, sizeof num, "%.0f", d);
        else
            snprintf(num, sizeof num, "%s", cas__num(d).s);
    }
    char *value = dup_text(text ? text : num);
    char *n = dup_text(name);
    if (!value || !n) {
        free(value);
        free(n);
        return CAS_ENOMEM;
    }
    f->names[f->n] = n;
    f->values[f->n++] = value;
    return 0;
}

static int flatten(struct cas_sweep_figures *f, uint32_t *cap, char *name, size_t len, size_t size,
                   const cJSON *v)
{
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return add_figure(f, cap, name, v);
    size_t i = 0;
    int rc = 0;
    for (const cJSON *c = v->child; c && rc == 0; c = c->next, i++) {
        if (len == 0 && cJSON_IsObject(v) && strcmp(c->string, "performance") == 0)
            continue;
        if (cJSON_IsObject(v))
            snprintf(name + len, size - len, "%s%s", len ? "." : "", c->string);
        else
            snprintf(name + len, size - len, "[%zu]", i);
        rc = flatten(f, cap, name, strlen(name), size, c);
        name[len] = 0;
    }
    return rc;
}

int cas_sweep_figures_read(struct cas_sweep_figures *f, const char *path, struct cas_err *err)
{
    char *text, name[512] = "";
    uint32_t cap = 0;
    memset(f, 0, sizeof *f);
    int rc = cas__read_file(path, path, "", &text, err);
    if (rc)
        return rc;
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root))
        rc = cas_err_set(err, CAS_EINVAL, path, "not a JSON object");
    else if ((rc = flatten(f, &cap, name, 0, sizeof name, root)) != 0)
        rc = cas_err_set(err, rc, path, "out of memory");
    cJSON_Delete(root);
    if (rc)
        cas_sweep_figures_release(f);
    return rc;
}

void cas_sweep_figures_release(struct cas_sweep_figures *f)
{
    free_strings(f->names, f->n);
    free_strings(f->values, f->n);
    memset(f, 0, sizeof *f);
}
