/* cascade_page: the report's cascade sections — the causal tree of each of
 * the largest cascades, drawn, above its price path with every trade inside
 * each step; and the replay player's data, read from replay.jsonl.
 *
 * The tree and the path are static SVG written here (no gnuplot, no script:
 * they show without JavaScript). replay.jsonl is read and checked here, every
 * line of the shape docs/outputs.md gives, and the steps of the players'
 * instrument around the largest cascades are handed to the player
 * (player.c). An error fills the caller's struct cas_err and returns its
 * CAS_E* code; nothing is printed.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/core.h"
#include "report/cascade_page.h"
#include "report/csv.h"
#include "report/html.h"
#include "report/player.h"

#define TOP 3        /* cascades drawn and replayed */
#define MAX_NODES 60 /* tree nodes drawn per cascade */
#define MARGIN 20    /* replayed steps before and after a cascade's span (every event of each) */

struct data {
    const char *dir;
    const char *prefix;  /* of every id written (cas__report_cascades) */
    struct cas_err *err; /* the caller's; may be NULL */
    struct cas_rows liq, cas, acc;
    struct cas__replay_step *steps; /* replay.jsonl lines of the players' instrument */
    size_t n_steps, cap_steps;
    bool have_replay;
    size_t top[TOP];
    size_t n_top;
    long long ranges[16][2]; /* record.replay, from config.json */
    size_t n_ranges;
    const char *instrument; /* the largest cascade's; else the first in replay.jsonl */
    char first[64];
};

static const char *type_of(const struct data *d, const char *account)
{
    const char *t = cas__rows_lookup(&d->acc, "account", account, "type");
    return t ? t : "";
}

/* The largest cascades, in cas__cascade_before's order. */
static void pick_top(struct data *d)
{
    bool *taken = calloc(d->cas.n ? d->cas.n : 1, sizeof *taken);
    for (d->n_top = 0; taken && d->n_top < TOP && d->n_top < d->cas.n; d->n_top++) {
        size_t best = SIZE_MAX;
        for (size_t k = 0; k < d->cas.n; k++) {
            if (taken[k])
                continue;
            if (best == SIZE_MAX || cas__cascade_before(&d->cas, k, best))
                best = k;
        }
        if (best == SIZE_MAX)
            break;
        taken[best] = true;
        d->top[d->n_top] = best;
    }
    free(taken);
    /* grouped by episode, the episodes in the order of their largest cascade here */
    for (size_t k = 1; k < d->n_top; k++) {
        long long e = cas__rows_int(&d->cas, d->top[k], "episode");
        size_t at = k;
        for (size_t j = 0; j < k; j++) /* after the last of its episode placed so far */
            if (cas__rows_int(&d->cas, d->top[j], "episode") == e)
                at = j + 1;
        size_t c = d->top[k];
        memmove(&d->top[at + 1], &d->top[at], (k - at) * sizeof *d->top);
        d->top[at] = c;
    }
    d->instrument = d->n_top ? cas__rows_get(&d->cas, d->top[0], "instrument") : NULL;
}

static long long span_end(const struct data *d, size_t c)
{
    const char *f = cas__rows_get(&d->cas, c, "finish_step");
    return *f ? strtoll(f, NULL, 10) : cas__rows_int(&d->cas, c, "end_step") + MARGIN;
}

static bool wanted(const struct data *d, long long step)
{
    for (size_t k = 0; k < d->n_ranges; k++)
        if (step >= d->ranges[k][0] && step <= d->ranges[k][1])
            return true;
    for (size_t k = 0; k < d->n_top; k++) {
        size_t c = d->top[k];
        if (strcmp(cas__rows_get(&d->cas, c, "instrument"), d->instrument) == 0 &&
            step >= cas__rows_int(&d->cas, c, "start_step") - MARGIN &&
            step <= span_end(d, c) + MARGIN)
            return true;
    }
    return false;
}

