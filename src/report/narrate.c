/* narrate: a cascade told in plain language, event by event, from a run
 * directory's tables (`cascade narrate RUNDIR`; the command's options are in
 * src/cli/narrate.c).
 *
 * What it tells: the shocks in the window; each liquidation in order (the
 * account and its agent type, the position and its leverage, the mark
 * against its liquidation price, what triggered it, how its orders filled,
 * what the insurance fund gained or paid, what was auto-deleveraged); what
 * each agent type did in the window (from trades.csv, when the run recorded
 * it); and the cascade's figures. Every figure is read from the run's files,
 * printed as they print it. The window is the largest cascade (most
 * liquidations, then notional, then the lower id: the order of the report's
 * table), one cascade, or a range of steps. The telling goes to the stream
 * the caller passes, and only there: an error fills the caller's struct
 * cas_err and returns its CAS_E* code.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/core.h"
#include "cascade/exchange.h"
#include "cascade/report.h"
#include "report/csv.h"

static void say(FILE *out, const char *s)
{
    fputs(s, out);
    fputc('\n', out);
}

/* ---- the run ---- */

struct run {
    const char *dir;
    FILE *out;
    struct cas_err *err; /* the caller's; may be NULL */
    struct cas_rows liq, cas, acc, trades;
    bool have_trades;
    cJSON *config; /* config.json, or NULL */
};

static const char *type_of(const struct run *r, const char *account)
{
    const char *t = cas__rows_lookup(&r->acc, "account", account, "type");
    return t ? t : "unknown";
}

/* An order id's owner account (docs/outputs.md). */
static unsigned long long owner_of(const char *order)
{
    return cas_order_account(strtoull(order, NULL, 10));
}

/* config.json: what narrate takes from it (the name, the seed, the shocks)
 * must have the types it is told with; 0 or CAS_EINVAL (the file, and the JSON path
 * leading the message). */
static int check_config(const struct run *r, const char *path)
{
    const cJSON *cfg = r->config, *name = cJSON_GetObjectItem(cfg, "name"),
                *seed = cJSON_GetObjectItem(cfg, "seed"),
                *shocks = cJSON_GetObjectItem(cfg, "shocks");
    if (!cJSON_IsObject(cfg))
        return cas__report_err(r->err, CAS_EINVAL, path, 0, "not a JSON object");
    if ((name && !cJSON_IsString(name)) || (seed && !cJSON_IsNumber(seed)) ||
        (shocks && !cJSON_IsArray(shocks)))
        return cas__report_err(r->err, CAS_EINVAL, path, 0, "%s: not a %s",
                               name && !cJSON_IsString(name)   ? "name"
                               : seed && !cJSON_IsNumber(seed) ? "seed"
                                                               : "shocks",
                               name && !cJSON_IsString(name)   ? "string"
                               : seed && !cJSON_IsNumber(seed) ? "number"
                                                               : "list");
    static const char *const strings[] = {"kind", "instrument", "position"};
    static const char *const numbers[] = {"qty", "price", "pct", "over_steps", "holders"};
    int k = 0;
    const cJSON *sh;
    cJSON_ArrayForEach(sh, shocks)
    {
        const cJSON *step = cJSON_GetObjectItem(sh, "step"),
                    *side = cJSON_GetObjectItem(sh, "side");
        const char *bad = NULL, *key = NULL;
        if (!cJSON_IsObject(sh))
            bad = "not an object";
        else if (!cJSON_IsNumber(step) || !(step->valuedouble >= 0) || step->valuedouble > 9e15 ||
                 step->valuedouble != floor(step->valuedouble))
            key = "step", bad = "not a step (an integer, 0 or more)";
        else if (side && (!cJSON_IsString(side) || (strcmp(side->valuestring, "buy") != 0 &&
                                                    strcmp(side->valuestring, "sell") != 0)))
            key = "side", bad = "not \"buy\" or \"sell\"";
        for (size_t i = 0; !bad && i < sizeof strings / sizeof *strings; i++)
            if (cJSON_GetObjectItem(sh, strings[i]) &&
                !cJSON_IsString(cJSON_GetObjectItem(sh, strings[i])))
                key = strings[i], bad = "not a string";
        for (size_t i = 0; !bad && i < sizeof numbers / sizeof *numbers; i++)
            if (cJSON_GetObjectItem(sh, numbers[i]) &&
                !cJSON_IsNumber(cJSON_GetObjectItem(sh, numbers[i])))
                key = numbers[i], bad = "not a number";
        if (bad)
            return cas__report_err(r->err, CAS_EINVAL, path, 0, "shocks[%d]%s%s: %s", k,
                                   key ? "." : "", key ? key : "", bad);
        k++;
    }
    return 0;
}

