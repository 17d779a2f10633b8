/* shocks: scheduled shocks — a market order sent at a step, a limit order placed in the
 * book, a jump of a perpetual's index, or news that moves a spot instrument's value — read
 * from the top-level "shocks" array and written back.
 *
 * cfg->shocks is ordered by step; shocks at the same step keep the order they were
 * written in (a stable sort), so the sim can apply them with one cursor.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configInt.h"

enum { MAX_SHOCKS = 1024 };

/* In the order of enum cas_shock_kind. */
static const char *const shock_kinds[] = {"market_order", "limit_order", "index_jump", "news"};
static const char *const sides[] = {"buy", "sell"};
/* In the order of enum cas_shock_position. */
static const char *const positions[] = {"open", "close"};

#define KIND(k) (1u << (k))
#define ORDERS (KIND(CAS_SHOCK_MARKET_ORDER) | KIND(CAS_SHOCK_LIMIT_ORDER))

/* The keys that belong to some kinds only. */
static const struct {
    const char *key;
    unsigned kinds; /* bit k: kind k has the key */
} kind_keys[] = {
    {"side", ORDERS},
    {"qty", ORDERS},
    {"price", KIND(CAS_SHOCK_LIMIT_ORDER)},
    {"pct", KIND(CAS_SHOCK_INDEX_JUMP) | KIND(CAS_SHOCK_NEWS)},
    {"over_steps", KIND(CAS_SHOCK_NEWS)},
    {"position", KIND(CAS_SHOCK_MARKET_ORDER)},
    {"holders", KIND(CAS_SHOCK_MARKET_ORDER)},
};

/* "'KEY' is only for kind 'a'" or "... for kinds 'a' and 'b'". */
static int wrong_kind(struct cas__walk *w, const char *key, unsigned kinds)
{
    char names[96] = "";
    unsigned n = 0, left = 0;
    for (unsigned k = 0; k < sizeof shock_kinds / sizeof *shock_kinds; k++)
        left += kinds >> k & 1;
    for (unsigned k = 0; k < sizeof shock_kinds / sizeof *shock_kinds; k++) {
        if (!(kinds >> k & 1))
            continue;
        left--;
        size_t len = strlen(names);
        const char *sep = n == 0 ? "" : left == 0 ? " and " : ", ";
        snprintf(names + len, sizeof names - len, "%s'%s'", sep, shock_kinds[k]);
        n++;
    }
    return cas__fail(w, key, CAS_EINVAL, "'%s' is only for kind%s %s; remove it", key,
                     n > 1 ? "s" : "", names);
}

/* A market order's position ("open" by the shock account, or "close" by the holders of
 * the opposite position) and, for "close", the population they may be drawn from. */
static int read_position(struct cas__parse *p, const cJSON *o, struct cas_shock_config *s)
{
    int position, rc;
    double k;
    if ((rc = cas__read_choice(&p->w, o, "position", positions, 2, 0, "position", "known positions",
                               &position)) != 0)
        return rc;
    s->position = (enum cas_shock_position)position;
    if (!cas__member(o, "holders"))
        return 0;
    if (s->position != CAS_SHOCK_CLOSE)
        return cas__fail(&p->w, "holders", CAS_EINVAL,
                         "'holders' is only for \"position\": \"close\"; remove it");
    const struct cas__range r = {0, (double)p->cfg->n_populations - 1, false, true, false};
    if (p->cfg->n_populations == 0)
        return cas__fail(&p->w, "holders", CAS_EINVAL, "the config has no agents to close with");
    if ((rc = cas__require_number(&p->w, o, "holders", &r,
                                  "; give the index of a population in 'agents'", &k)) != 0)
        return rc;
    s->holders = (uint32_t)k;
    return 0;
}