/* A JSON number that is a step or a count: an integer from 0 to 9e15, so
 * that it converts to long long exactly (a double as large as 1e300, NaN or
 * infinity would not: the conversion's behaviour is undefined). */
static bool is_step(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 9e15 &&
           v->valuedouble == floor(v->valuedouble);
}

static bool is_finite_number(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble);
}

/* Whether every item of `a` is an array of exactly n items, each a finite
 * number or (from index first_text on) a string. */
static bool all_tuples(const cJSON *a, int n, int first_text)
{
    const cJSON *t, *x;
    if (!cJSON_IsArray(a))
        return false;
    cJSON_ArrayForEach(t, a)
    {
        if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) != n)
            return false;
        int k = 0;
        cJSON_ArrayForEach(x, t)
        {
            if (k < first_text ? !is_finite_number(x) : !cJSON_IsString(x))
                return false;
            k++;
        }
    }
    return true;
}

static bool is_side(const cJSON *v)
{
    return cJSON_IsString(v) &&
           (strcmp(v->valuestring, "buy") == 0 || strcmp(v->valuestring, "sell") == 0);
}

static bool is_account(const cJSON *v)
{
    return cJSON_IsNull(v) || is_step(v);
}

/* What is wrong with one event of a step, or NULL; *order: whether a fill may follow. */
static const char *event_bad(const cJSON *e, bool *order)
{
    const char *kind = cJSON_GetStringValue(cJSON_GetArrayItem(e, 0));
    int n = cJSON_GetArraySize(e);
#define AT(k) cJSON_GetArrayItem(e, k)
    if (!cJSON_IsArray(e) || !kind)
        return "an event must be a list opening with its kind";
    if (strcmp(kind, "order") == 0) {
        static const char *const types[] = {"limit", "market", "ioc", "post_only"};
        const char *type = cJSON_GetStringValue(AT(4));
        bool known = false;
        for (size_t k = 0; type && k < sizeof types / sizeof *types; k++)
            known |= strcmp(type, types[k]) == 0;
        *order = true;
        if (n != 9 || !is_account(AT(1)) || !cJSON_IsString(AT(2)) || !is_side(AT(3)) || !known ||
            !(cJSON_IsNull(AT(5)) || is_finite_number(AT(5))) || !is_step(AT(6)) ||
            !is_step(AT(7)) || !is_step(AT(8)))
            return "an 'order' event must be [\"order\", account, cause, side, type, price, "
                   "lots, filled, rested]";
        return NULL;
    }
    if (strcmp(kind, "fill") == 0) {
        if (!*order)
            return "a 'fill' event must follow its order";
        if (n != 3 || !is_finite_number(AT(1)) || !is_step(AT(2)))
            return "a 'fill' event must be [\"fill\", price, lots]";
        return NULL;
    }
    *order = false;
    if (strcmp(kind, "cancel") == 0) {
        if (n != 5 || !is_account(AT(1)) || !is_side(AT(2)) || !is_finite_number(AT(3)) ||
            !is_step(AT(4)))
            return "a 'cancel' event must be [\"cancel\", account, side, price, lots]";
        return NULL;
    }
    if (strcmp(kind, "liquidation") == 0 || strcmp(kind, "finished") == 0) {
        if (n != 2 || !is_step(AT(1)))
            return "a 'liquidation' or 'finished' event must be [kind, liquidation id]";
        return NULL;
    }
#undef AT
    return "an event's kind must be order, fill, cancel, liquidation or finished";
}

