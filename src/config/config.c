/* config: an experiment's JSON checked against the schema, defaults filled, written back out.
 *
 * cJSON trees never leave config/. text.c parses the text and applies the --set overrides;
 * this file validates the tree in canonical key order, and the first error wins. Its path
 * is the JSON path of the offending value (top-level keys bare, ".key" below them, "[i]"
 * for indexes) and its message is one line, because every piece of user text is escaped
 * before it enters a path or a message. On failure *cfg is all zeroes. On success
 * resolved_json is built from the struct, not from the input tree, in canonical order and
 * with numbers that read back exactly, so parsing it again gives an identical struct and
 * identical text.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configInt.h"

enum { MAX_INSTRUMENTS = 64, MAX_POPULATIONS = 256 };

#define SEED_MAX  9007199254740992.0 /* 2^53 */
#define TICKS_MAX 1099511627776.0    /* 2^40 */

/* ---- paths and failures ---------------------------------------------------------------- */

struct walk {
    struct cas_err *err;
    char path[160];
    size_t len;
};

static size_t push_key(struct walk *w, const char *key)
{
    size_t mark = w->len;
    char esc[CAS__WORD_MAX];
    snprintf(w->path + mark, sizeof w->path - mark, "%s%s", mark ? "." : "",
             cas__escape(esc, sizeof esc, key, SIZE_MAX));
    w->len = strlen(w->path);
    return mark;
}

static size_t push_index(struct walk *w, size_t i)
{
    size_t mark = w->len;
    snprintf(w->path + mark, sizeof w->path - mark, "[%zu]", i);
    w->len = strlen(w->path);
    return mark;
}

static void path_pop(struct walk *w, size_t mark)
{
    w->len = mark;
    w->path[mark] = '\0';
}