/* side and qty, and for a limit order its price. */
static int read_order(struct cas__parse *p, const cJSON *o, struct cas_shock_config *s)
{
    static const struct cas__range qty = {1, 1e12, false, true, false};
    int side, rc;
    double q;
    if ((rc = cas__read_choice(&p->w, o, "side", sides, 2, -1, "side", "known sides", &side)) !=
            0 ||
        (rc = cas__require_number(&p->w, o, "qty", &qty, "; give the order's size in lots", &q)) !=
            0)
        return rc;
    s->side = side == 0 ? CAS_BUY : CAS_SELL;
    s->qty = (cas_lots)q;
    if (s->kind == CAS_SHOCK_MARKET_ORDER)
        return read_position(p, o, s);
    if (s->kind != CAS_SHOCK_LIMIT_ORDER)
        return 0;
    return cas__read_price(&p->w, o, "price", p->cfg->instruments[s->instrument].tick_size,
                           "; give the limit price in quote currency", &s->price,
                           &s->price_written);
}

static int read_index_jump(struct cas__parse *p, const cJSON *o, struct cas_shock_config *s)
{
    static const struct cas__range pct = {-1, 10, true, false, false};
    const struct cas_instrument_config *ins = &p->cfg->instruments[s->instrument];
    char esc[48];
    if (ins->spec.kind != CAS_PERPETUAL)
        return cas__fail(&p->w, "instrument", CAS_EINVAL,
                         "'%s' is a spot instrument; an index_jump needs a perpetual (it moves"
                         " the perpetual's index)",
                         cas__escape(esc, sizeof esc, ins->name, SIZE_MAX));
    if (ins->index_source == CAS_INDEX_SPOT) {
        /* the index is set from its books at the start of every step */
        char book[48];
        cas__escape(esc, sizeof esc, ins->name, SIZE_MAX);
        cas__escape(book, sizeof book, p->cfg->instruments[ins->index_spot].name, SIZE_MAX);
        if (ins->n_constituents > 1)
            return cas__fail(&p->w, "instrument", CAS_EINVAL,
                             "the index of '%s' follows %u spot books ('%s' weighs most), which"
                             " would undo the jump at the next step; use 'news' shocks on them",
                             esc, (unsigned)ins->n_constituents, book);
        return cas__fail(&p->w, "instrument", CAS_EINVAL,
                         "the index of '%s' follows its spot book '%s', which would undo the jump"
                         " at the next step; use a 'news' shock on '%s'",
                         esc, book, book);
    }
    return cas__require_number(&p->w, o, "pct", &pct,
                               "; give the jump as a fraction, e.g. -0.1 for a 10% drop", &s->pct);
}

/* News moves a spot instrument's value by (1 + pct), spread over over_steps steps. */
static int read_news(struct cas__parse *p, const cJSON *o, struct cas_shock_config *s)
{
    static const struct cas__range pct = {-1, INFINITY, true, false, false};
    static const struct cas__range over = {1, 1e9, false, true, false};
    const struct cas_instrument_config *ins = &p->cfg->instruments[s->instrument];
    char esc[48];
    double n;
    int rc;
    if (ins->spec.kind != CAS_SPOT)
        return cas__fail(&p->w, "instrument", CAS_EINVAL,
                         "'%s' is a perpetual; news moves a spot instrument's value (use"
                         " 'index_jump' to move a perpetual's index)",
                         cas__escape(esc, sizeof esc, ins->name, SIZE_MAX));
    if ((rc = cas__require_number(&p->w, o, "pct", &pct,
                                  "; give the move of the value as a fraction, e.g. -0.03 for a"
                                  " 3% fall",
                                  &s->pct)) != 0 ||
        (rc = cas__read_number(&p->w, o, "over_steps", &over, 1, &n)) != 0)
        return rc;
    s->over_steps = (cas_step)n;
    return 0;
}