/* What is wrong with a line of replay.jsonl (docs/outputs.md), or NULL. */
static const char *replay_step_bad(const cJSON *j)
{
    const cJSON *index = cJSON_GetObjectItem(j, "index"), *start, *e;
    if (!cJSON_IsObject(j))
        return "not a replay step (a JSON object with step, instrument, bids, asks, start and "
               "events)";
    if (!is_step(cJSON_GetObjectItem(j, "step")))
        return "'step' is not a step (an integer from 0 to 9e15)";
    if (!cJSON_IsString(cJSON_GetObjectItem(j, "instrument")))
        return "'instrument' is not a string";
    start = cJSON_GetObjectItem(j, "start");
    if (!all_tuples(cJSON_GetObjectItem(j, "bids"), 2, 2) ||
        !all_tuples(cJSON_GetObjectItem(j, "asks"), 2, 2) ||
        !all_tuples(cJSON_GetObjectItem(start, "bids"), 2, 2) ||
        !all_tuples(cJSON_GetObjectItem(start, "asks"), 2, 2))
        return "'bids', 'asks' and 'start''s 'bids' and 'asks' must be lists of [price, lots]";
    if (!is_finite_number(cJSON_GetObjectItem(j, "last")) ||
        !is_finite_number(cJSON_GetObjectItem(j, "mark")) ||
        (!cJSON_IsNull(index) && !is_finite_number(index)))
        return "'last' and 'mark' must be numbers, 'index' a number or null";
    if (!cJSON_IsArray(cJSON_GetObjectItem(j, "events")))
        return "'events' must be a list";
    bool order = false;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "events"))
    {
        const char *bad = event_bad(e, &order);
        if (bad)
            return bad;
    }
    return NULL;
}

/* replay.jsonl: every line must be a replay step, the steps of an
 * instrument in order; the lines of the players' instrument near the top
 * cascades are kept. 0, or an error's code. */
static int read_replay(struct data *d)
{
    char *path = cas_path_join(d->dir, "replay.jsonl");
    if (!path)
        return cas__report_oom(d->err);
    char why[96];
    FILE *f = cas_open_input(path, CAS_MAX_CSV_BYTES, why, sizeof why);
    if (!f) {
        int rc = errno == ENOENT
                     ? 0
                     : cas__report_err(d->err, CAS_EINVAL, path, 0, "cannot open: %s", why);
        free(path);
        return rc;
    }
    d->have_replay = true;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    long long last = -1; /* the players' instrument's last step */
    int rc = 0;
    ssize_t len;
    errno = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        /* the whole line one JSON value: nothing may follow it */
        cJSON *j = (size_t)len == strlen(line) ? cJSON_ParseWithOpts(line, NULL, true) : NULL;
        const char *bad = j ? replay_step_bad(j) : "not JSON (or a NUL byte)";
        if (bad) {
            rc = cas__report_err(d->err, CAS_EINVAL, path, lineno, "%s", bad);
            cJSON_Delete(j);
            break;
        }
        const char *ins = cJSON_GetObjectItem(j, "instrument")->valuestring;
        long long s = (long long)cJSON_GetObjectItem(j, "step")->valuedouble; /* is_step */
        if (!d->instrument && d->n_ranges) { /* no cascade: the ranges of the first instrument */
            snprintf(d->first, sizeof d->first, "%s", ins);
            d->instrument = d->first;
        }
        if (!d->instrument || strcmp(ins, d->instrument) != 0) {
            cJSON_Delete(j);
            continue;
        }
        if (s <= last) {
            rc = cas__report_err(d->err, CAS_EINVAL, path, lineno,
                                 "'step' %lld of %s does not follow %lld", s, ins, last);
            cJSON_Delete(j);
            break;
        }
        last = s;
        if (!wanted(d, s)) {
            cJSON_Delete(j);
            continue;
        }
        if (d->n_steps == d->cap_steps) {
            size_t cap_steps = d->cap_steps ? 2 * d->cap_steps : 256;
            struct cas__replay_step *v = realloc(d->steps, cap_steps * sizeof *v);
            if (!v) {
                cJSON_Delete(j);
                rc = cas__report_oom(d->err);
                break;
            }
            d->steps = v;
            d->cap_steps = cap_steps;
        }
        d->steps[d->n_steps++] = (struct cas__replay_step){s, j};
    }
    if (rc == 0 && ferror(f))
        rc = cas__report_err(d->err, CAS_EIO, path, 0, "cannot read: %s", strerror(errno));
    free(line);
    fclose(f);
    free(path);
    return rc;
}

