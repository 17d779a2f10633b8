/* walk: reading typed values out of a config tree, and reporting the first failure at its
 * JSON path.
 *
 * A walk carries the path of the value being read; the readers extend it for the key
 * they fail at, so every error names the exact value. Paths and messages hold only
 * escaped user text, so they are always one line. While a perpetual's rules are read
 * from its object merged with a venue profile, an error about a value that came from
 * the profile is reported at the profile ("venue 'x.json': mark.method") instead.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmath.h"
#include "config/configInt.h"

#define MONEY_MAX 9007199254740992.0 /* 2^53 money units */

/* ---- paths and failures ---------------------------------------------------------------- */

size_t cas__push_key(struct cas__walk *w, const char *key)
{
    size_t mark = w->len;
    char esc[CAS__WORD_MAX];
    /* no dot at the start, nor after a label's ": " */
    bool dot = mark && w->path[mark - 1] != ' ';
    snprintf(w->path + mark, sizeof w->path - mark, "%s%s", dot ? "." : "",
             cas__escape(esc, sizeof esc, key, SIZE_MAX));
    w->len = strlen(w->path);
    return mark;
}

size_t cas__push_index(struct cas__walk *w, size_t i)
{
    size_t mark = w->len;
    snprintf(w->path + mark, sizeof w->path - mark, "[%zu]", i);
    w->len = strlen(w->path);
    return mark;
}

void cas__pop(struct cas__walk *w, size_t mark)
{
    w->len = mark;
    w->path[mark] = '\0';
}

/* The value at a path relative to root ("margin.tiers[1].mmr"), or NULL. Keys are
 * compared as escaped in the path, so a key that needed escaping is not found. */
static const cJSON *lookup(const cJSON *root, const char *rel)
{
    const cJSON *cur = root;
    const char *s = rel;
    while (cur && *s) {
        if (*s == '[') {
            char *end;
            long i = strtol(s + 1, &end, 10);
            cur = *end == ']' && i >= 0 && cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, (int)i)
                                                              : NULL;
            s = *end == ']' ? end + 1 : "";
            continue;
        }
        if (*s == '.')
            s++;
        size_t n = strcspn(s, ".[");
        char key[CAS__WORD_MAX + 1];
        if (n > CAS__WORD_MAX || !cJSON_IsObject(cur))
            return NULL;
        memcpy(key, s, n);
        key[n] = '\0';
        cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        s += n;
    }
    return cur;
}

/* The value's parent path: rel without its last step. */
static void parent_of(const char *rel, char *out, size_t size)
{
    size_t n = strlen(rel);
    while (n > 0 && rel[n - 1] != '.' && rel[n - 1] != '[')
        n--;
    if (n > 0)
        n--; /* the '.' or '[' itself */
    snprintf(out, size, "%.*s", (int)n, rel);
}

/* Whether the value at rel (inside the rules) came from the profile: the instrument's own
 * object does not have it and the profile does, or neither has it (a missing key) and
 * only the profile has its parent. */
static bool from_profile(const struct cas__origin *o, const char *rel)
{
    char parent[160];
    if (!*rel || lookup(o->own, rel))
        return false;
    if (lookup(o->profile, rel))
        return true;
    parent_of(rel, parent, sizeof parent);
    return !lookup(o->own, parent) && lookup(o->profile, parent);
}