/* Report an error at the current path, extended by key unless key is NULL. */
__attribute__((format(printf, 4, 5))) static int fail_at(struct walk *w, const char *key, int code,
                                                         const char *fmt, ...)
{
    char msg[CAS__MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (key)
        push_key(w, key);
    return cas_err_set(w->err, code, w->path, "%s", msg);
}

static int no_memory(struct walk *w)
{
    return fail_at(w, NULL, CAS_ENOMEM, "out of memory");
}

/* ---- reading values ------------------------------------------------------------------- */

struct range {
    double min, max; /* max may be INFINITY */
    bool min_open;   /* the value must be strictly greater than min */
    bool integer;
};

static const struct range seed_range = {0, SEED_MAX, false, true};
static const struct range steps_range = {1, 1e9, false, true};
static const struct range step_seconds_range = {0, 86400, true, false};
static const struct range count_range = {1, 1e6, false, true};
static const struct range size_range = {0, 1e9, true, false}; /* tick_size, lot_size */
static const struct range price_range = {0, INFINITY, true, false};

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int range_fail(struct walk *w, const char *key, const struct range *r, double d)
{
    if (isinf(r->max))
        return fail_at(w, key, CAS_ERANGE, "must be %s %s, got %s",
                       r->min_open ? "greater than" : "at least", cas__num(r->min).s,
                       cas__num(d).s);
    if (r->min_open)
        return fail_at(w, key, CAS_ERANGE, "must be greater than %s and at most %s, got %s",
                       cas__num(r->min).s, cas__num(r->max).s, cas__num(d).s);
    return fail_at(w, key, CAS_ERANGE, "must be between %s and %s, got %s", cas__num(r->min).s,
                   cas__num(r->max).s, cas__num(d).s);
}

static int check_number(struct walk *w, const char *key, const cJSON *v, const struct range *r,
                        double *out)
{
    if (!cJSON_IsNumber(v))
        return fail_at(w, key, CAS_EINVAL, "must be %s, got %s",
                       r->integer ? "an integer" : "a number", cas__json_kind(v));
    double d = v->valuedouble;
    if (!isfinite(d))
        return fail_at(w, key, CAS_ERANGE, "is too large; write a finite number");
    if (r->integer && d != floor(d))
        return fail_at(w, key, CAS_EINVAL, "must be an integer, got %s", cas__num(d).s);
    if (!(r->min_open ? d > r->min : d >= r->min) || d > r->max)
        return range_fail(w, key, r, d);
    *out = d;
    return 0;
}

/* *out = the number at key, or def when the key is absent. */
static int read_number(struct walk *w, const cJSON *obj, const char *key, const struct range *r,
                       double def, double *out)
{
    const cJSON *v = member(obj, key);
    if (!v) {
        *out = def;
        return 0;
    }
    return check_number(w, key, v, r, out);
}

/* *out = the string at key, or NULL when the key is absent. */
static int read_string(struct walk *w, const cJSON *obj, const char *key, const char **out)
{
    const cJSON *v = member(obj, key);
    *out = NULL;
    if (v && !cJSON_IsString(v))
        return fail_at(w, key, CAS_EINVAL, "must be a string, got %s", cas__json_kind(v));
    if (v)
        *out = v->valuestring;
    return 0;
}

/* *out = the object at key, or NULL when the key is absent. */
static int read_object(struct walk *w, const cJSON *obj, const char *key, const cJSON **out)
{
    const cJSON *v = member(obj, key);
    *out = v;
    if (v && !cJSON_IsObject(v))
        return fail_at(w, key, CAS_EINVAL, "must be an object, got %s", cas__json_kind(v));
    return 0;
}

/* *out = the array at key (NULL when absent) and *n its length, which must be lo..hi. */
static int read_array(struct walk *w, const cJSON *obj, const char *key, size_t lo, size_t hi,
                      const cJSON **out, size_t *n)
{
    const cJSON *v = member(obj, key);
    *out = v;
    *n = 0;
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return fail_at(w, key, CAS_EINVAL, "must be an array, got %s", cas__json_kind(v));
    for (const cJSON *c = v->child; c; c = c->next)
        (*n)++;
    if (*n < lo)
        return fail_at(w, key, CAS_ERANGE, "must have at least %zu entr%s, got %zu", lo,
                       lo == 1 ? "y" : "ies", *n);
    if (*n > hi)
        return fail_at(w, key, CAS_ERANGE, "must have at most %zu entries, got %zu", hi, *n);
    return 0;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Copy s to out[CAS_NAME_MAX] if it is 1..63 characters of [A-Za-z0-9._-]. */
static int check_name(struct walk *w, const char *key, const char *s, char *out)
{
    size_t n = strlen(s);
    char esc[8];
    if (n == 0)
        return fail_at(w, key, CAS_EINVAL,
                       "must not be empty; use letters, digits, '.', '_' and '-'");
    if (n >= CAS_NAME_MAX)
        return fail_at(w, key, CAS_EINVAL, "is %zu characters long; the limit is %d", n,
                       CAS_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i]))
            return fail_at(w, key, CAS_EINVAL,
                           "contains '%s'; use only letters, digits, '.', '_' and '-'",
                           cas__escape(esc, sizeof esc, s + i, 1));
    memcpy(out, s, n + 1);
    return 0;
}

/* "unknown WHAT 'word' (did you mean 'x'? LABEL: a, b)", reported at key. */
static int unknown(struct walk *w, const char *key, int code, const char *what,
                   const struct cas__choices *c, const char *label, bool always_list)
{
    char esc[48], h[160];
    return fail_at(w, key, code, "unknown %s '%s'%s", what,
                   cas__escape(esc, sizeof esc, c->word, SIZE_MAX),
                   cas__choices_hint(h, sizeof h, c, label, always_list));
}

static int unknown_key(struct walk *w, const char *key, const char *const *keys, size_t n)
{
    struct cas__choices c = {.word = key};
    for (size_t i = 0; i < n; i++)
        cas__choices_add(&c, keys[i]);
    return unknown(w, key, CAS_EINVAL, "key", &c, "known keys", false);
}

/* Every key of obj must be one of keys, and appear once. */
static int check_keys(struct walk *w, const cJSON *obj, const char *const *keys, size_t n)
{
    char esc[48];
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t i = 0;
        while (i < n && strcmp(keys[i], c->string) != 0)
            i++;
        if (i == n)
            return unknown_key(w, c->string, keys, n);
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0)
                return fail_at(w, c->string, CAS_EINVAL, "duplicate key '%s'; keep only one",
                               cas__escape(esc, sizeof esc, c->string, SIZE_MAX));
    }
    return 0;
}

/* ---- the schema ------------------------------------------------------------------------ */

struct parse {
    struct walk w;
    struct cas_config *cfg;
    double price[MAX_INSTRUMENTS]; /* initial prices as written, for resolved_json */
};

