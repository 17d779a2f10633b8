/* configInt: what the config module's files share; private to config/.
 *
 * text.c turns text into trees and trees into text (JSON in, --set, resolved JSON out,
 * the one-line pieces of messages); walk.c reads values out of a tree against the schema
 * and reports the first failure at its JSON path, and holds the readers the other files
 * share (array entries, prices, instrument names), so that config.c, perp.c and shocks.c
 * use walk.c and never one another; config.c holds the top level, the
 * instruments' common keys and the agents; dist.c an agent parameter's value, a number or
 * a distribution; perp.c a perpetual's venue rules and venue profiles; shocks.c the
 * scheduled shocks.
 *
 * Every piece of user text that enters an error path or message goes through
 * cas__escape, which keeps it printable ASCII on one line. Every number shown or
 * written goes through cas__num, whose text reads back as exactly the same double.
 */
#ifndef CASCADE_CONFIG_INT_H
#define CASCADE_CONFIG_INT_H

#include <cjson/cJSON.h>

#include "cascade/config.h"

/* The embedded default experiment (configs/default.json), NUL-terminated. */
extern const char cas__default_config[];

enum {
    CAS__WORD_MAX = 64, /* names longer than this get no did-you-mean */
    CAS__MAX_INSTRUMENTS = 64,
    CAS__MAX_POPULATIONS = 256,
};

#define CAS__MSG_SIZE sizeof(((struct cas_err *)0)->msg)

/* ---- message pieces (text.c) --------------------------------------------------------- */

/* Copy at most max_in bytes of s into out[size >= 8], escaping quotes, backslashes and
 * anything not printable ASCII; "..." ends text cut for lack of room. Returns out. */
const char *cas__escape(char *out, size_t size, const char *s, size_t max_in);