/* ---- the tree ---- */

struct node {
    size_t row; /* in liquidations.csv */
    long long id, parent;
    long long generation; /* at most the row's id (cas__read_liquidations): no overflow below */
    long long y;          /* preorder rank */
};

static int preorder(struct node *n, size_t count, long long id, long long *next)
{
    for (size_t k = 0; k < count; k++)
        if (n[k].id == id) {
            n[k].y = (*next)++;
            break;
        }
    for (size_t k = 0; k < count; k++) /* each node once, whatever the parents say */
        if (n[k].parent == id && n[k].y < 0)
            preorder(n, count, n[k].id, next);
    return 0;
}

/* clang-format off */
static void draw_tree(FILE *html, const struct data *d, size_t c)
{
    const char *cid = cas__rows_get(&d->cas, c, "id");
    struct node n[MAX_NODES];
    size_t count = 0, members = 0;
    long long depth = 1;
    for (size_t k = 0; k < d->liq.n; k++) {
        if (strcmp(cas__rows_get(&d->liq, k, "cascade"), cid) != 0)
            continue;
        members++;
        if (count == MAX_NODES)
            continue;
        const char *trig = cas__rows_get(&d->liq, k, "trigger");
        long long parent = strncmp(trig, "liquidation:", 12) == 0 ? strtoll(trig + 12, NULL, 10)
                           : strncmp(trig, "carried:", 8) == 0    ? strtoll(trig + 8, NULL, 10)
                                                                   : 0;
        n[count] = (struct node){k, cas__rows_int(&d->liq, k, "id"), parent,
                                 cas__rows_int(&d->liq, k, "generation"), -1};
        depth = n[count].generation > depth ? n[count].generation : depth;
        count++;
    }
    long long next = 0;
    for (size_t k = 0; k < count; k++)
        if ((n[k].parent == 0 || n[k].generation == 1) && n[k].y < 0)
            preorder(n, count, n[k].id, &next);
    for (size_t k = 0; k < count; k++) /* parents beyond the drawn ones */
        if (n[k].y < 0)
            n[k].y = next++;
    const long long bw = 330, bh = 38, gx = 40, gy = 10;
    long long width = depth * (bw + gx) + 10, height = next * (bh + gy) + 10;
    fprintf(html, "<div class=\"tree-scroll\"><svg class=\"tree\" id=\"%stree-%s\" xmlns=\"http://www.w3.org/2000/svg\" "
                  "viewBox=\"0 0 %lld %lld\" width=\"%lld\" height=\"%lld\" role=\"img\" "
                  "aria-label=\"the causal tree of cascade %s\">\n",
            d->prefix, cid, width, height, width, height, cid);
    for (size_t k = 0; k < count; k++) /* edges first, under the boxes */
        for (size_t p = 0; p < count; p++)
            if (n[p].id == n[k].parent) {
                long long x1 = 5 + (n[p].generation - 1) * (bw + gx) + bw, y1 = 5 + n[p].y * (bh + gy) + bh / 2;
                long long x2 = 5 + (n[k].generation - 1) * (bw + gx), y2 = 5 + n[k].y * (bh + gy) + bh / 2;
                fprintf(html, "<path d=\"M%lld %lld C%lld %lld %lld %lld %lld %lld\" fill=\"none\" "
                              "stroke=\"#b33\" stroke-width=\"1.5\"/>\n",
                        x1, y1, x1 + gx / 2, y1, x2 - gx / 2, y2, x2, y2);
            }
    for (size_t k = 0; k < count; k++) {
        size_t r = n[k].row;
        long long x = 5 + (n[k].generation - 1) * (bw + gx), y = 5 + n[k].y * (bh + gy);
        bool is_long = strcmp(cas__rows_get(&d->liq, r, "side"), "long") == 0;
        const char *acct = cas__rows_get(&d->liq, r, "account");
        fprintf(html, "<g><rect x=\"%lld\" y=\"%lld\" width=\"%lld\" height=\"%lld\" rx=\"4\" "
                      "fill=\"%s\" stroke=\"#888\"/>\n<text x=\"%lld\" y=\"%lld\" font-size=\"12\">",
                x, y, bw, bh, is_long ? "#fde0dd" : "#fee8c8", x + 6, y + 15);
        fprintf(html, "#%lld account %s ", n[k].id, acct);
        cas__html_text(html, type_of(d, acct));
        fprintf(html, " %s %s lots %s×</text>\n<text x=\"%lld\" y=\"%lld\" font-size=\"11\" "
                      "fill=\"#444\" class=\"instrument\">",
                cas__rows_get(&d->liq, r, "side"), cas__rows_get(&d->liq, r, "lots"),
                cas__rows_get(&d->liq, r, "leverage"), x + 6, y + 31);
        cas__html_text(html, cas__rows_get(&d->liq, r, "instrument"));
        fprintf(html, ": mark %s / liquidation price %s</text></g>\n", cas__rows_get(&d->liq, r, "mark"),
                cas__rows_get(&d->liq, r, "liquidation_price"));
    }
    fputs("</svg></div>\n", html);
    if (members > count)
        fprintf(html, "<p class=\"small\">The first %zu of its %zu liquidations are drawn.</p>\n",
                count, members);
}
/* clang-format on */