static const char *const kinds[] = {"spot"};

static int read_kind(struct walk *w, const cJSON *o, char *out, size_t size)
{
    const char *s;
    int rc = read_string(w, o, "kind", &s);
    if (rc)
        return rc;
    if (!s)
        s = kinds[0];
    struct cas__choices c = {.word = s};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(s, kinds[i]) == 0) {
            snprintf(out, size, "%s", kinds[i]);
            return 0;
        }
        cas__choices_add(&c, kinds[i]);
    }
    return unknown(w, "kind", CAS_EINVAL, "instrument kind", &c, "known kinds", true);
}

static int read_instrument_name(struct parse *p, const cJSON *o, size_t i)
{
    struct cas_instrument_config *ins = p->cfg->instruments;
    const char *s;
    int rc = read_string(&p->w, o, "name", &s);
    if (rc)
        return rc;
    if (!s)
        return fail_at(&p->w, "name", CAS_EINVAL, "missing required key 'name'");
    if ((rc = check_name(&p->w, "name", s, ins[i].name)) != 0)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(ins[j].name, s) == 0)
            return fail_at(&p->w, "name", CAS_EEXIST,
                           "duplicate instrument name '%s' (instruments[%zu] has it); rename one",
                           s, j);
    return 0;
}

/* initial_price, required, a whole number of ticks, stored in ticks. */
static int read_initial_price(struct parse *p, const cJSON *o, size_t i)
{
    struct cas_instrument_config *ins = &p->cfg->instruments[i];
    const cJSON *v = member(o, "initial_price");
    double price;
    if (!v)
        return fail_at(&p->w, "initial_price", CAS_EINVAL,
                       "missing required key 'initial_price'; give the opening price");
    int rc = check_number(&p->w, "initial_price", v, &price_range, &price);
    if (rc)
        return rc;
    double t = price / ins->tick_size;
    long long r = t <= TICKS_MAX + 1 ? llround(t) : 0;
    if (r > 0 && fabs(t - (double)r) > 1e-9 * t)
        return fail_at(&p->w, "initial_price", CAS_EINVAL,
                       "must be a multiple of tick_size %s, got %s (%s ticks)",
                       cas__num(ins->tick_size).s, cas__num(price).s, cas__num(t).s);
    if (r < 1 || r > (long long)TICKS_MAX)
        return fail_at(&p->w, "initial_price", CAS_ERANGE,
                       "is %s ticks of %s; it must be 1 to 1099511627776 (2^40) ticks",
                       cas__num(t).s, cas__num(ins->tick_size).s);
    ins->initial_price = r;
    p->price[i] = price;
    return 0;
}

static int read_instrument(struct parse *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"name", "kind", "tick_size", "lot_size", "initial_price"};
    struct cas_instrument_config *ins = &p->cfg->instruments[i];
    int rc;
    if (!cJSON_IsObject(o))
        return fail_at(&p->w, NULL, CAS_EINVAL, "must be an object, got %s", cas__json_kind(o));
    if ((rc = check_keys(&p->w, o, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = read_instrument_name(p, o, i)) != 0 ||
        (rc = read_kind(&p->w, o, ins->kind, sizeof ins->kind)) != 0 ||
        (rc = read_number(&p->w, o, "tick_size", &size_range, 0.01, &ins->tick_size)) != 0 ||
        (rc = read_number(&p->w, o, "lot_size", &size_range, 1, &ins->lot_size)) != 0)
        return rc;
    return read_initial_price(p, o, i);
}

static int read_instruments(struct parse *p, const cJSON *root)
{
    const cJSON *arr;
    size_t n;
    int rc = read_array(&p->w, root, "instruments", 1, MAX_INSTRUMENTS, &arr, &n);
    if (rc)
        return rc;
    if (!arr)
        return fail_at(&p->w, "instruments", CAS_EINVAL,
                       "missing required key 'instruments'; list at least one instrument");
    p->cfg->instruments = calloc(n, sizeof *p->cfg->instruments);
    if (!p->cfg->instruments)
        return no_memory(&p->w);
    p->cfg->n_instruments = (uint32_t)n;
    size_t mark = push_key(&p->w, "instruments"), i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        size_t m = push_index(&p->w, i);
        if ((rc = read_instrument(p, c, i)) != 0)
            return rc;
        path_pop(&p->w, m);
    }
    path_pop(&p->w, mark);
    return 0;
}

