/* orders: a script of orders, the list-of-objects param of a type that takes one
 * (`scripted`), read from an agent population's "params" and written back.
 *
 * Each entry is an object {step, side, type, lots, leverage, price, reduce_only}: step a
 * whole number within the run, side "buy" or "sell", type "market" (the default), "limit",
 * "ioc" or "post_only", lots a whole number > 0, leverage (optional) a whole number 1 to
 * 1000, the account's setting from that order on, price (the limit types only, and
 * required for them) in quote currency, a whole number of the instrument's tick_size,
 * reduce_only true or false (false by default). A bad entry is one error at its JSON
 * path (agents[3].params.orders[2].side). pop->orders is ordered by step with a stable
 * sort, so the entries of one step keep the order they were written in and the agent
 * sends them with one cursor.
 */
#include <stdlib.h>
#include <string.h>

#include "config/configInt.h"

enum { MAX_ORDERS = 1000000 };

static const char *const sides[] = {"buy", "sell"};
/* The names of the order types, and the type each names. */
static const char *const types[] = {"market", "limit", "ioc", "post_only"};
static const enum cas_order_type type_of[] = {CAS_MARKET, CAS_LIMIT, CAS_IOC, CAS_POST_ONLY};
static const char *const keys[] = {"step",     "side",  "type",       "lots",
                                   "leverage", "price", "reduce_only"};

static int read_entry(struct cas__parse *p, const cJSON *o, const struct cas_population_config *pop,
                      struct cas_script_order *out)
{
    const struct cas__range step = {0, (double)p->cfg->steps - 1, false, true, false};
    static const struct cas__range lots = {1, 1e12, false, true, false};
    static const struct cas__range leverage = {1, 1000, false, true, false};
    struct cas__walk *w = &p->w;
    double k, q, lev;
    int side, type, rc;
    if (!cJSON_IsObject(o))
        return cas__fail(w, NULL, CAS_EINVAL,
                         "must be an object {\"step\", \"side\", \"lots\", ...}, got %s",
                         cas__json_kind(o));
    if ((rc = cas__check_keys(w, o, keys, sizeof keys / sizeof *keys)) != 0 ||
        (rc = cas__require_number(w, o, "step", &step, "; give the step at which the order is sent",
                                  &k)) != 0 ||
        (rc = cas__read_choice(w, o, "side", sides, 2, -1, "side", "known sides", &side)) != 0 ||
        (rc = cas__read_choice(w, o, "type", types, 4, 0, "order type", "known order types",
                               &type)) != 0 ||
        (rc = cas__require_number(w, o, "lots", &lots, "; give the order's size in lots", &q)) !=
            0 ||
        (rc = cas__read_number(w, o, "leverage", &leverage, 0, &lev)) != 0)
        return rc;
    *out = (struct cas_script_order){.step = (cas_step)k,
                                     .side = side == 0 ? CAS_BUY : CAS_SELL,
                                     .type = type_of[type],
                                     .qty = (cas_lots)q,
                                     .leverage = (int32_t)lev};
    if (out->type == CAS_MARKET) {
        if (cas__member(o, "price"))
            return cas__fail(w, "price", CAS_EINVAL,
                             "a market order takes no price; remove it, or give \"type\": "
                             "\"limit\", \"ioc\" or \"post_only\"");
    } else if ((rc = cas__read_price(w, o, "price", p->cfg->instruments[pop->instrument].tick_size,
                                     "; give the limit price in quote currency", &out->price,
                                     &out->price_written)) != 0) {
        return rc;
    }
    const cJSON *ro = cas__member(o, "reduce_only");
    if (ro && !cJSON_IsBool(ro))
        return cas__fail(w, "reduce_only", CAS_EINVAL, "must be true or false, got %s",
                         cas__json_kind(ro));
    out->reduce_only = ro && cJSON_IsTrue(ro);
    return 0;
}

struct keyed {
    cas_step step;
    uint32_t at; /* place in the list as written */
};

static int by_step(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* Order v[n] by step, entries of one step as written. */
static int sort_by_step(struct cas__walk *w, struct cas_script_order *v, size_t n)
{
    size_t i = 1;
    while (i < n && v[i - 1].step <= v[i].step)
        i++;
    if (i >= n)
        return 0; /* already in order, as a script usually is */
    struct keyed *k = malloc(n * sizeof *k);
    struct cas_script_order *copy = malloc(n * sizeof *copy);
    if (!k || !copy) {
        free(k);
        free(copy);
        return cas__no_memory(w);
    }
    for (i = 0; i < n; i++)
        k[i] = (struct keyed){v[i].step, (uint32_t)i};
    qsort(k, n, sizeof *k, by_step);
    memcpy(copy, v, n * sizeof *v);
    for (i = 0; i < n; i++)
        v[i] = copy[k[i].at];
    free(k);
    free(copy);
    return 0;
}

int cas__read_orders(struct cas__parse *p, const cJSON *params, struct cas_population_config *pop)
{
    const cJSON *arr = NULL;
    size_t n = 0;
    int rc = params ? cas__read_array(&p->w, params, "orders", 0, MAX_ORDERS, &arr, &n) : 0;
    if (rc || n == 0)
        return rc;
    if (!(pop->orders = calloc(n, sizeof *pop->orders)))
        return cas__no_memory(&p->w);
    pop->n_orders = (uint32_t)n;
    size_t mark = cas__push_key(&p->w, "orders"), i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        size_t m = cas__push_index(&p->w, i);
        if ((rc = read_entry(p, c, pop, &pop->orders[i])) != 0)
            return rc;
        cas__pop(&p->w, m);
    }
    cas__pop(&p->w, mark);
    return sort_by_step(&p->w, pop->orders, n);
}

void cas__resolve_orders(struct cas__build *b, cJSON *params,
                         const struct cas_population_config *pop)
{
    cJSON *arr = cas__put(b, params, "orders", cJSON_CreateArray());
    for (uint32_t i = 0; arr && i < pop->n_orders; i++) {
        const struct cas_script_order *o = &pop->orders[i];
        cJSON *e = cas__put(b, arr, NULL, cJSON_CreateObject());
        cas__put(b, e, "step", cas__raw_int((double)o->step));
        cas__put(b, e, "side", cJSON_CreateString(sides[o->side == CAS_SELL]));
        size_t t = 0;
        while (type_of[t] != o->type)
            t++;
        cas__put(b, e, "type", cJSON_CreateString(types[t]));
        cas__put(b, e, "lots", cas__raw_int((double)o->qty));
        if (o->leverage > 0)
            cas__put(b, e, "leverage", cas__raw_int(o->leverage));
        if (o->type != CAS_MARKET)
            cas__put(b, e, "price", cas__raw_real(o->price_written));
        cas__put(b, e, "reduce_only", cJSON_CreateBool(o->reduce_only));
    }
}