/* The price path of a cascade's span (and MARGIN steps around it) from
 * replay.jsonl: the mid (else last) at each step's end as a line, and every
 * trade inside each step as a dot, spread across the step in the order they
 * happened; the members' fills in red, the shock's in blue. */
static bool draw_path(FILE *html, const struct data *d, size_t c)
{
    long long from = cas__rows_int(&d->cas, c, "start_step") - 10, to = span_end(d, c) + 20;
    const char *cid = cas__rows_get(&d->cas, c, "id");
    double lo = INFINITY, hi = -INFINITY;
    size_t a = 0, b = 0;
    for (size_t k = 0; k < d->n_steps; k++) {
        if (d->steps[k].step < from || d->steps[k].step > to)
            continue;
        if (b == 0)
            a = k;
        b = k + 1;
        const cJSON *j = d->steps[k].json, *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "events"))
        {
            if (strcmp(cJSON_GetArrayItem(t, 0)->valuestring, "fill") != 0)
                continue;
            double p = cJSON_GetArrayItem(t, 1)->valuedouble;
            lo = fmin(lo, p), hi = fmax(hi, p);
        }
        double last = cJSON_GetObjectItem(j, "last")->valuedouble;
        lo = fmin(lo, last), hi = fmax(hi, last);
        const cJSON *bid = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "bids"), 0),
                    *ask = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "asks"), 0);
        if (bid && ask) {
            double mid = (cJSON_GetArrayItem(bid, 0)->valuedouble +
                          cJSON_GetArrayItem(ask, 0)->valuedouble) /
                         2;
            lo = fmin(lo, mid), hi = fmax(hi, mid);
        }
    }
    if (b <= a || !(hi > lo))
        return false;
    const double W = 900, H = 260, L = 70, R = 10, T = 10, B = 30;
    double x0 = (double)d->steps[a].step, x1 = (double)d->steps[b - 1].step + 1;