static int load(struct run *r)
{
    int rc;
    if ((rc = cas__read_liquidations(&r->liq, r->dir, r->err)) ||
        (rc = cas__read_cascades(&r->cas, r->dir, r->err)) ||
        (rc = cas__read_accounts(&r->acc, r->dir, true, r->err)))
        return rc;
    rc = cas__read_trades(&r->trades, r->dir, r->err);
    if (rc && rc != CAS_ENOTFOUND)
        return rc;
    r->have_trades = rc == 0;
    char *path = cas_path_join(r->dir, "config.json"), *text = NULL, why[96] = "";
    if (!path)
        return cas__report_oom(r->err);
    rc = cas_read_file(path, CAS_MAX_JSON_BYTES, &text, NULL, why, sizeof why);
    if (rc == 0 && !(r->config = cJSON_Parse(text)))
        snprintf(why, sizeof why, "not JSON");
    if (r->config)
        rc = check_config(r, path);
    else
        rc = cas__report_err(r->err, rc == CAS_ENOMEM || rc == CAS_EIO ? rc : CAS_EINVAL, path, 0,
                             "cannot read it: %s", why);
    free(text);
    free(path);
    return rc;
}

/* ---- telling ---- */

static void tell_shock(const struct run *r, int k, const cJSON *sh)
{
    const cJSON *kind = cJSON_GetObjectItem(sh, "kind"), *step = cJSON_GetObjectItem(sh, "step");
    const cJSON *ins = cJSON_GetObjectItem(sh, "instrument");
    const char *what = cJSON_IsString(kind) ? kind->valuestring : "?";
    fprintf(r->out, "step %-6.0f shock %d: ", cJSON_IsNumber(step) ? step->valuedouble : -1, k);
    if (strcmp(what, "index_jump") == 0) {
        const cJSON *pct = cJSON_GetObjectItem(sh, "pct");
        fprintf(r->out, "the index of %s jumps by %+.4g%%\n",
                cJSON_IsString(ins) ? ins->valuestring : "?",
                cJSON_IsNumber(pct) ? pct->valuedouble * 100 : NAN);
        return;
    }
    if (strcmp(what, "news") == 0) {
        const cJSON *pct = cJSON_GetObjectItem(sh, "pct"),
                    *over = cJSON_GetObjectItem(sh, "over_steps");
        fprintf(r->out, "news moves the value of %s by %+.4g%%",
                cJSON_IsString(ins) ? ins->valuestring : "?",
                cJSON_IsNumber(pct) ? pct->valuedouble * 100 : NAN);
        if (cJSON_IsNumber(over) && over->valuedouble > 1)
            fprintf(r->out, " over %.0f steps", over->valuedouble);
        fputs("\n", r->out);
        return;
    }
    const cJSON *qty = cJSON_GetObjectItem(sh, "qty");
    const char *side = cJSON_GetStringValue(cJSON_GetObjectItem(sh, "side"));
    bool sells = side && strcmp(side, "sell") == 0;
    fprintf(r->out, "a %s %s of %.0f lots on %s",
            strcmp(what, "limit_order") == 0 ? "limit" : "market", side ? side : "?",
            cJSON_IsNumber(qty) ? qty->valuedouble : NAN,
            cJSON_IsString(ins) ? ins->valuestring : "?");
    if (strcmp(what, "limit_order") == 0) {
        const cJSON *price = cJSON_GetObjectItem(sh, "price");
        fprintf(r->out, " at %.10g", cJSON_IsNumber(price) ? price->valuedouble : NAN);
    }
    const cJSON *position = cJSON_GetObjectItem(sh, "position");
    if (cJSON_IsString(position) && strcmp(position->valuestring, "close") == 0) {
        const cJSON *holders = cJSON_GetObjectItem(sh, "holders");
        if (cJSON_IsNumber(holders))
            fprintf(r->out, ", closing the %ss of agents[%.0f]", sells ? "long" : "short",
                    holders->valuedouble);
        else
            fprintf(r->out, ", the shock account closing its %s", sells ? "long" : "short");
    }
    if (r->have_trades) {
        char cause[32];
        snprintf(cause, sizeof cause, "shock:%d", k);
        long long fills = 0;
        double lots = 0; /* a sum of lots read from the file: a double cannot overflow */
        double hi = -INFINITY, lo = INFINITY;
        for (size_t t = 0; t < r->trades.n; t++)
            if (strcmp(cas__rows_get(&r->trades, t, "cause"), cause) == 0) {
                double p = cas__rows_num(&r->trades, t, "price");
                lots += (double)cas__rows_int(&r->trades, t, "qty");
                fills++;
                hi = fmax(hi, p);
                lo = fmin(lo, p);
            }
        if (fills)
            fprintf(r->out, ", which took %.0f lots in %lld fills from %.10g to %.10g", lots, fills,
                    sells ? hi : lo, sells ? lo : hi);
    }
    fputs("\n", r->out);
}