static int read_type(struct walk *w, const cJSON *o, const struct cas_agent_type **out)
{
    size_t n;
    const struct cas_agent_type *const *types = cas_agent_types(&n);
    const char *s;
    int rc = read_string(w, o, "type", &s);
    if (rc)
        return rc;
    if (s && (*out = cas_agent_type_find(s)) != NULL) {
        if ((*out)->n_params > CAS_MAX_PARAMS) /* a bug in the type's table */
            return fail_at(w, "type", CAS_EINVAL,
                           "agent type '%s' declares %u parameters; the limit is %d", s,
                           (unsigned)(*out)->n_params, CAS_MAX_PARAMS);
        return 0;
    }
    struct cas__choices c = {.word = s ? s : ""};
    for (size_t i = 0; i < n; i++)
        cas__choices_add(&c, types[i]->name);
    if (!s)
        return fail_at(w, "type", CAS_EINVAL, "missing required key 'type' (known types: %s)",
                       c.list);
    return unknown(w, "type", CAS_ENOTFOUND, "agent type", &c, "known types", true);
}

/* The population's instrument by name; the first instrument when the key is absent. */
static int read_population_instrument(struct parse *p, const cJSON *o, uint32_t *out)
{
    const struct cas_config *cfg = p->cfg;
    const char *s;
    int rc = read_string(&p->w, o, "instrument", &s);
    *out = 0;
    if (rc || !s)
        return rc;
    struct cas__choices c = {.word = s};
    for (uint32_t i = 0; i < cfg->n_instruments; i++) {
        if (strcmp(s, cfg->instruments[i].name) == 0) {
            *out = i;
            return 0;
        }
        cas__choices_add(&c, cfg->instruments[i].name);
    }
    return unknown(&p->w, "instrument", CAS_ENOTFOUND, "instrument", &c, "known instruments", true);
}

/* Validate params against the type's table; out[] receives every value in table order. */
static int read_params(struct walk *w, const cJSON *obj, const struct cas_agent_type *type,
                       double *out)
{
    const char *names[CAS_MAX_PARAMS];
    int rc;
    for (uint32_t i = 0; i < type->n_params; i++)
        names[i] = type->params[i].name;
    if (obj && (rc = check_keys(w, obj, names, type->n_params)) != 0)
        return rc;
    for (uint32_t i = 0; i < type->n_params; i++) {
        const struct cas_param_spec *ps = &type->params[i];
        struct range r = {ps->min, ps->max, ps->min_open, ps->kind == CAS_PARAM_INT};
        if ((rc = read_number(w, obj, ps->name, &r, ps->def, &out[i])) != 0)
            return rc;
    }
    return 0;
}

static int read_population(struct parse *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"type", "count", "instrument", "params"};
    struct cas_population_config *pop = &p->cfg->populations[i];
    const cJSON *params;
    double count;
    int rc;
    if (!cJSON_IsObject(o))
        return fail_at(&p->w, NULL, CAS_EINVAL, "must be an object, got %s", cas__json_kind(o));
    if ((rc = check_keys(&p->w, o, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = read_type(&p->w, o, &pop->type)) != 0 ||
        (rc = read_number(&p->w, o, "count", &count_range, 1, &count)) != 0 ||
        (rc = read_population_instrument(p, o, &pop->instrument)) != 0 ||
        (rc = read_object(&p->w, o, "params", &params)) != 0)
        return rc;
    pop->count = (uint32_t)count;
    size_t mark = push_key(&p->w, "params");
    if ((rc = read_params(&p->w, params, pop->type, pop->params)) != 0)
        return rc;
    path_pop(&p->w, mark);
    return 0;
}

static int read_agents(struct parse *p, const cJSON *root)
{
    const cJSON *arr;
    size_t n;
    int rc = read_array(&p->w, root, "agents", 0, MAX_POPULATIONS, &arr, &n);
    if (rc || n == 0)
        return rc;
    p->cfg->populations = calloc(n, sizeof *p->cfg->populations);
    if (!p->cfg->populations)
        return no_memory(&p->w);
    p->cfg->n_populations = (uint32_t)n;
    size_t mark = push_key(&p->w, "agents"), i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        size_t m = push_index(&p->w, i);
        if ((rc = read_population(p, c, i)) != 0)
            return rc;
        path_pop(&p->w, m);
    }
    path_pop(&p->w, mark);
    return 0;
}