int cas__fail(struct cas__walk *w, const char *key, int code, const char *fmt, ...)
{
    char msg[CAS__MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (key)
        cas__push_key(w, key);
    const struct cas__origin *o = w->origin;
    if (o && w->len > o->at) {
        const char *rel = w->path + o->at + (w->path[o->at] == '.');
        if (from_profile(o, rel)) {
            char path[sizeof w->path];
            snprintf(path, sizeof path, "%s%s%s", o->label, o->sep, rel);
            return cas_err_set(w->err, code, path, "%s", msg);
        }
    }
    return cas_err_set(w->err, code, w->path, "%s", msg);
}

int cas__no_memory(struct cas__walk *w)
{
    return cas__fail(w, NULL, CAS_ENOMEM, "out of memory");
}

/* ---- reading values ------------------------------------------------------------------- */

const cJSON *cas__member(const cJSON *obj, const char *key)
{
    return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

int cas__range_fail(struct cas__walk *w, const char *key, const struct cas__range *r,
                    const char *subject, double d)
{
    const char *lo = r->min_open ? "greater than" : "at least";
    const char *hi = r->max_open ? "less than" : "at most";
    const char *sp = *subject ? " " : "";
    if (isinf(r->max))
        return cas__fail(w, key, CAS_ERANGE, "%s%smust be %s %s, got %s", subject, sp, lo,
                         cas__num(r->min).s, cas__num(d).s);
    if (r->min_open || r->max_open)
        return cas__fail(w, key, CAS_ERANGE, "%s%smust be %s %s and %s %s, got %s", subject, sp, lo,
                         cas__num(r->min).s, hi, cas__num(r->max).s, cas__num(d).s);
    return cas__fail(w, key, CAS_ERANGE, "%s%smust be between %s and %s, got %s", subject, sp,
                     cas__num(r->min).s, cas__num(r->max).s, cas__num(d).s);
}

int cas__check_number(struct cas__walk *w, const char *key, const cJSON *v,
                      const struct cas__range *r, double *out)
{
    if (!cJSON_IsNumber(v))
        return cas__fail(w, key, CAS_EINVAL, "must be %s, got %s",
                         r->integer ? "an integer" : "a number", cas__json_kind(v));
    double d = v->valuedouble;
    if (!isfinite(d))
        return cas__fail(w, key, CAS_ERANGE, "is too large; write a finite number");
    if (r->integer && d != floor(d))
        return cas__fail(w, key, CAS_EINVAL, "must be an integer, got %s", cas__num(d).s);
    if (!(r->min_open ? d > r->min : d >= r->min) || !(r->max_open ? d < r->max : d <= r->max))
        return cas__range_fail(w, key, r, "", d);
    *out = d;
    return 0;
}

int cas__read_number(struct cas__walk *w, const cJSON *obj, const char *key,
                     const struct cas__range *r, double def, double *out)
{
    const cJSON *v = cas__member(obj, key);
    if (!v) {
        *out = def;
        return 0;
    }
    return cas__check_number(w, key, v, r, out);
}

int cas__require_number(struct cas__walk *w, const cJSON *obj, const char *key,
                        const struct cas__range *r, const char *hint, double *out)
{
    const cJSON *v = cas__member(obj, key);
    if (!v)
        return cas__fail(w, key, CAS_EINVAL, "missing required key '%s'%s", key, hint);
    return cas__check_number(w, key, v, r, out);
}

int cas__read_string(struct cas__walk *w, const cJSON *obj, const char *key, const char **out)
{
    const cJSON *v = cas__member(obj, key);
    *out = NULL;
    if (v && !cJSON_IsString(v))
        return cas__fail(w, key, CAS_EINVAL, "must be a string, got %s", cas__json_kind(v));
    if (v)
        *out = v->valuestring;
    return 0;
}

int cas__read_object(struct cas__walk *w, const cJSON *obj, const char *key, const cJSON **out)
{
    const cJSON *v = cas__member(obj, key);
    *out = v;
    if (v && !cJSON_IsObject(v))
        return cas__fail(w, key, CAS_EINVAL, "must be an object, got %s", cas__json_kind(v));
    return 0;
}

int cas__read_array(struct cas__walk *w, const cJSON *obj, const char *key, size_t lo, size_t hi,
                    const cJSON **out, size_t *n)
{
    const cJSON *v = cas__member(obj, key);
    *out = v;
    *n = 0;
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return cas__fail(w, key, CAS_EINVAL, "must be an array, got %s", cas__json_kind(v));
    for (const cJSON *c = v->child; c; c = c->next)
        (*n)++;
    if (*n < lo)
        return cas__fail(w, key, CAS_ERANGE, "must have at least %zu entr%s, got %zu", lo,
                         lo == 1 ? "y" : "ies", *n);
    if (*n > hi)
        return cas__fail(w, key, CAS_ERANGE, "must have at most %zu entries, got %zu", hi, *n);
    return 0;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int cas__check_name(struct cas__walk *w, const char *key, const char *s, char *out)
{
    size_t n = strlen(s);
    char esc[8];
    if (n == 0)
        return cas__fail(w, key, CAS_EINVAL,
                         "must not be empty; use letters, digits, '.', '_' and '-'");
    if (n >= CAS_NAME_MAX)
        return cas__fail(w, key, CAS_EINVAL, "is %zu characters long; the limit is %d", n,
                         CAS_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i]))
            return cas__fail(w, key, CAS_EINVAL,
                             "contains '%s'; use only letters, digits, '.', '_' and '-'",
                             cas__escape(esc, sizeof esc, s + i, 1));
    memcpy(out, s, n + 1);
    return 0;
}

int cas__unknown(struct cas__walk *w, const char *key, int code, const char *what,
                 const struct cas__choices *c, const char *label, bool always_list)
{
    char esc[48], h[192];
    return cas__fail(w, key, code, "unknown %s '%s'%s", what,
                     cas__escape(esc, sizeof esc, c->word, SIZE_MAX),
                     cas__choices_hint(h, sizeof h, c, label, always_list));
}

static int unknown_key(struct cas__walk *w, const char *key, const char *const *keys, size_t n)
{
    struct cas__choices c = {.word = key};
    for (size_t i = 0; i < n; i++)
        cas__choices_add(&c, keys[i]);
    return cas__unknown(w, key, CAS_EINVAL, "key", &c, "known keys", false);
}

int cas__check_keys(struct cas__walk *w, const cJSON *obj, const char *const *keys, size_t n)
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
                return cas__fail(w, c->string, CAS_EINVAL, "duplicate key '%s'; keep only one",
                                 cas__escape(esc, sizeof esc, c->string, SIZE_MAX));
    }
    return 0;
}