/* clang-format off */
static void tell_liquidation(const struct run *r, size_t k)
{
    const struct cas_rows *l = &r->liq;
    const char *account = cas__rows_get(l, k, "account"), *trigger = cas__rows_get(l, k, "trigger");
    bool is_long = strcmp(cas__rows_get(l, k, "side"), "long") == 0;
    fprintf(r->out, "step %-6s liquidation %s: account %s (%s, %s×) %s %s lots on %s; the mark %s "
           "crossed its liquidation price %s",
           cas__rows_get(l, k, "step"), cas__rows_get(l, k, "id"), account, type_of(r, account),
           cas__rows_get(l, k, "leverage"), cas__rows_get(l, k, "side"), cas__rows_get(l, k, "lots"), cas__rows_get(l, k, "instrument"),
           cas__rows_get(l, k, "mark"), *cas__rows_get(l, k, "liquidation_price") ? cas__rows_get(l, k, "liquidation_price")
                                                               : "(none)");
    if (strncmp(trigger, "liquidation:", 12) == 0)
        fprintf(r->out, ", set off by liquidation %s's orders (generation %s of cascade %s).\n",
               trigger + 12, cas__rows_get(l, k, "generation"), cas__rows_get(l, k, "cascade"));
    else if (strncmp(trigger, "carried:", 8) == 0)
        fprintf(r->out, ", set off by liquidation %s's orders, carried across markets by arbitrage"
               " (generation %s of cascade %s).\n",
               trigger + 8, cas__rows_get(l, k, "generation"), cas__rows_get(l, k, "cascade"));
    else if (strncmp(trigger, "shock:", 6) == 0)
        fprintf(r->out, ", set off by shock %s: the root of cascade %s.\n", trigger + 6,
               cas__rows_get(l, k, "cascade"));
    else if (strncmp(trigger, "order:", 6) == 0)
        fprintf(r->out, ", set off by an order of account %s (%s): the root of cascade %s.\n",
               trigger + 6, type_of(r, trigger + 6), cas__rows_get(l, k, "cascade"));
    else
        fprintf(r->out, ", set off by %s: the root of cascade %s.\n", trigger, cas__rows_get(l, k, "cascade"));
    fputs("             ", r->out);
    if (strcmp(cas__rows_get(l, k, "mode"), "keeper") == 0) {
        fprintf(r->out, "A keeper took over %s lots at %s (bankruptcy price %s)", cas__rows_get(l, k, "filled_lots"),
               cas__rows_get(l, k, "fill_vwap"), cas__rows_get(l, k, "bankruptcy"));
    } else if (strcmp(cas__rows_get(l, k, "finished"), "1") != 0) {
        fprintf(r->out, "The engine took the position over and was still working it when the run ended");
    } else {
        long long filled = cas__rows_int(l, k, "filled_lots");
        if (filled > 0)
            fprintf(r->out, "The engine %s %lld lots in the book at %s on average, the worst at %s",
                   is_long ? "sold" : "bought", filled, cas__rows_get(l, k, "fill_vwap"),
                   cas__rows_get(l, k, "worst_fill"));
        else
            fprintf(r->out, "The engine filled nothing in the book");
        fprintf(r->out, " (bankruptcy price %s)", cas__rows_get(l, k, "bankruptcy"));
    }
    long long adl = cas__rows_int(l, k, "adl_lots");
    if (adl > 0)
        fprintf(r->out, "; %lld lots were auto-deleveraged against opposite positions", adl);
    double fund = cas__rows_num(l, k, "insurance_change");
    if (fund > 0)
        fprintf(r->out, "; the insurance fund gained %s", cas__rows_get(l, k, "insurance_change"));
    else if (fund < 0)
        fprintf(r->out, "; the insurance fund paid %s", cas__rows_get(l, k, "insurance_change") + 1);
    if (*cas__rows_get(l, k, "finish_step"))
        fprintf(r->out, "; done in step %s", cas__rows_get(l, k, "finish_step"));
    fputs(".\n", r->out);
}
/* clang-format on */

