/* cascade_page: the report's cascade sections — the causal tree of each of
 * the largest cascades, drawn, above its price path with every trade inside
 * each step; and the replay player.
 *
 * The tree and the path are static SVG written here (no gnuplot, no script:
 * they show without JavaScript). The player is one inline script over the
 * steps of replay.jsonl around the largest cascades, embedded as JSON in the
 * page: play, pause, step, scrub; the book's top levels as a ladder, the
 * members' liquidation prices lighting up once triggered, one line of
 * narration per event. #replay=STEP in the page's address opens it at that
 * step (#replay=STEP&play also starts it). Its root element is #replay, whose
 * data-step attribute is the step shown; #replay-narration holds that step's
 * narration. An error fills the caller's struct cas_err and returns its CAS_E*
 * code; nothing is printed.
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

#define TOP 3        /* cascades drawn and replayed */
#define MAX_NODES 60 /* tree nodes drawn per cascade */
#define MARGIN 60    /* replayed steps before and after a cascade's span */

struct step_line {
    long long step;
    cJSON *json; /* the line, parsed and checked (replay_step_bad) */
};

struct data {
    const char *dir;
    struct cas_err *err; /* the caller's; may be NULL */
    struct cas_rows liq, cas, acc;
    struct step_line *steps; /* replay.jsonl lines of the players' instrument */
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

static bool all_steps(const cJSON *a)
{
    const cJSON *x;
    if (!cJSON_IsArray(a))
        return false;
    cJSON_ArrayForEach(x, a) if (!is_step(x)) return false;
    return true;
}

/* What is wrong with a line of replay.jsonl (docs/outputs.md), or NULL. */
static const char *replay_step_bad(const cJSON *j)
{
    const cJSON *index = cJSON_GetObjectItem(j, "index");
    if (!cJSON_IsObject(j))
        return "not a replay step (a JSON object with step, instrument, bids, asks and trades)";
    if (!is_step(cJSON_GetObjectItem(j, "step")))
        return "'step' is not a step (an integer from 0 to 9e15)";
    if (!cJSON_IsString(cJSON_GetObjectItem(j, "instrument")))
        return "'instrument' is not a string";
    if (!all_tuples(cJSON_GetObjectItem(j, "bids"), 2, 2) ||
        !all_tuples(cJSON_GetObjectItem(j, "asks"), 2, 2))
        return "'bids' and 'asks' must be lists of [price, lots]";
    if (!is_finite_number(cJSON_GetObjectItem(j, "last")) ||
        !is_finite_number(cJSON_GetObjectItem(j, "mark")) ||
        (!cJSON_IsNull(index) && !is_finite_number(index)))
        return "'last' and 'mark' must be numbers, 'index' a number or null";
    if (!all_tuples(cJSON_GetObjectItem(j, "trades"), 4, 2))
        return "'trades' must be a list of [price, lots, side, cause]";
    if (!all_steps(cJSON_GetObjectItem(j, "liquidations")) ||
        !all_steps(cJSON_GetObjectItem(j, "finished")))
        return "'liquidations' and 'finished' must be lists of liquidation ids";
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
            struct step_line *v = realloc(d->steps, cap_steps * sizeof *v);
            if (!v) {
                cJSON_Delete(j);
                rc = cas__report_oom(d->err);
                break;
            }
            d->steps = v;
            d->cap_steps = cap_steps;
        }
        d->steps[d->n_steps++] = (struct step_line){s, j};
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
    fprintf(html, "<div class=\"tree-scroll\"><svg class=\"tree\" id=\"tree-%s\" xmlns=\"http://www.w3.org/2000/svg\" "
                  "viewBox=\"0 0 %lld %lld\" width=\"%lld\" height=\"%lld\" role=\"img\" "
                  "aria-label=\"the causal tree of cascade %s\">\n",
            cid, width, height, width, height, cid);
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
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "trades"))
        {
            double p = cJSON_GetArrayItem(t, 0)->valuedouble;
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
            "<svg class=\"path\" id=\"path-%s\" xmlns=\"http://www.w3.org/2000/svg\" "
            "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
            "aria-label=\"the price during cascade %s\">\n",
            cid, W, H, W, H, cid);
    for (int g = 0; g <= 4; g++) {
        double p = lo + (hi - lo) * g / 4;
        fprintf(html,
                "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.10g"
                "</text>\n",
                L, W - R, Y(p), Y(p), L - 4, Y(p) + 3, p);
    }
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
        const cJSON *trades = cJSON_GetObjectItem(d->steps[k].json, "trades"), *t;
        int n = cJSON_GetArraySize(trades), i = 0;
        cJSON_ArrayForEach(t, trades)
        {
            const char *cause = cJSON_GetArrayItem(t, 3)->valuestring;
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
                    Y(cJSON_GetArrayItem(t, 0)->valuedouble), colour);
            i++;
        }
    }
    fputs("\n</svg>\n", html);