#define X(s) (L + ((s)-x0) / (x1 - x0) * (W - L - R))
#define Y(p) (T + (hi - (p)) / (hi - lo) * (H - T - B))
    fprintf(html,
            "<svg class=\"path\" id=\"%spath-%s\" xmlns=\"http://www.w3.org/2000/svg\" "
            "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
            "aria-label=\"the price during cascade %s\">\n",
            d->prefix, cid, W, H, W, H, cid);
    /* price ticks at round values: 1, 2 or 5 times a power of ten, about four of them */
    double raw = (hi - lo) / 4, mag = pow(10, floor(log10(raw))), unit = raw / mag;
    double every = (unit < 1.5 ? 1 : unit < 3 ? 2 : unit < 7 ? 5 : 10) * mag;
    int decimals = every >= 1 ? 0 : (int)ceil(-log10(every) - 1e-9);
    for (double p = ceil(lo / every - 1e-9) * every; p <= hi + every * 1e-9; p += every)
        fprintf(html,
                "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" "
                "class=\"tick\">%.*f</text>\n",
                L, W - R, Y(p), Y(p), L - 4, Y(p) + 3, decimals, p);
    fprintf(html,
            "<text transform=\"rotate(-90)\" x=\"%.0f\" y=\"12\" font-size=\"10\" "
            "text-anchor=\"middle\">price (quote currency)</text>\n",
            -(T + (H - T - B) / 2));
    fprintf(html,
            "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">step %lld</text>"
            "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">step %lld</text>\n",
            L, H - 8, d->steps[a].step, W - R, H - 8, d->steps[b - 1].step);
    /* the span */
    fprintf(html,
            "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"#f4b6b6\" "
            "fill-opacity=\"0.3\"/>\n",
            X((double)cas__rows_int(&d->cas, c, "start_step")), T,
            X((double)span_end(d, c) + 1) - X((double)cas__rows_int(&d->cas, c, "start_step")),
            H - T - B);
    fputs("<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.5\" points=\"", html);
    for (size_t k = a; k < b; k++) {
        const cJSON *j = d->steps[k].json;
        double p = cJSON_GetObjectItem(j, "last")->valuedouble;
        const cJSON *bid = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "bids"), 0),
                    *ask = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "asks"), 0);
        if (bid && ask)
            p = (cJSON_GetArrayItem(bid, 0)->valuedouble +
                 cJSON_GetArrayItem(ask, 0)->valuedouble) /
                2;
        fprintf(html, "%.1f,%.1f ", X((double)d->steps[k].step + 1), Y(p));
    }
    fputs("\"/>\n", html);
    for (size_t k = a; k < b; k++) {
        const cJSON *events = cJSON_GetObjectItem(d->steps[k].json, "events"), *t;
        const char *cause = "";
        int n = 0, i = 0;
        cJSON_ArrayForEach(t, events) n +=
            strcmp(cJSON_GetArrayItem(t, 0)->valuestring, "fill") == 0;
        cJSON_ArrayForEach(t, events)
        {
            const char *kind = cJSON_GetArrayItem(t, 0)->valuestring;
            if (strcmp(kind, "order") == 0) /* its fills follow it (replay_step_bad) */
                cause = cJSON_GetArrayItem(t, 2)->valuestring;
            if (strcmp(kind, "fill") != 0)
                continue;
            const char *colour = "#999";
            if (strncmp(cause, "shock:", 6) == 0)
                colour = "#1f77b4";
            else if (strncmp(cause, "liquidation:", 12) == 0) {
                long long id = strtoll(cause + 12, NULL, 10);
                colour = id >= 1 && (size_t)id <= d->liq.n &&
                                 strcmp(cas__rows_get(&d->liq, (size_t)id - 1, "cascade"), cid) == 0
                             ? "#d62728"
                             : "#f0a0a0";
            }
            double x = X((double)d->steps[k].step + (i + 0.5) / n);
            fprintf(html, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"%s\"/>", x,
                    Y(cJSON_GetArrayItem(t, 1)->valuedouble), colour);
            i++;
        }
    }
    fputs("\n</svg>\n", html);
#undef X
#undef Y
    return true;
}

/* record.replay of config.json (the step ranges the run replayed), when the
 * run directory has a config.json: a list of [from, to] steps. 0 or an error's code. */