struct by_type {
    const char *type;
    long long fills;
    double bought, sold; /* sums of lots read from the file */
};

/* What each agent type did in steps [from, to]: fills of its orders, lots
 * bought and sold (the venue's liquidation orders and the shocks apart); the lots the
 * liquidations told took (mine[id], ids 1..n), apart from other liquidations'. */
static void tell_meanwhile(const struct run *r, long long from, long long to, const bool *mine,
                           size_t n)
{
    if (!r->have_trades) {
        say(r->out, "(What each agent type did meanwhile needs trades.csv: run with "
                    "--set record.trades=true.)");
        return;
    }
    struct by_type types[32];
    size_t nt = 0;
    double venue = 0, others = 0;
    for (size_t t = 0; t < r->trades.n; t++) {
        long long step = cas__rows_int(&r->trades, t, "step");
        if (step < from || step > to)
            continue;
        double qty = (double)cas__rows_int(&r->trades, t, "qty");
        bool taker_buys = strcmp(cas__rows_get(&r->trades, t, "taker_side"), "buy") == 0;
        for (int side = 0; side < 2; side++) {
            unsigned long long acct =
                owner_of(cas__rows_get(&r->trades, t, side == 0 ? "taker_order" : "maker_order"));
            char name[32];
            snprintf(name, sizeof name, "%llu", acct);
            const char *type = type_of(r, name);
            if (strcmp(type, "unknown") == 0) {
                const char *cause = cas__rows_get(&r->trades, t, "cause");
                unsigned long long id =
                    strncmp(cause, "liquidation:", 12) == 0 ? strtoull(cause + 12, NULL, 10) : 0;
                if (side == 0)
                    *(id >= 1 && id <= n && mine[id] ? &venue : &others) += qty;
                continue;
            }
            size_t k = 0;
            while (k < nt && strcmp(types[k].type, type) != 0)
                k++;
            if (k == nt) {
                if (nt == 32)
                    continue;
                types[nt++] = (struct by_type){type, 0, 0, 0};
            }
            bool buys = side == 0 ? taker_buys : !taker_buys;
            types[k].fills++;
            *(buys ? &types[k].bought : &types[k].sold) += qty;
        }
    }
    if (from == to)
        fprintf(r->out, "Meanwhile, in step %lld (fills of each type's orders):\n", from);
    else
        fprintf(r->out, "Meanwhile, in steps %lld-%lld (fills of each type's orders):\n", from, to);
    if (venue > 0)
        fprintf(r->out, "  the liquidations told above: their orders took %.0f lots\n", venue);
    if (others > 0)
        fprintf(r->out, "  other liquidations (not told here): their orders took %.0f lots\n",
                others);
    for (size_t k = 0; k < nt; k++)
        fprintf(r->out, "  %-14s %lld fills, bought %.0f lots, sold %.0f lots\n", types[k].type,
                types[k].fills, types[k].bought, types[k].sold);
    if (nt == 0)
        say(r->out, "  no agent traded");
}