int cas__read_choice(struct cas__walk *w, const cJSON *obj, const char *key,
                     const char *const *names, size_t n, int def, const char *what,
                     const char *label, int *out)
{
    const char *s;
    int rc = cas__read_string(w, obj, key, &s);
    if (rc)
        return rc;
    struct cas__choices c = {.word = s ? s : ""};
    for (size_t i = 0; i < n; i++) {
        if (s && strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
        cas__choices_add(&c, names[i]);
    }
    if (!s && def >= 0) {
        *out = def;
        return 0;
    }
    if (!s)
        return cas__fail(w, key, CAS_EINVAL, "missing required key '%s' (%s: %s)", key, label,
                         c.list);
    return cas__unknown(w, key, CAS_EINVAL, what, &c, label, true);
}

int cas__read_ppm(struct cas__walk *w, const cJSON *obj, const char *key,
                  const struct cas__range *r, double def, int64_t *out)
{
    double d;
    int rc = cas__read_number(w, obj, key, r, def, &d);
    if (rc)
        return rc;
    /* ranges of rates stay within +-1e6, so the product is exact to far below 1e-6 */
    double ppm = d * 1e6;
    double whole = round(ppm);
    if (fabs(ppm - whole) > 1e-6)
        return cas__fail(w, key, CAS_EINVAL,
                         "must be a whole number of parts per million (0.000001), got %s",
                         cas__num(d).s);
    *out = (int64_t)whole;
    return 0;
}

int cas__read_money(struct cas__walk *w, const cJSON *obj, const char *key, double def,
                    int decimals, cas_money *out)
{
    static const struct cas__range r = {0, INFINITY, false, false, false};
    double d;
    int rc = cas__read_number(w, obj, key, &r, def, &d);
    if (rc)
        return rc;
    double scale = cas_pow10(decimals), units = d * scale;
    if (units > MONEY_MAX)
        return cas__fail(w, key, CAS_ERANGE,
                         "is %s money units of 10^-%d; the limit is 9007199254740992 (2^53)",
                         cas__num(units).s, decimals);
    double whole = round(units);
    if (fabs(units - whole) > 1e-9 * (whole > 1 ? whole : 1))
        return cas__fail(w, key, CAS_EINVAL,
                         "must be a multiple of %.*f (money_decimals %d), got %s", decimals,
                         1 / scale, decimals, cas__num(d).s);
    *out = (cas_money)whole;
    return 0;
}

/* ---- readers the config's files share (config.c, shocks.c, perp.c) -------------------- */

#define TICKS_MAX 1099511627776.0 /* 2^40 */

static const struct cas__range price_range = {0, INFINITY, true, false, false};

int cas__read_entries(struct cas__parse *p, const char *key, const cJSON *arr,
                      int (*read)(struct cas__parse *p, const cJSON *o, size_t i))
{
    size_t mark = cas__push_key(&p->w, key), i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        size_t m = cas__push_index(&p->w, i);
        int rc = read(p, c, i);
        if (rc)
            return rc;
        cas__pop(&p->w, m);
    }
    cas__pop(&p->w, mark);
    return 0;
}

int cas__read_price(struct cas__walk *w, const cJSON *o, const char *key, double tick_size,
                    const char *hint, cas_ticks *ticks, double *written)
{
    double price;
    int rc = cas__require_number(w, o, key, &price_range, hint, &price);
    if (rc)
        return rc;
    double t = price / tick_size;
    long long r = t <= TICKS_MAX + 1 ? llround(t) : 0;
    if (r > 0 && fabs(t - (double)r) > 1e-9 * t)
        return cas__fail(w, key, CAS_EINVAL,
                         "must be a multiple of tick_size %s, got %s (%s ticks)",
                         cas__num(tick_size).s, cas__num(price).s, cas__num(t).s);
    if (r < 1 || r > (long long)TICKS_MAX)
        return cas__fail(w, key, CAS_ERANGE,
                         "is %s ticks of %s; it must be 1 to 1099511627776 (2^40) ticks",
                         cas__num(t).s, cas__num(tick_size).s);
    *ticks = r;
    *written = price;
    return 0;
}

int cas__read_instrument_ref(struct cas__parse *p, const cJSON *o, uint32_t *out)
{
    const struct cas_config *cfg = p->cfg;
    const char *s;
    int rc = cas__read_string(&p->w, o, "instrument", &s);
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
    return cas__unknown(&p->w, "instrument", CAS_ENOTFOUND, "instrument", &c, "known instruments",
                        true);
}