static int read_ranges(struct data *d)
{
    char *path = cas_path_join(d->dir, "config.json"), *text = NULL, why[96] = "";
    if (!path)
        return cas__report_oom(d->err);
    int rc = cas_read_file(path, CAS_MAX_JSON_BYTES, &text, NULL, why, sizeof why);
    if (rc && errno == ENOENT) {
        free(path);
        return 0;
    }
    cJSON *cfg = rc ? NULL : cJSON_Parse(text);
    if (!cfg) {
        rc = cas__report_err(d->err, rc == CAS_ENOMEM || rc == CAS_EIO ? rc : CAS_EINVAL, path, 0,
                             "cannot read it: %s", rc ? why : "not JSON");
        free(text);
        free(path);
        return rc;
    }
    const cJSON *ranges = cJSON_GetObjectItem(cJSON_GetObjectItem(cfg, "record"), "replay"), *p;
    rc = 0;
    if (ranges && !cJSON_IsArray(ranges))
        rc = CAS_EINVAL;
    cJSON_ArrayForEach(p, ranges)
    {
        const cJSON *a = cJSON_GetArrayItem(p, 0), *b = cJSON_GetArrayItem(p, 1);
        if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 || !is_step(a) || !is_step(b) ||
            a->valuedouble > b->valuedouble) {
            rc = CAS_EINVAL;
            break;
        }
        if (d->n_ranges < 16) { /* the validator allows no more */
            d->ranges[d->n_ranges][0] = (long long)a->valuedouble;
            d->ranges[d->n_ranges++][1] = (long long)b->valuedouble;
        }
    }
    if (rc)
        cas__report_err(d->err, rc, path, 0, "record.replay: not a list of [from, to] steps");
    cJSON_Delete(cfg);
    free(text);
    free(path);
    return rc;
}

static int load(struct data *d)
{
    int rc;
    if ((rc = cas__read_liquidations(&d->liq, d->dir, d->err)) ||
        (rc = cas__read_cascades(&d->cas, d->dir, d->err)))
        return rc;
    if ((rc = cas__read_accounts(&d->acc, d->dir, false, d->err)) && rc != CAS_ENOTFOUND)
        return rc;
    pick_top(d);
    if ((rc = read_ranges(d)))
        return rc;
    return read_replay(d);
}

static void release(struct data *d)
{
    cas__rows_free(&d->liq);
    cas__rows_free(&d->cas);
    cas__rows_free(&d->acc);
    for (size_t k = 0; k < d->n_steps; k++)
        cJSON_Delete(d->steps[k].json);
    free(d->steps);
}

/* An episode's heading over its trees: its liquidations, cascades, instruments and span. */
static void tell_episode(FILE *html, const struct data *d, long long id)
{
    struct cas__episode e;
    cas__episode_of(&d->cas, id, &e);
    fprintf(html,
            "<h3 class=\"episode\" data-episode=\"%lld\">Episode %lld: %lld liquidation%s in "
            "%lld cascade%s on ",
            id, id, e.liquidations, e.liquidations == 1 ? "" : "s", e.cascades,
            e.cascades == 1 ? "" : "s");
    cas__html_text(html, e.instruments);
    if (e.open)
        fprintf(html, ", steps %lld to the end</h3>\n", e.from);
    else if (e.from == e.to)
        fprintf(html, ", step %lld</h3>\n", e.from);
    else
        fprintf(html, ", steps %lld to %lld</h3>\n", e.from, e.to);
}