/* Cascade row c's price figures, introduced as "The cascade" or, told as part of an
 * episode, as the episode's largest move. */
static void tell_cascade_figures(const struct run *r, size_t c, bool of_episode)
{
    const struct cas_rows *t = &r->cas;
    bool is_long = strcmp(cas__rows_get(t, c, "side"), "long") == 0;
    if (of_episode)
        fprintf(r->out,
                "The episode's largest move, cascade %s's on %s: ", cas__rows_get(t, c, "id"),
                cas__rows_get(t, c, "instrument"));
    else
        fputs("The cascade: ", r->out);
    fprintf(r->out, "from %s at the end of step %lld to %s in step %s (%s bp %s)",
            cas__rows_get(t, c, "price_start"), cas__rows_int(t, c, "start_step") - 1,
            cas__rows_get(t, c, "price_extreme"), cas__rows_get(t, c, "extreme_step"),
            cas__rows_get(t, c, "move_bps"), is_long ? "down" : "up");
    if (*cas__rows_get(t, c, "gap_to_index_bps"))
        fprintf(r->out, ", %s bp from the index there", cas__rows_get(t, c, "gap_to_index_bps"));
    if (*cas__rows_get(t, c, "finish_step"))
        fprintf(r->out, "; %s at the end of step %s, when its last orders were done",
                cas__rows_get(t, c, "price_end"), cas__rows_get(t, c, "finish_step"));
    else
        fprintf(r->out, "; still working when the run ended, at %s",
                cas__rows_get(t, c, "price_end"));
    if (*cas__rows_get(t, c, "recovery_half_steps"))
        fprintf(r->out, "; half the move was undone %s step%s after the extreme.\n",
                cas__rows_get(t, c, "recovery_half_steps"),
                strcmp(cas__rows_get(t, c, "recovery_half_steps"), "1") == 0 ? "" : "s");
    else
        say(r->out, "; the price never undid half the move before the run ended.");
}

/* What is told: one cascade, one episode, or every liquidation of a range of steps. */
struct telling {
    long long cascade, episode; /* > 0: that one */
    long long from, to;         /* the steps told (to: INT64_MAX for the end) */
};

/* The cascade id of liquidation row k. */
static long long cascade_of(const struct run *r, size_t k)
{
    return cas__rows_int(&r->liq, k, "cascade");
}

/* Whether liquidation row k is told. */
static bool is_told(const struct run *r, const struct telling *t, size_t k)
{
    long long step = cas__rows_int(&r->liq, k, "step"), c = cascade_of(r, k);
    if (step < t->from || step > t->to)
        return false;
    if (t->cascade > 0)
        return c == t->cascade;
    if (t->episode > 0)
        return c >= 1 && (size_t)c <= r->cas.n &&
               cas__rows_int(&r->cas, (size_t)c - 1, "episode") == t->episode;
    return true;
}

static const char *plural(long long n)
{
    return n == 1 ? "" : "s";
}