static int read_shock(struct cas__parse *p, const cJSON *o, size_t i)
{
    static const char *const keys[] = {"step",  "kind", "instrument", "side",     "qty",
                                       "price", "pct",  "over_steps", "position", "holders"};
    struct cas_shock_config *s = &p->cfg->shocks[i];
    const struct cas__range step = {0, (double)(p->cfg->steps - 1), false, true, false};
    double d;
    int kind, rc;
    if (!cJSON_IsObject(o))
        return cas__fail(&p->w, NULL, CAS_EINVAL, "must be an object, got %s", cas__json_kind(o));
    if ((rc = cas__check_keys(&p->w, o, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = cas__require_number(&p->w, o, "step", &step, "; give the step it happens at", &d)) !=
            0 ||
        (rc = cas__read_choice(&p->w, o, "kind", shock_kinds,
                               sizeof shock_kinds / sizeof *shock_kinds, -1, "shock kind",
                               "known kinds", &kind)) != 0 ||
        (rc = cas__read_instrument_ref(p, o, &s->instrument)) != 0)
        return rc;
    s->step = (cas_step)d;
    s->kind = (enum cas_shock_kind)kind;
    s->position = CAS_SHOCK_OPEN;
    s->holders = UINT32_MAX;
    s->over_steps = 1;
    for (size_t k = 0; k < sizeof kind_keys / sizeof *kind_keys; k++)
        if (!(kind_keys[k].kinds & KIND(kind)) && cas__member(o, kind_keys[k].key))
            return wrong_kind(&p->w, kind_keys[k].key, kind_keys[k].kinds);
    if (s->kind == CAS_SHOCK_NEWS)
        return read_news(p, o, s);
    return s->kind == CAS_SHOCK_INDEX_JUMP ? read_index_jump(p, o, s) : read_order(p, o, s);
}

/* Order by step, keeping the written order among equal steps. */
static void sort_by_step(struct cas_shock_config *s, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        struct cas_shock_config x = s[i];
        uint32_t j = i;
        for (; j > 0 && s[j - 1].step > x.step; j--)
            s[j] = s[j - 1];
        s[j] = x;
    }
}

int cas__read_shocks(struct cas__parse *p, const cJSON *root)
{
    struct cas_config *cfg = p->cfg;
    const cJSON *arr;
    size_t n;
    int rc = cas__read_array(&p->w, root, "shocks", 0, MAX_SHOCKS, &arr, &n);
    if (rc || n == 0)
        return rc;
    if (!(cfg->shocks = calloc(n, sizeof *cfg->shocks)))
        return cas__no_memory(&p->w);
    cfg->n_shocks = (uint32_t)n;
    if ((rc = cas__read_entries(p, "shocks", arr, read_shock)) != 0)
        return rc;
    sort_by_step(cfg->shocks, cfg->n_shocks);
    return 0;
}

void cas__resolve_shocks(struct cas__build *b, cJSON *root, const struct cas_config *cfg)
{
    cJSON *arr = cas__put(b, root, "shocks", cJSON_CreateArray());
    for (uint32_t i = 0; i < cfg->n_shocks; i++) {
        const struct cas_shock_config *s = &cfg->shocks[i];
        cJSON *o = cas__put(b, arr, NULL, cJSON_CreateObject());
        cas__put(b, o, "step", cas__raw_int((double)s->step));
        cas__put(b, o, "kind", cJSON_CreateString(shock_kinds[s->kind]));
        cas__put(b, o, "instrument", cJSON_CreateString(cfg->instruments[s->instrument].name));
        if (s->kind == CAS_SHOCK_MARKET_ORDER || s->kind == CAS_SHOCK_LIMIT_ORDER) {
            cas__put(b, o, "side", cJSON_CreateString(sides[s->side == CAS_SELL]));
            cas__put(b, o, "qty", cas__raw_int((double)s->qty));
            if (s->kind == CAS_SHOCK_LIMIT_ORDER)
                cas__put(b, o, "price", cas__raw_real(s->price_written));
            if (s->kind == CAS_SHOCK_MARKET_ORDER)
                cas__put(b, o, "position", cJSON_CreateString(positions[s->position]));
            if (s->holders != UINT32_MAX)
                cas__put(b, o, "holders", cas__raw_int((double)s->holders));
        } else {
            cas__put(b, o, "pct", cas__raw_real(s->pct));
            if (s->kind == CAS_SHOCK_NEWS)
                cas__put(b, o, "over_steps", cas__raw_int((double)s->over_steps));
        }
    }
}