/* Append to the NUL-terminated text in out[size], truncating. */
void cas__append(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The shortest of %.15g, %.16g, %.17g that reads back as exactly v (valid JSON for a
 * finite v); use as cas__num(v).s within one expression. */
struct cas__numtext {
    char s[32];
};
struct cas__numtext cas__num(double v);

/* "a string", "a number", "an object", "an array", "a boolean" or "null". */
const char *cas__json_kind(const cJSON *v);

/* The candidates for a word the user wrote: the nearest within max(1, len/3) edits
 * (optimal string alignment, ASCII case ignored; ties go to the first added), and all
 * of them as a list for the message. Start from {.word = w}. */
struct cas__choices {
    const char *word;
    const char *best; /* borrowed from the last cas__choices_add that won */
    size_t best_d;
    char list[136]; /* "a, b, c", ending in "..." when it outgrew the buffer */
    bool full;
};
void cas__choices_add(struct cas__choices *c, const char *candidate);

/* " (did you mean 'x'? LABEL: a, b)" into out: the suggestion if there is one, and the
 * list when there is no suggestion or always_list; "" when neither applies. */
const char *cas__choices_hint(char *out, size_t size, const struct cas__choices *c,
                              const char *label, bool always_list);

/* ---- text in (text.c) ------------------------------------------------------------------ */

/* Parse text into *root, which must be an object (free it with cJSON_Delete). A syntax
 * error is reported at "line N" with a snippet; source names the text in messages. */
int cas__config_read_text(cJSON **root, const char *text, const char *source, struct cas_err *err);

/* Apply one "PATH=VALUE" override to root (see cas_config_parse). */
int cas__config_apply_set(cJSON *root, const char *set, struct cas_err *err);

/* The whole file at path, NUL-terminated, in *out (caller frees). Failures are reported
 * at err_path with the message "cannot read WHAT: REASON" ("cannot read: REASON" when
 * what is ""). */
int cas__read_file(const char *path, const char *err_path, const char *what, char **out,
                   struct cas_err *err);

/* The directory of the file at path, malloc'ed: "" for a bare name, "/" for a file at the
 * root; NULL when out of memory. Files a config or a sweep names are relative to it. */
char *cas__dir_of(const char *path);

/* ---- text out (text.c) ---------------------------------------------------------------- */

/* Adding to a tree: the first failure is remembered and every later add is skipped. */
struct cas__build {
    bool failed;
};

/* Add item to parent under key (to the array when key is NULL); returns item, or NULL
 * (having freed it) after a failure. */
cJSON *cas__put(struct cas__build *b, cJSON *parent, const char *key, cJSON *item);
cJSON *cas__raw_int(double v);  /* a whole number, printed as one */
cJSON *cas__raw_real(double v); /* printed so that it reads back exactly */

/* ---- walking a tree against the schema (walk.c) --------------------------------------- */

/* Where the values of an instrument's merged venue rules came from: a value its own
 * object does not hold came from the profile, and an error about it is reported as
 * LABEL SEP PATH-IN-THE-PROFILE ("venue 'x.json': mark.method"). */
struct cas__origin {
    size_t at;            /* length of the instrument's path ("instruments[2]") */
    const cJSON *own;     /* the instrument's own object */
    const cJSON *profile; /* the profile's object */
    const char *label;    /* "venue 'x.json'", or the inline profile's JSON path */
    const char *sep;      /* ": " after a label, "." after a JSON path */
};

#define YEAR_SECONDS 31536000.0 /* 365 days: the unit of the annual figures (index, value) */
/* A position in the tree: the JSON path so far (top-level keys bare, ".key" below them,
 * "[i]" for indexes) and where failures go. */
struct cas__walk {
    struct cas_err *err;
    char path[160];
    size_t len;
    const struct cas__origin *origin; /* set while reading merged venue rules */
};

/* Extend the path; each returns the mark to pop back to. */
size_t cas__push_key(struct cas__walk *w, const char *key);
size_t cas__push_index(struct cas__walk *w, size_t i);
void cas__pop(struct cas__walk *w, size_t mark);

/* Report an error at the current path, extended by key unless key is NULL. */
int cas__fail(struct cas__walk *w, const char *key, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int cas__no_memory(struct cas__walk *w);

struct cas__range {
    double min, max; /* max may be INFINITY */
    bool min_open;   /* the value must be strictly greater than min */
    bool integer;
    bool max_open; /* the value must be strictly less than max */
};

const cJSON *cas__member(const cJSON *obj, const char *key);

/* "SUBJECT must be between MIN and MAX, got D" (or "at least", "greater than", ...: the
 * words of r), reported at key; subject "" for none. */
int cas__range_fail(struct cas__walk *w, const char *key, const struct cas__range *r,
                    const char *subject, double d);

/* v must be a number within r; *out = it. */
int cas__check_number(struct cas__walk *w, const char *key, const cJSON *v,
                      const struct cas__range *r, double *out);
/* *out = the number at key, or def when the key is absent (obj may be NULL). */
int cas__read_number(struct cas__walk *w, const cJSON *obj, const char *key,
                     const struct cas__range *r, double def, double *out);
/* As cas__read_number, but the key is required: missing, it is an error that ends
 * with `hint` ("" for none). */
int cas__require_number(struct cas__walk *w, const cJSON *obj, const char *key,
                        const struct cas__range *r, const char *hint, double *out);
/* *out = the string at key, or NULL when the key is absent. */
int cas__read_string(struct cas__walk *w, const cJSON *obj, const char *key, const char **out);
/* *out = the object at key, or NULL when the key is absent. */
int cas__read_object(struct cas__walk *w, const cJSON *obj, const char *key, const cJSON **out);
/* *out = the array at key (NULL when absent) and *n its length, which must be lo..hi. */
int cas__read_array(struct cas__walk *w, const cJSON *obj, const char *key, size_t lo, size_t hi,
                    const cJSON **out, size_t *n);
/* Copy s to out[CAS_NAME_MAX] if it is 1..63 characters of [A-Za-z0-9._-]. */
int cas__check_name(struct cas__walk *w, const char *key, const char *s, char *out);
/* "unknown WHAT 'word' (did you mean 'x'? LABEL: a, b)", reported at key. */
int cas__unknown(struct cas__walk *w, const char *key, int code, const char *what,
                 const struct cas__choices *c, const char *label, bool always_list);
/* Every key of obj must be one of keys, and appear once. */
int cas__check_keys(struct cas__walk *w, const cJSON *obj, const char *const *keys, size_t n);
/* The string at key must be one of names[n] (names[def] when absent; def < 0: the key is
 * required); *out = its index. Wrong ones are "unknown WHAT 'x' (... LABEL: a, b)". */
int cas__read_choice(struct cas__walk *w, const cJSON *obj, const char *key,
                     const char *const *names, size_t n, int def, const char *what,
                     const char *label, int *out);
/* A rate within r at key (def when absent), a whole number of parts per million. */
int cas__read_ppm(struct cas__walk *w, const cJSON *obj, const char *key,
                  const struct cas__range *r, double def, int64_t *out);
/* An amount of quote currency >= 0 at key (def when absent) in money units of
 * 10^-decimals: a whole number of them, at most 2^53. */
int cas__read_money(struct cas__walk *w, const cJSON *obj, const char *key, double def,
                    int decimals, cas_money *out);

/* ---- the schema (config.c, perp.c, shocks.c) ------------------------------------------ */

struct cas__build;
struct cas_gbm_params;
/* A GBM's multifractal volatility clock, the object "multifractal" in obj (an index's
 * or a spot value's; docs/config.md): absent, none (g->msm_k 0). seconds[2] keeps its
 * horizons as written. */
int cas__read_multifractal(struct cas__walk *w, const cJSON *obj, double step_seconds,
                           struct cas_gbm_params *g, double seconds[2]);
/* The clock back into obj, when there is one. */
void cas__put_multifractal(struct cas__build *b, cJSON *obj, const struct cas_gbm_params *g,
                           const double seconds[2]);

/* A GBM's square-root variance clock, the object "square_root" in obj: absent, none
 * (g->sqv_shape 0). *life_s keeps its mean life as written. */
int cas__read_square_root(struct cas__walk *w, const cJSON *obj, double step_seconds,
                          struct cas_gbm_params *g, double *life_s);
void cas__put_square_root(struct cas__build *b, cJSON *obj, const struct cas_gbm_params *g,
                          double life_s);

/* Values kept as the user wrote them, for resolved_json, where the struct holds them
 * converted in a way that does not invert exactly (seconds to steps, annual to per step). */
struct cas__written {
    double price;
    double vol_annual, drift_annual, jumps_per_day;
    double ema_seconds, interval_hours;
    double band_window_seconds, halt_seconds, slice_cooldown_seconds;
    double dm_window_seconds, base_vol_annual;
    double value_vol_annual, value_drift_annual; /* a spot instrument's "value" */
    double msm_s[2], value_msm_s[2];             /* "multifractal": shortest_s, longest_s */
    double sqv_life_s, value_sqv_life_s;         /* "square_root": mean_life_s */
};

struct cas__parse {
    struct cas__walk w;
    struct cas_config *cfg;
    const char *base; /* the config's directory for relative paths; "" = working directory */
    struct cas__written written[CAS__MAX_INSTRUMENTS];
    /* bit i of populations[j]'s entry: its param i was written as a distribution object
     * (a constant written as a plain number or left out is written back as a number) */
    uint16_t dist_objects[CAS__MAX_POPULATIONS];
};
_Static_assert(CAS_MAX_PARAMS <= 16, "dist_objects holds one bit per param");

/* walk.c: each entry of the array arr at key, read by read(p, entry, i) with the walk at
 * KEY[i]; the first failure wins. */
int cas__read_entries(struct cas__parse *p, const char *key, const cJSON *arr,
                      int (*read)(struct cas__parse *p, const cJSON *o, size_t i));

/* walk.c: the price at o's key (required; missing, an error ending with `hint`), in
 * quote currency: a whole number of tick_size (within 1e-9 relative), 1 to 2^40 ticks.
 * *ticks = it in ticks, *written = it as written. */
int cas__read_price(struct cas__walk *w, const cJSON *o, const char *key, double tick_size,
                    const char *hint, cas_ticks *ticks, double *written);

/* walk.c: the instrument named at o's "instrument" (the first when absent); unknown
 * names get a did-you-mean. */
int cas__read_instrument_ref(struct cas__parse *p, const cJSON *o, uint32_t *out);

/* ---- the venue rules (rules.c declares them, perp.c reads and writes them back) ---------- */

/* What reading one perpetual's rules needs. */
struct cas__rule_ctx {
    struct cas__parse *p;
    struct cas__walk *w;
    struct cas_instrument_config *ins;
    struct cas__written *wr;
    double step_seconds;
    int decimals;
};

/* How a rule's key is read, stored and written back. Values live in struct
 * cas_instrument_config at `at`; the kinds marked "as written" also keep the value the
 * user wrote in struct cas__written at `written`, which is what resolved_json shows. */
enum cas__field_kind {
    CAS__F_NUMBER,     /* a real within range: a double */
    CAS__F_INTEGER,    /* a whole number within range (range.integer): store's integer */
    CAS__F_PPM,        /* a rate within range, whole ppm: int64_t */
    CAS__F_MONEY,      /* quote currency >= 0, whole money units: cas_money */
    CAS__F_CHOICE,     /* one of names[]: its index, in store's type */
    CAS__F_SECONDS,    /* as written; round(seconds / step_seconds) steps, at least min_steps */
    CAS__F_HOURS,      /* as written; hours as a whole number >= 1 of steps */
    CAS__F_ANNUAL_VOL, /* as written; per step x sqrt(step_seconds / one year): a double */
    CAS__F_CUSTOM,     /* read and written back by the field's own functions */
};

/* The C type at `at` of an INTEGER or CHOICE field. */
enum cas__store { CAS__S_INT, CAS__S_BOOL, CAS__S_I32, CAS__S_I64 };

struct cas__field {
    const char *key;
    enum cas__field_kind kind;
    double def;               /* when absent; a CHOICE's index into names */
    struct cas__range range;  /* NUMBER, INTEGER, PPM, SECONDS, HOURS, ANNUAL_VOL */
    size_t at;                /* offsetof in struct cas_instrument_config */
    size_t written;           /* offsetof in struct cas__written: SECONDS, HOURS, ANNUAL_VOL */
    enum cas__store store;    /* INTEGER, CHOICE */
    const char *required;     /* NUMBER: NULL, or required and this ends its message */
    const char *const *names; /* CHOICE: the names, n_names of them, in messages as */
    size_t n_names;           /* "unknown WHAT 'x' (... LABEL: a, b)" */
    const char *what, *label;
    cas_step min_steps; /* SECONDS */
    /* Run after the value is read, to check it against others (NULL: none). */
    int (*check)(struct cas__rule_ctx *c);
    /* CUSTOM: read the key of obj (which may be NULL), and write it back into o. */
    int (*read)(struct cas__rule_ctx *c, const cJSON *obj, const struct cas__field *f);
    void (*resolve)(struct cas__build *b, cJSON *o, const struct cas_instrument_config *ins,
                    double scale);
    const char *doc_type, *doc_default, *doc_range; /* CUSTOM: its cells in docs/config.md */
};

/* Whether a rule can be switched off (`false`), and whether it is on when absent. */
enum cas__rule_switch { CAS__RULE_ALWAYS, CAS__RULE_ON_BY_DEFAULT, CAS__RULE_OFF_BY_DEFAULT };

/* One venue rule: the key of its object, its keys in canonical order, and the meaning
 * cell of its row in docs/config.md's instrument table. */
struct cas__rule {
    const char *key;
    enum cas__rule_switch sw;
    size_t on; /* switched rules: offsetof the bool in struct cas_instrument_config */
    const struct cas__field *fields;
    size_t n_fields;
    const char *doc;
};

enum { CAS__MAX_RULES = 16, CAS__MAX_RULE_FIELDS = 16 };

/* rules.c: every venue rule, in canonical order (reading, resolved_json, error order). */
extern const struct cas__rule cas__rules[];
extern const size_t cas__n_rules;

/* perp.c: the keys only perpetuals have ("venue", "index", then each rule's) into
 * out[max]; returns how many. */
size_t cas__perp_keys(const char **out, size_t max);

/* perp.c: a perpetual's venue and rules from its object o (the walk is at
 * instruments[i]); the index's spot instrument is linked later by cas__link_index, once
 * every instrument is known. */
int cas__read_perpetual(struct cas__parse *p, const cJSON *o, uint32_t i);
int cas__link_index(struct cas__parse *p, const cJSON *o, size_t i);
void cas__resolve_perpetual(struct cas__build *b, cJSON *o, const struct cas_config *cfg,
                            uint32_t i, const struct cas__written *wr);

/* dist.c: the value of parameter ps at obj's key ps->name (its default when obj is NULL or
 * lacks it): a number, or a distribution object checked against the parameter's range.
 * *dist receives the distribution (a constant for a number), *central the value kept in
 * cas_population_config.params[], *as_object whether it was written as an object. */
int cas__read_param(struct cas__walk *w, const cJSON *obj, const struct cas_param_spec *ps,
                    struct cas_dist *dist, double *central, bool *as_object);
/* Add the parameter to params under its name: a plain number unless as_object, else the
 * distribution object with "dist" first and its keys in their documented order. */
void cas__resolve_param(struct cas__build *b, cJSON *params, const struct cas_param_spec *ps,
                        const struct cas_dist *dist, double central, bool as_object);

/* shocks.c: the top-level "shocks" array, and its resolved form. */
int cas__read_shocks(struct cas__parse *p, const cJSON *root);
void cas__resolve_shocks(struct cas__build *b, cJSON *root, const struct cas_config *cfg);

/* orders.c: a script, the param "orders" of a type that takes one (`scripted`), at
 * params' key "orders" (absent or params NULL: none), into pop->orders (ordered by step,
 * entries of one step as written; the walk is at the population's "params"); and its
 * resolved form, every key written. */
int cas__read_orders(struct cas__parse *p, const cJSON *params, struct cas_population_config *pop);
void cas__resolve_orders(struct cas__build *b, cJSON *params,
                         const struct cas_population_config *pop);

/* The venue profiles compiled in from configs/venues/NAME.json (generated by
 * scripts/embed.py), ending with {NULL, NULL}. */
struct cas__embedded {
    const char *name;
    const char *text;
};
extern const struct cas__embedded cas__venues[];

#endif