#undef X
#undef Y
    return true;
}

/* ---- the player ---- */

static const char player_style[] =
    "#replay{border:1px solid #ccc;padding:.6em;border-radius:4px}"
    "#replay .controls button{margin-right:.3em}#replay .controls input{width:40%;vertical-align:middle}"
    "#replay-ladder{width:100%;max-width:900px;height:auto;display:block}"
    "#replay-narration{font-family:ui-monospace,monospace;font-size:.85em;white-space:pre-wrap;"
    "min-height:8em;background:#fafafa;border-top:1px solid #eee;padding:.4em}"
    ".path{max-width:100%;height:auto;display:block;margin:.5em 0}"
    ".tree-scroll{overflow-x:auto;margin:.5em 0}.tree{max-width:none;display:block}\n";

static const char *const player_script[] = {
    "(function(){\n",
    "var D=JSON.parse(document.getElementById('replay-data').textContent);\n",
    "var S=D.steps,root=document.getElementById('replay'),nar=document.getElementById('replay-narration');\n",
    "var scrub=document.getElementById('replay-scrub'),label=document.getElementById('replay-label');\n",
    "var svg=document.getElementById('replay-ladder'),NS='http://www.w3.org/2000/svg';\n",
    "var play=document.getElementById('replay-play'),i=0,timer=null;\n",
    "scrub.max=S.length-1;\n",
    "var maxq=1;\n",
    "var trig={};Object.keys(D.liqs).forEach(function(id){trig[id]=D.liqs[id].step;});\n",
    "function el(n,a,t){var e=document.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);if(t!==undefined)e.textContent=t;svg.appendChild(e);return e;}\n",
    "function fmt(x){return (Math.round(x*100)/100).toString();}\n",
    "function who(acct){var t=D.types[acct];return t?t:'account '+acct;}\n",
    "function ladder(s){while(svg.firstChild)svg.removeChild(svg.firstChild);\n",
    " var lv=s.asks.slice().reverse().map(function(l){return [l[0],l[1],'ask'];}).concat(s.bids.map(function(l){return [l[0],l[1],'bid'];}));\n",
    " var ps=lv.map(function(l){return l[0];});ps.push(s.last);maxq=1;lv.forEach(function(l){if(l[1]>maxq)maxq=l[1];});\n"
    " Object.keys(D.liqs).forEach(function(id){var q=D.liqs[id];if(q.liq!==null&&Math.abs(q.liq/s.last-1)<0.03)ps.push(q.liq);});\n",
    " var hi=Math.max.apply(null,ps),lo=Math.min.apply(null,ps);if(hi==lo){hi+=1;lo-=1;}\n",
    " var W=900,H=320,L=90,y=function(p){return 10+(hi-p)/(hi-lo)*(H-20);};\n",
    " Object.keys(D.liqs).forEach(function(id){var q=D.liqs[id];if(q.liq===null||q.liq<lo||q.liq>hi)return;\n",
    "  var lit=trig[id]<=s.step;el('line',{x1:L,x2:W,y1:y(q.liq),y2:y(q.liq),stroke:lit?'#d62728':'#bbb','stroke-dasharray':lit?'':'4 3','class':lit?'level lit':'level'});\n",
    "  el('text',{x:W-4,y:y(q.liq)-2,'font-size':10,'text-anchor':'end',fill:lit?'#d62728':'#888'},'#'+id+' '+q.side+' liq '+fmt(q.liq));});\n",
    " lv.forEach(function(l){var w=(W-L-150)*l[1]/maxq;el('rect',{x:L,y:y(l[0])-5,width:Math.max(1,w),height:10,fill:l[2]=='bid'?'#2ca02c':'#d62728','fill-opacity':0.6});\n",
    "  el('text',{x:L-4,y:y(l[0])+4,'font-size':11,'text-anchor':'end'},fmt(l[0]));el('text',{x:L+w+4,y:y(l[0])+4,'font-size':10},l[1]);});\n",
    " el('line',{x1:L,x2:W,y1:y(s.last),y2:y(s.last),stroke:'#1f5fa8','stroke-width':2});\n",
    " el('text',{x:L+4,y:y(s.last)-3,'font-size':11,fill:'#1f5fa8'},'last '+fmt(s.last)+'  mark '+fmt(s.mark)+(s.index!==null?'  index '+fmt(s.index):''));}\n",
    "function narrate(s){var out=[],g={};\n",
    " s.trades.forEach(function(t){var c=t[3];if(!g[c])g[c]={q:0,n:0,hi:-1e300,lo:1e300,side:t[2]};var x=g[c];x.q+=t[1];x.n++;if(t[0]>x.hi)x.hi=t[0];if(t[0]<x.lo)x.lo=t[0];});\n",
    " Object.keys(g).forEach(function(c){var x=g[c],k=c.split(':'),r=x.side=='sell'?' from '+fmt(x.hi)+' down to '+fmt(x.lo):' from '+fmt(x.lo)+' up to '+fmt(x.hi);\n",
    "  if(k[0]=='shock')out.push('Shock '+k[1]+': '+(x.side=='sell'?'sold ':'bought ')+x.q+' lots in '+x.n+' fills'+r+'.');\n",
    "  else if(k[0]=='liquidation')out.push('Liquidation '+k[1]+\"'s order \"+(x.side=='sell'?'sold ':'bought ')+x.q+' lots'+r+'.');});\n",
    " var own=0,ownq=0;Object.keys(g).forEach(function(c){if(c.indexOf('order:')==0){own+=g[c].n;ownq+=g[c].q;}});\n",
    " if(own)out.push('Agents\\' orders: '+own+' fills, '+ownq+' lots.');\n",
    " s.liquidations.forEach(function(id){var q=D.liqs[id];if(!q){out.push('Liquidation '+id+' (another cascade).');return;}\n",
    "  out.push('Liquidation '+id+': account '+q.account+' ('+who(q.account)+', '+q.leverage+'\\u00d7) '+q.side+' '+q.lots+' lots; the mark '+fmt(q.mark)+' crossed its liquidation price '+(q.liq===null?'-':fmt(q.liq))+'; set off by '+q.trigger+'.');});\n",
    " s.finished.forEach(function(id){out.push('Liquidation '+id+' finished'+(D.liqs[id]&&D.liqs[id].vwap!==null?': its fills averaged '+fmt(D.liqs[id].vwap):'')+'.');});\n",
    " if(!out.length)out.push('No shock, no liquidation, no fill.');\n",
    " nar.textContent='Step '+s.step+'\\n'+out.join('\\n');}\n",
    "function show(k){i=Math.max(0,Math.min(S.length-1,k));var s=S[i];root.setAttribute('data-step',s.step);scrub.value=i;\n",
    " label.textContent='step '+s.step+' ('+(i+1)+' of '+S.length+')';ladder(s);narrate(s);}\n",
    "function stop(){if(timer){clearInterval(timer);timer=null;}play.textContent='\\u25b6 play';}\n",
    "function start(){if(timer)return;play.textContent='\\u275a\\u275a pause';timer=setInterval(function(){if(i>=S.length-1){stop();return;}show(i+1);},400);}\n",
    "play.addEventListener('click',function(){if(timer)stop();else start();});\n",
    "document.getElementById('replay-prev').addEventListener('click',function(){stop();show(i-1);});\n",
    "document.getElementById('replay-next').addEventListener('click',function(){stop();show(i+1);});\n",
    "scrub.addEventListener('input',function(){stop();show(parseInt(scrub.value,10));});\n",
    "document.querySelectorAll('#replay .jump').forEach(function(b){b.addEventListener('click',function(){stop();seek(parseInt(b.getAttribute('data-to'),10));});});\n",
    "function seek(step){var k=0;while(k<S.length-1&&S[k].step<step)k++;show(k);}\n",
    "function fromHash(){var m=/replay=(\\d+)/.exec(location.hash);if(!m)return false;seek(parseInt(m[1],10));\n",
    " if(/[&]play/.test(location.hash))start();root.scrollIntoView();return true;}\n",
    "window.addEventListener('hashchange',fromHash);\n",
    "if(!fromHash())seek(D.start);\n",
    "})();\n",
    NULL,
};