int cas__report_cascades(FILE *html, const char *dir, const char *prefix, struct cas_err *err)
{
    struct data d = {.dir = dir, .prefix = prefix ? prefix : "", .err = err};
    int rc = load(&d);
    if (rc) {
        release(&d);
        return rc;
    }
    fputs("<style>", html);
    cas__player_style(html, d.prefix);
    fprintf(html,
            "</style>\n<section id=\"%strees\"><h2>The largest cascades, as trees, by "
            "episode</h2>\n",
            d.prefix);
    if (d.n_top == 0)
        fputs("<p class=\"note\">No cascades: nobody was liquidated in this run.</p>\n", html);
    for (size_t k = 0; k < d.n_top; k++) {
        size_t c = d.top[k];
        long long e = cas__rows_int(&d.cas, c, "episode");
        if (k == 0 || e != cas__rows_int(&d.cas, d.top[k - 1], "episode"))
            tell_episode(html, &d, e);
        /* a tree with its heading, path and caption: one element a page's reader can find */
        fprintf(html, "<div class=\"cascade-tree\" data-cascade=\"%s\">\n",
                cas__rows_get(&d.cas, c, "id"));
        fprintf(html, "<h4>Cascade %s: %s liquidation%s in %s generation%s on ",
                cas__rows_get(&d.cas, c, "id"), cas__rows_get(&d.cas, c, "liquidations"),
                strcmp(cas__rows_get(&d.cas, c, "liquidations"), "1") ? "s" : "",
                cas__rows_get(&d.cas, c, "generations"),
                strcmp(cas__rows_get(&d.cas, c, "generations"), "1") ? "s" : "");
        cas__html_text(html, cas__rows_get(&d.cas, c, "instrument"));
        fprintf(html, ", steps %s to %s</h4>\n", cas__rows_get(&d.cas, c, "start_step"),
                *cas__rows_get(&d.cas, c, "finish_step") ? cas__rows_get(&d.cas, c, "finish_step")
                                                         : "the end");
        draw_tree(html, &d, c);
        bool here = strcmp(cas__rows_get(&d.cas, c, "instrument"), d.instrument) == 0;
        bool drawn = here && draw_path(html, &d, c);
        fprintf(html,
                "<p class=\"small\">Each box is a liquidation (account, agent type, side, "
                "lots, leverage; the mark when it was triggered against its liquidation "
                "price); an edge runs from a liquidation to those its orders set off. "
                "%s</p>\n",
                drawn   ? "Below, the price (mid, else last) at each step's end, and every "
                          "trade inside each step as a dot in the order they happened: "
                          "this cascade's liquidation orders in red, other liquidations' "
                          "in pink, the shock's in blue, the agents' in grey; the span "
                          "shaded."
                : !here ? "(Its price path is on the page of its own instrument: "
                          "<code>--instrument</code>.)"
                : !d.have_replay ? "(No replay.jsonl: the price path needs "
                                   "record.replay_window_steps above 0.)"
                                 : "(replay.jsonl holds no step of this cascade's span: "
                                   "record.replay chooses the steps.)");
        fputs("</div>\n", html);
    }
    fputs("</section>\n", html);
    if (d.n_steps > 0) {
        struct cas__player pl = {.prefix = d.prefix,
                                 .instrument = d.instrument,
                                 .steps = d.steps,
                                 .n_steps = d.n_steps,
                                 .start = d.n_top ? cas__rows_int(&d.cas, d.top[0], "start_step")
                                                  : d.steps[0].step,
                                 .liq = &d.liq,
                                 .acc = &d.acc};
        for (size_t k = 0; k < d.n_top; k++) {
            size_t c = d.top[k];
            if (strcmp(cas__rows_get(&d.cas, c, "instrument"), d.instrument) == 0) {
                pl.jumps[pl.n_jumps].cascade = cas__rows_get(&d.cas, c, "id");
                pl.jumps[pl.n_jumps++].step = cas__rows_int(&d.cas, c, "start_step");
            }
        }
        if ((rc = cas__report_player(html, &pl, err))) {
            release(&d);
            return rc;
        }
    } else if (d.n_top > 0) {
        fprintf(html,
                "<section id=\"%splayer\"><h2>Replay</h2><p class=\"note\">No replay: %s"
                "</p></section>\n",
                d.prefix,
                d.have_replay ? "replay.jsonl holds no step of this page's instrument near its "
                                "largest cascades (record.replay chooses the steps)."
                              : "this run has no replay.jsonl (record.replay_window_steps is 0).");
    }
    release(&d);
    return ferror(html) ? cas__report_err(err, CAS_EIO, NULL, 0, "cannot write the page: %s",
                                          strerror(errno))
                        : 0;
}