/* The heading of one episode; its span in t; its cascade of the largest move in *moved. */
static void tell_episode_heading(const struct run *r, struct telling *t, bool largest,
                                 size_t *moved)
{
    struct cas__episode e;
    cas__episode_of(&r->cas, t->episode, &e);
    size_t biggest = SIZE_MAX;
    for (size_t k = 0; k < r->cas.n; k++) {
        if (cas__rows_int(&r->cas, k, "episode") != t->episode)
            continue;
        if (biggest == SIZE_MAX)
            biggest = *moved = k;
        if (cas__cascade_before(&r->cas, k, biggest))
            biggest = k;
        if (cas__rows_num(&r->cas, k, "move_bps") > cas__rows_num(&r->cas, *moved, "move_bps"))
            *moved = k;
    }
    t->from = e.from;
    t->to = e.open ? INT64_MAX : e.to;
    const cJSON *name = cJSON_GetObjectItem(r->config, "name");
    const cJSON *seed = cJSON_GetObjectItem(r->config, "seed");
    char span[96];
    if (e.open)
        snprintf(span, sizeof span, "from step %lld to the end", e.from);
    else if (e.from == e.to)
        snprintf(span, sizeof span, "in step %lld", e.from);
    else
        snprintf(span, sizeof span, "from step %lld to %lld", e.from, e.to);
    fprintf(r->out,
            "Episode %lld of %s (seed %.0f)%s: %lld liquidation%s in %lld cascade%s on %s, %s",
            t->episode, cJSON_IsString(name) ? name->valuestring : "?",
            cJSON_IsNumber(seed) ? seed->valuedouble : -1, largest ? ", the largest" : "",
            e.liquidations, plural(e.liquidations), e.cascades, plural(e.cascades), e.instruments,
            span);
    if (e.cascades > 1) {
        long long bl = cas__rows_int(&r->cas, biggest, "liquidations"),
                  bg = cas__rows_int(&r->cas, biggest, "generations");
        fprintf(r->out,
                "; its largest cascade is cascade %s, %lld liquidation%s in %lld generation%s",
                cas__rows_get(&r->cas, biggest, "id"), bl, plural(bl), bg, plural(bg));
    } else {
        long long bg = cas__rows_int(&r->cas, biggest, "generations");
        fprintf(r->out, ": cascade %s, %lld generation%s", cas__rows_get(&r->cas, biggest, "id"),
                bg, plural(bg));
    }
    fputs(".\n", r->out);
}