/* A liquidations.csv number (checked by cas__read_liquidations) as JSON: null when empty. */
static cJSON *liq_number(const struct data *d, size_t r, const char *col)
{
    double v = cas__rows_num(&d->liq, r, col);
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* The player's data: the steps, and the liquidations they mention. Built as
 * JSON and written through cas__script_json, the page's one rule for what
 * goes inside a <script> element. 0 or CAS_ENOMEM. */
static int write_data(FILE *html, const struct data *d, long long start)
{
    cJSON *root = cJSON_CreateObject(), *steps = cJSON_AddArrayToObject(root, "steps");
    cJSON *liqs = cJSON_AddObjectToObject(root, "liqs"),
          *types = cJSON_AddObjectToObject(root, "types");
    bool ok = cJSON_AddStringToObject(root, "instrument", d->instrument) &&
              cJSON_AddNumberToObject(root, "start", (double)start) && steps && liqs && types;
    for (size_t k = 0; ok && k < d->n_steps; k++)
        ok = cJSON_AddItemReferenceToArray(steps, d->steps[k].json);
    for (size_t r = 0; ok && r < d->liq.n; r++) {
        long long step = cas__rows_int(&d->liq, r, "step");
        if (strcmp(cas__rows_get(&d->liq, r, "instrument"), d->instrument) != 0 ||
            d->n_steps == 0 || step < d->steps[0].step || step > d->steps[d->n_steps - 1].step)
            continue;
        cJSON *q = cJSON_AddObjectToObject(liqs, cas__rows_get(&d->liq, r, "id"));
        ok = q && cJSON_AddNumberToObject(q, "step", (double)step) &&
             cJSON_AddStringToObject(q, "account", cas__rows_get(&d->liq, r, "account")) &&
             cJSON_AddStringToObject(q, "side", cas__rows_get(&d->liq, r, "side")) &&
             cJSON_AddNumberToObject(q, "lots", cas__rows_num(&d->liq, r, "lots")) &&
             cJSON_AddItemToObject(q, "leverage", liq_number(d, r, "leverage")) &&
             cJSON_AddItemToObject(q, "mark", liq_number(d, r, "mark")) &&
             cJSON_AddItemToObject(q, "liq", liq_number(d, r, "liquidation_price")) &&
             cJSON_AddItemToObject(q, "vwap", liq_number(d, r, "fill_vwap")) &&
             cJSON_AddStringToObject(q, "trigger", cas__rows_get(&d->liq, r, "trigger")) &&
             cJSON_AddNumberToObject(q, "cascade", cas__rows_num(&d->liq, r, "cascade"));
    }
    for (size_t k = 0; ok && k < d->acc.n; k++)
        if (!cJSON_GetObjectItemCaseSensitive(types, cas__rows_get(&d->acc, k, "account")))
            ok = cJSON_AddStringToObject(types, cas__rows_get(&d->acc, k, "account"),
                                         cas__rows_get(&d->acc, k, "type"));
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root); /* the steps were references: they stay */
    if (!text)
        return cas__report_oom(d->err);
    fputs("<script type=\"application/json\" id=\"replay-data\">", html);
    cas__script_json(html, text);
    fputs("</script>\n", html);
    free(text);
    return 0;
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

int cas__report_cascades(FILE *html, const char *dir, struct cas_err *err)
{
    struct data d = {.dir = dir, .err = err};
    int rc = load(&d);
    if (rc) {
        release(&d);
        return rc;
    }
    fprintf(html, "<style>%s</style>\n", player_style);
    fputs("<section id=\"trees\"><h2>The largest cascades, as trees</h2>\n", html);
    if (d.n_top == 0)
        fputs("<p class=\"note\">No cascades: nobody was liquidated in this run.</p>\n", html);
    for (size_t k = 0; k < d.n_top; k++) {
        size_t c = d.top[k];
        fprintf(html, "<h3>Cascade %s: %s liquidation%s in %s generation%s on ",
                cas__rows_get(&d.cas, c, "id"), cas__rows_get(&d.cas, c, "liquidations"),
                strcmp(cas__rows_get(&d.cas, c, "liquidations"), "1") ? "s" : "",
                cas__rows_get(&d.cas, c, "generations"),
                strcmp(cas__rows_get(&d.cas, c, "generations"), "1") ? "s" : "");
        cas__html_text(html, cas__rows_get(&d.cas, c, "instrument"));
        fprintf(html, ", steps %s to %s</h3>\n", cas__rows_get(&d.cas, c, "start_step"),
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
    }
    fputs("</section>\n", html);
    if (d.n_steps > 0) {
        long long start =
            d.n_top ? cas__rows_int(&d.cas, d.top[0], "start_step") - 5 : d.steps[0].step;
        fputs("<section id=\"player\"><h2>Replay</h2>\n<div id=\"replay\" data-step=\"\">\n"
              "<div class=\"controls\"><button id=\"replay-play\" type=\"button\">\u25b6 play"
              "</button><button id=\"replay-prev\" type=\"button\">\u25c0 step</button>"
              "<button id=\"replay-next\" type=\"button\">step \u25b6</button>"
              "<input id=\"replay-scrub\" type=\"range\" min=\"0\" max=\"0\" value=\"0\"> "
              "<span id=\"replay-label\"></span><br>",
              html);
        for (size_t k = 0; k < d.n_top; k++) {
            size_t c = d.top[k];
            if (strcmp(cas__rows_get(&d.cas, c, "instrument"), d.instrument) == 0)
                fprintf(html,
                        "<button class=\"jump\" type=\"button\" data-to=\"%lld\">cascade "
                        "%s</button>",
                        cas__rows_int(&d.cas, c, "start_step") - 5, cas__rows_get(&d.cas, c, "id"));
        }
        fputs("</div>\n<svg id=\"replay-ladder\" viewBox=\"0 0 900 320\" "
              "xmlns=\"http://www.w3.org/2000/svg\"></svg>\n"
              "<div id=\"replay-narration\">The player needs JavaScript; the trees and figures "
              "above do not.</div>\n</div>\n",
              html);
        fputs("<p class=\"small\">The book's top ten levels on each side at the end of each "
              "step (bids green, asks red; the last trade in blue), the liquidation prices of "
              "this window's liquidations (red once triggered), and one line per event of the "
              "step. Add <code>#replay=STEP</code> to the page's address to open it at a step "
              "(<code>&amp;play</code> to start it). From replay.jsonl.</p>\n",
              html);
        if ((rc = write_data(html, &d, start))) {
            release(&d);
            return rc;
        }
        fputs("<script>\n", html);
        for (size_t k = 0; player_script[k]; k++)
            fputs(player_script[k], html);
        fputs("</script>\n</section>\n", html);
    } else if (d.n_top > 0) {
        fputs(d.have_replay
                  ? "<section id=\"player\"><h2>Replay</h2><p class=\"note\">No replay: "
                    "replay.jsonl holds no step of this page's instrument near its largest "
                    "cascades (record.replay chooses the steps).</p></section>\n"
                  : "<section id=\"player\"><h2>Replay</h2><p class=\"note\">No replay: this "
                    "run has no replay.jsonl (record.replay_window_steps is 0).</p></section>\n",
              html);
    }
    release(&d);
    return ferror(html) ? cas__report_err(err, CAS_EIO, NULL, 0, "cannot write the page: %s",
                                          strerror(errno))
                        : 0;
}