/* record.sample_every: 1..steps; by default 60, or steps when there are fewer. */
static int read_record(struct parse *p, const cJSON *root)
{
    static const char *const keys[] = {"sample_every"};
    struct cas_config *cfg = p->cfg;
    const struct range r = {1, INFINITY, false, true};
    const double def = cfg->steps < 60 ? (double)cfg->steps : 60;
    const cJSON *rec;
    double d;
    int rc = read_object(&p->w, root, "record", &rec);
    if (rc)
        return rc;
    size_t mark = push_key(&p->w, "record");
    if (rec && (rc = check_keys(&p->w, rec, keys, 1)) != 0)
        return rc;
    if ((rc = read_number(&p->w, rec, "sample_every", &r, def, &d)) != 0)
        return rc;
    if (d > (double)cfg->steps)
        return fail_at(&p->w, "sample_every", CAS_ERANGE, "must not exceed 'steps' (%lld), got %s",
                       (long long)cfg->steps, cas__num(d).s);
    cfg->sample_every = (cas_step)d;
    path_pop(&p->w, mark);
    return 0;
}

static int read_config(struct parse *p, const cJSON *root)
{
    static const char *const keys[] = {"name",   "seed",        "steps", "step_seconds",
                                       "record", "instruments", "agents"};
    struct cas_config *cfg = p->cfg;
    const char *name;
    double seed, steps;
    int rc;
    if ((rc = check_keys(&p->w, root, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = read_string(&p->w, root, "name", &name)) != 0 ||
        (rc = check_name(&p->w, "name", name ? name : "experiment", cfg->name)) != 0 ||
        (rc = read_number(&p->w, root, "seed", &seed_range, 1, &seed)) != 0 ||
        (rc = read_number(&p->w, root, "steps", &steps_range, 86400, &steps)) != 0 ||
        (rc = read_number(&p->w, root, "step_seconds", &step_seconds_range, 1,
                          &cfg->step_seconds)) != 0)
        return rc;
    cfg->seed = (uint64_t)seed;
    cfg->steps = (cas_step)steps;
    if ((rc = read_record(p, root)) != 0 || (rc = read_instruments(p, root)) != 0)
        return rc;
    return read_agents(p, root);
}

/* ---- the resolved text ------------------------------------------------------------------- */

/* Adding to a tree: the first failure is remembered and every later add is skipped. */
struct build {
    bool failed;
};

static cJSON *put(struct build *b, cJSON *parent, const char *key, cJSON *item)
{
    bool ok = item && parent && !b->failed &&
              (key ? cJSON_AddItemToObject(parent, key, item) : cJSON_AddItemToArray(parent, item));
    if (!ok) {
        cJSON_Delete(item);
        b->failed = true;
        return NULL;
    }
    return item;
}

static cJSON *raw_int(double v)
{
    char s[400]; /* %.0f of any finite double fits */
    snprintf(s, sizeof s, "%.0f", v);
    return cJSON_CreateRaw(s);
}

static cJSON *raw_real(double v)
{
    return cJSON_CreateRaw(cas__num(v).s);
}

static void resolve_instrument(struct build *b, cJSON *arr, const struct cas_instrument_config *ins,
                               double price)
{
    cJSON *o = put(b, arr, NULL, cJSON_CreateObject());
    put(b, o, "name", cJSON_CreateString(ins->name));
    put(b, o, "kind", cJSON_CreateString(ins->kind));
    put(b, o, "tick_size", raw_real(ins->tick_size));
    put(b, o, "lot_size", raw_real(ins->lot_size));
    put(b, o, "initial_price", raw_real(price));
}

static void resolve_population(struct build *b, cJSON *arr, const struct cas_config *cfg,
                               const struct cas_population_config *pop)
{
    cJSON *o = put(b, arr, NULL, cJSON_CreateObject());
    put(b, o, "type", cJSON_CreateString(pop->type->name));
    put(b, o, "count", raw_int(pop->count));
    put(b, o, "instrument", cJSON_CreateString(cfg->instruments[pop->instrument].name));
    cJSON *params = put(b, o, "params", cJSON_CreateObject());
    for (uint32_t i = 0; i < pop->type->n_params; i++) {
        const struct cas_param_spec *ps = &pop->type->params[i];
        double v = pop->params[i];
        put(b, params, ps->name, ps->kind == CAS_PARAM_INT ? raw_int(v) : raw_real(v));
    }
}

/* The config as JSON text in canonical key order, or NULL when out of memory. */
static char *resolve(const struct cas_config *cfg, const double *price)
{
    struct build b = {false};
    cJSON *root = cJSON_CreateObject();
    put(&b, root, "name", cJSON_CreateString(cfg->name));
    put(&b, root, "seed", raw_int((double)cfg->seed));
    put(&b, root, "steps", raw_int((double)cfg->steps));
    put(&b, root, "step_seconds", raw_real(cfg->step_seconds));
    cJSON *rec = put(&b, root, "record", cJSON_CreateObject());
    put(&b, rec, "sample_every", raw_int((double)cfg->sample_every));
    cJSON *ins = put(&b, root, "instruments", cJSON_CreateArray());
    for (uint32_t i = 0; i < cfg->n_instruments; i++)
        resolve_instrument(&b, ins, &cfg->instruments[i], price[i]);
    cJSON *agents = put(&b, root, "agents", cJSON_CreateArray());
    for (uint32_t i = 0; i < cfg->n_populations; i++)
        resolve_population(&b, agents, cfg, &cfg->populations[i]);
    char *text = root && !b.failed ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return text;
}

/* ---- the public functions ---------------------------------------------------------------- */

int cas_config_parse(struct cas_config *cfg, const char *text, const char *source,
                     const char *const *sets, size_t n_sets, struct cas_err *err)
{
    struct parse p = {.w = {.err = err}, .cfg = cfg};
    cJSON *root = NULL;
    memset(cfg, 0, sizeof *cfg);
    int rc = cas__config_read_text(&root, text, source ? source : "<text>", err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n_sets && rc == 0; i++)
        rc = cas__config_apply_set(root, sets[i], err);
    if (rc)
        goto free_tree;
    if ((rc = read_config(&p, root)) != 0)
        goto release_cfg;
    cfg->resolved_json = resolve(cfg, p.price);
    if (!cfg->resolved_json)
        rc = cas_err_set(err, CAS_ENOMEM, "", "out of memory");
release_cfg:
    if (rc)
        cas_config_release(cfg);
free_tree:
    cJSON_Delete(root);
    return rc;
}

/* The whole file at path, NUL-terminated, in *out (caller frees). */
static int read_file(const char *path, char **out, struct cas_err *err)
{
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    FILE *f = fopen(path, "rb");
    int rc = 0;
    if (!f) {
        rc = cas_err_set(err, CAS_EIO, path, "cannot read: %s", strerror(errno));
        goto free_buf;
    }
    if (!buf)
        goto no_memory;
    while ((n = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
        len += n;
        if (len + 1 < cap)
            continue;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            goto no_memory;
        buf = bigger;
        cap *= 2;
    }
    if (ferror(f)) {
        rc = cas_err_set(err, CAS_EIO, path, "cannot read: %s", strerror(errno));
        goto close;
    }
    buf[len] = '\0';
    if (strlen(buf) != len)
        rc = cas_err_set(err, CAS_EINVAL, path,
                         "contains a NUL byte at offset %zu; a config is JSON text", strlen(buf));
    goto close;
no_memory:
    rc = cas_err_set(err, CAS_ENOMEM, path, "out of memory");
close:
    fclose(f);
free_buf:
    if (rc)
        free(buf);
    *out = rc ? NULL : buf;
    return rc;
}

int cas_config_load(struct cas_config *cfg, const char *path, const char *const *sets,
                    size_t n_sets, struct cas_err *err)
{
    char *text;
    memset(cfg, 0, sizeof *cfg);
    if (!path)
        return cas_config_parse(cfg, cas__default_config, "<default>", sets, n_sets, err);
    int rc = read_file(path, &text, err);
    if (rc)
        return rc;
    rc = cas_config_parse(cfg, text, path, sets, n_sets, err);
    free(text);
    return rc;
}

void cas_config_release(struct cas_config *cfg)
{
    free(cfg->instruments);
    free(cfg->populations);
    cJSON_free(cfg->resolved_json);
    memset(cfg, 0, sizeof *cfg);
}