static int narrate(struct run *r, struct telling *t)
{
    const cJSON *shocks = cJSON_GetObjectItem(r->config, "shocks");
    const cJSON *name = cJSON_GetObjectItem(r->config, "name");
    const cJSON *seed = cJSON_GetObjectItem(r->config, "seed");
    size_t c = 0;
    bool range = t->from >= 0 || t->to >= 0;
    if (!range) {
        if (r->cas.n == 0) {
            fprintf(r->out, "Nobody was liquidated in %s: there is no cascade to tell.\n", r->dir);
            return 0;
        }
        long long episodes = cas__rows_int(&r->cas, r->cas.n - 1, "episode");
        if (t->cascade > 0 && !cas__cascade_row(&r->cas, t->cascade, &c))
            return cas__report_err(r->err, CAS_EINVAL, NULL, 0,
                                   "%s has %zu cascade%s; there is no cascade %lld", r->dir,
                                   r->cas.n, plural((long long)r->cas.n), t->cascade);
        if (t->episode > episodes)
            return cas__report_err(r->err, CAS_EINVAL, NULL, 0,
                                   "%s has %lld episode%s; there is no episode %lld", r->dir,
                                   episodes, plural(episodes), t->episode);
    }
    if (!range && t->cascade > 0) {
        t->from = cas__rows_int(&r->cas, c, "start_step");
        t->to = *cas__rows_get(&r->cas, c, "finish_step") ? cas__rows_int(&r->cas, c, "finish_step")
                                                          : INT64_MAX;
        long long n_liq = cas__rows_int(&r->cas, c, "liquidations"),
                  n_gen = cas__rows_int(&r->cas, c, "generations");
        const char *start = cas__rows_get(&r->cas, c, "start_step"),
                   *finish = cas__rows_get(&r->cas, c, "finish_step");
        char span[96];
        if (strcmp(start, finish) == 0)
            snprintf(span, sizeof span, "in step %s", start);
        else
            snprintf(span, sizeof span, "from step %s to %s", start, *finish ? finish : "the end");
        fprintf(r->out,
                "Cascade %s of %s (seed %.0f): %lld liquidation%s in %lld generation%s on %s, %s "
                "(episode %s).\n",
                cas__rows_get(&r->cas, c, "id"), cJSON_IsString(name) ? name->valuestring : "?",
                cJSON_IsNumber(seed) ? seed->valuedouble : -1, n_liq, plural(n_liq), n_gen,
                plural(n_gen), cas__rows_get(&r->cas, c, "instrument"), span,
                cas__rows_get(&r->cas, c, "episode"));
    } else if (!range) {
        bool largest = t->episode <= 0;
        if (largest)
            t->episode = cas__largest_episode(&r->cas);
        tell_episode_heading(r, t, largest, &c);
    } else {
        t->from = t->from < 0 ? 0 : t->from;
        t->to = t->to < 0 ? INT64_MAX : t->to;
        char upto[32] = "the end";
        if (t->to != INT64_MAX)
            snprintf(upto, sizeof upto, "%lld", t->to);
        fprintf(r->out, "Steps %lld to %s of %s (seed %.0f).\n", t->from, upto,
                cJSON_IsString(name) ? name->valuestring : "?",
                cJSON_IsNumber(seed) ? seed->valuedouble : -1);
    }
    /* events in step order: in a step, its shocks come first (they strike
     * before anyone acts), then its liquidations in id order */
    long long last_step = -1;
    size_t told = 0;
    bool *mine = calloc(r->liq.n + 1, sizeof *mine); /* by liquidation id: told */
    if (!mine)
        return cas__report_oom(r->err);
    for (size_t k = 0; k <= r->liq.n; k++) {
        long long step = k < r->liq.n ? cas__rows_int(&r->liq, k, "step") : INT64_MAX;
        if (k < r->liq.n && !is_told(r, t, k))
            continue;
        int n = cJSON_GetArraySize(shocks);
        for (int s = 0; s < n; s++) {
            const cJSON *sh = cJSON_GetArrayItem(shocks, s), *st = cJSON_GetObjectItem(sh, "step");
            double at = cJSON_IsNumber(st) ? st->valuedouble : -1;
            if (at > (double)last_step && at <= (double)step && at >= (double)t->from &&
                at <= (double)t->to)
                tell_shock(r, s + 1, sh);
        }
        if (k == r->liq.n)
            break;
        last_step = step;
        tell_liquidation(r, k);
        mine[k + 1] = true;
        told++;
    }
    if (range)
        fprintf(r->out, "%zu liquidation%s in these steps.\n", told, plural((long long)told));
    long long last = t->to;
    if (last == INT64_MAX) {
        last = 0;
        for (size_t k = 0; k < r->trades.n; k++)
            last = cas__rows_int(&r->trades, k, "step") > last
                       ? cas__rows_int(&r->trades, k, "step")
                       : last;
    }
    tell_meanwhile(r, t->from, last, mine, r->liq.n);
    free(mine);
    if (!range)
        tell_cascade_figures(r, c, t->cascade <= 0);
    return 0;
}

int cas_report_narrate(FILE *out, const char *rundir, long long episode, long long cascade,
                       long long from, long long to, struct cas_err *err)
{
    struct run r = {.dir = rundir, .out = out, .err = err};
    struct telling t = {cascade, episode, from, to};
    int rc = load(&r);
    if (rc == 0)
        rc = narrate(&r, &t);
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = cas__report_err(err, CAS_EIO, NULL, 0, "cannot write the narration: %s",
                             strerror(errno));
    cas__rows_free(&r.liq);
    cas__rows_free(&r.cas);
    cas__rows_free(&r.acc);
    cas__rows_free(&r.trades);
    cJSON_Delete(r.config);
    return rc;
}
