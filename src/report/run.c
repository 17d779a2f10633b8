/* run: a run directory read for the page (cas_report_read) — timeseries.csv,
 * liquidations.csv, cascades.csv, liqmap.csv, timeseries-counterfactual.csv and
 * summary.json, each through a table of the columns it needs (csv.c) — and the
 * accessors of what was read that the figures, their captions and the page share.
 *
 * Bad input is found here, before anything is written: every number finite (or
 * empty where a column may be), steps in order, the instrument asked for present
 * (reportInt.h says what a report holds). An error fills the caller's struct
 * cas_err and returns its CAS_E* code; nothing is printed.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cascade/core.h"
#include "cascade/report.h"
#include "core/coreInt.h"
#include "report/csv.h"
#include "report/reportInt.h"

/* ---- the four tables ---- */

/* clang-format off */
/* A column of one of the row structs below, or a column only required. */
#define FIELD(type, name, kind, member) {name, CAS_CSV_##kind, offsetof(type, member)}
#define TEXT(name) {name, CAS_CSV_TEXT, 0}

/* Each reader is a table of the columns it needs and a function that takes
 * one line (cas__csv_each). */

#define TS(name, kind, member) FIELD(struct ts_row, name, kind, member)
static const struct cas_csv_field ts_fields[] = {
    TEXT("step"), TEXT("time_s"), TEXT("instrument"), TS("mid", NUM_OR_EMPTY, mid),
    TS("last", NUM, last), TS("low", NUM_OR_EMPTY, low), TS("mark", NUM, mark),
    TS("index", NUM_OR_EMPTY, index), TS("depth_1pct", NUM_OR_EMPTY, depth1),
    TS("depth_5pct", NUM_OR_EMPTY, depth5), TS("oi_long", NUM, oi_long),
    TS("funding_rate", NUM_OR_EMPTY, funding), TS("liquidated_notional", NUM, liq_notional),
    TS("insurance_fund", NUM, insurance)};
enum { T_STEP, T_TIME, T_INSTR };

static int ts_line(void *ctx, const struct csv *c, const int *idx)
{
    struct cas_report *r = ctx;
    const char *instr = c->field[idx[T_INSTR]];
    if (!r->instrument[0])
        snprintf(r->instrument, sizeof r->instrument, "%s", instr);
    long long step = 0;
    double time_s = 0;
    int rc;
    if ((rc = cas__csv_int(c, idx[T_STEP], "step", &step)) ||
        (rc = cas__csv_num(c, idx[T_TIME], "time_s", false, &time_s)))
        return rc;
    if (strcmp(instr, r->instrument) != 0)
        return 0;
    if (r->n_ts == 0 && time_s > 0) /* a row is at the end of its step */
        r->step_seconds = time_s / (double)(step + 1);
    if (r->n_ts && (double)step <= r->ts[r->n_ts - 1].step)
        return cas__csv_bad(c, "'step' %lld does not follow %.0f", step, r->ts[r->n_ts - 1].step);
    if (cas__grow((void **)&r->ts, &r->cap_ts, (uint32_t)r->n_ts + 1, sizeof *r->ts) < 0)
        return cas__report_oom(r->err);
    struct ts_row *t = &r->ts[r->n_ts];
    t->step = (double)step;
    if ((rc = cas__csv_read_fields(c, ts_fields, (int)N_OF(ts_fields), idx, t)) == 0)
        r->n_ts++;
    return rc;
}
/* clang-format on */

struct liq_line {
    long long step;
    double mark;
};
static const struct cas_csv_field liq_fields[] = {FIELD(struct liq_line, "step", INT, step),
                                                  TEXT("instrument"), TEXT("side"),
                                                  FIELD(struct liq_line, "mark", NUM, mark)};

static int liq_line(void *ctx, const struct csv *c, const int *idx)
{
    struct cas_report *r = ctx;
    struct liq_line l;
    const char *side = c->field[idx[2]];
    int rc = cas__csv_read_fields(c, liq_fields, (int)N_OF(liq_fields), idx, &l);
    if (rc)
        return rc;
    if (strcmp(side, "long") != 0 && strcmp(side, "short") != 0)
        return cas__csv_bad(c, "'side' must be long or short, not '%.20s'", side);
    for (size_t k = 0; k < r->n_insts; k++) /* every instrument's count, for the table */
        if (strcmp(r->insts[k].name, c->field[idx[1]]) == 0)
            r->insts[k].liquidations++;
    if (strcmp(c->field[idx[1]], r->instrument) != 0)
        return 0;
    if (cas__grow((void **)&r->liq, &r->cap_liq, (uint32_t)r->n_liq + 1, sizeof *r->liq) < 0)
        return cas__report_oom(r->err);
    r->liq[r->n_liq++] = (struct liq_row){(double)l.step, l.mark, side[0] == 'l'};
    return 0;
}

#define CR(name, kind, member) FIELD(struct cascade_row, name, kind, member)
/* clang-format off */
static const struct cas_csv_field cascade_fields[] = {
    CR("id", INT, id), TEXT("root_cause"), TEXT("instrument"), TEXT("side"),
    CR("episode", INT, episode), CR("start_step", INT, start), CR("end_step", INT, end),
    CR("finish_step", NUM_OR_EMPTY, finish), CR("generations", INT, generations),
    CR("liquidations", INT, liquidations), CR("notional", NUM, notional),
    CR("price_start", NUM, price_start), CR("price_extreme", NUM, price_extreme),
    CR("price_end", NUM, price_end), CR("move_bps", NUM, move_bps),
    CR("recovery_half_steps", NUM_OR_EMPTY, recovery), CR("extreme_step", INT, extreme_step)};
enum { C_ID, C_CAUSE, C_INSTR, C_SIDE };

static int cascade_line(void *ctx, const struct csv *c, const int *idx)
{
    struct cas_report *r = ctx;
    if (cas__grow((void **)&r->cas, &r->cap_cas, (uint32_t)r->n_cas + 1, sizeof *r->cas) < 0)
        return cas__report_oom(r->err);
    struct cascade_row *k = &r->cas[r->n_cas];
    int rc = cas__csv_read_fields(c, cascade_fields, (int)N_OF(cascade_fields), idx, k);
    if (rc)
        return rc;
    if (k->end < k->start)
        return cas__csv_bad(c, "'end_step' %lld is before 'start_step' %lld", k->end, k->start);
    if (isfinite(k->finish) &&
        (k->finish < (double)k->end || k->finish > 9e15 || k->finish != floor(k->finish)))
        return cas__csv_bad(c, "'finish_step' is not a step from 'end_step' %lld on", k->end);
    snprintf(k->root_cause, sizeof k->root_cause, "%s", c->field[idx[C_CAUSE]]);
    snprintf(k->instrument, sizeof k->instrument, "%s", c->field[idx[C_INSTR]]);
    snprintf(k->side, sizeof k->side, "%s", c->field[idx[C_SIDE]]);
    r->n_cas++;
    return 0;
}
/* clang-format on */

struct map_line {
    long long step;
    double lo, hi, l, s;
};
static const struct cas_csv_field map_fields[] = {FIELD(struct map_line, "step", INT, step),
                                                  TEXT("instrument"),
                                                  FIELD(struct map_line, "price_lo", NUM, lo),
                                                  FIELD(struct map_line, "price_hi", NUM, hi),
                                                  FIELD(struct map_line, "long_notional", NUM, l),
                                                  FIELD(struct map_line, "short_notional", NUM, s)};

static int map_line(void *ctx, const struct csv *c, const int *idx)
{
    struct cas_report *r = ctx;
    struct map_line m;
    int rc = cas__csv_read_fields(c, map_fields, (int)N_OF(map_fields), idx, &m);
    if (rc)
        return rc;
    if (m.hi <= m.lo)
        return cas__csv_bad(c, "'price_hi' is not above 'price_lo'");
    if (strcmp(c->field[idx[1]], r->instrument) != 0 || m.l + m.s <= 0)
        return 0;
    if (cas__grow((void **)&r->map, &r->cap_map, (uint32_t)r->n_map + 1, sizeof *r->map) < 0)
        return cas__report_oom(r->err);
    r->map[r->n_map++] = (struct map_row){(double)m.step, m.lo, m.hi, m.l + m.s};
    return 0;
}

/* Every instrument of timeseries.csv, with its prices over the run. */
struct price_line {
    double mid, last, low, high, index;
};
static const struct cas_csv_field price_fields[] = {
    TEXT("instrument"),
    FIELD(struct price_line, "mid", NUM_OR_EMPTY, mid),
    FIELD(struct price_line, "last", NUM, last),
    FIELD(struct price_line, "low", NUM_OR_EMPTY, low),
    FIELD(struct price_line, "high", NUM_OR_EMPTY, high),
    FIELD(struct price_line, "index", NUM_OR_EMPTY, index)};

static int price_line(void *ctx, const struct csv *c, const int *idx)
{
    struct cas_report *r = ctx;
    const char *name = c->field[idx[0]];
    struct price_line p;
    int rc = cas__csv_read_fields(c, price_fields, (int)N_OF(price_fields), idx, &p);
    if (rc)
        return rc;
    double price = isfinite(p.mid) ? p.mid : p.last;
    size_t k = 0;
    while (k < r->n_insts && strcmp(r->insts[k].name, name) != 0)
        k++;
    if (k == r->n_insts) {
        if (k == 64)
            return cas__csv_bad(c, "more than 64 instruments");
        struct inst_row *v = realloc(r->insts, (k + 1) * sizeof *v);
        if (!v)
            return cas__report_oom(r->err);
        r->insts = v;
        r->n_insts++;
        v[k] = (struct inst_row){
            .first = price, .low = INFINITY, .high = -INFINITY, .largest_move = NAN};
        snprintf(v[k].name, sizeof v[k].name, "%s", name);
    }
    struct inst_row *in = &r->insts[k];
    in->last = price;
    in->low = fmin(in->low, fmin(price, isfinite(p.low) ? p.low : price));
    in->high = fmax(in->high, fmax(price, isfinite(p.high) ? p.high : price));
    in->perpetual |= isfinite(p.index);
    return 0;
}

/* The counterfactual's price path (written by `cascade run --counterfactual`). */
struct cf_line {
    long long step;
    struct ts_row t;
};
static const struct cas_csv_field cf_fields[] = {
    FIELD(struct cf_line, "step", INT, step), TEXT("instrument"),
    FIELD(struct cf_line, "mid", NUM_OR_EMPTY, t.mid), FIELD(struct cf_line, "last", NUM, t.last),
    FIELD(struct cf_line, "low", NUM_OR_EMPTY, t.low)};

static int cf_line(void *ctx, const struct csv *c, const int *idx)
{
    struct cas_report *r = ctx;
    struct cf_line l = {0};
    int rc = cas__csv_read_fields(c, cf_fields, (int)N_OF(cf_fields), idx, &l);
    if (rc || strcmp(c->field[idx[1]], r->instrument) != 0)
        return rc;
    if (cas__grow((void **)&r->cf, &r->cap_cf, (uint32_t)r->n_cf + 1, sizeof *r->cf) < 0)
        return cas__report_oom(r->err);
    l.t.step = (double)l.step;
    r->cf[r->n_cf++] = l.t;
    return 0;
}

/* Read one file of the run directory through its table and line function;
 * an optional file (liqmap.csv, timeseries-counterfactual.csv) may be absent. */
#define READ(r, file, fields, line) \
    cas__csv_each((r)->rundir, file, fields, (int)N_OF(fields), line, r, (r)->err)

static int read_tables(struct cas_report *r)
{
    r->step_seconds = 1;
    int rc = READ(r, "timeseries.csv", ts_fields, ts_line);
    if (rc == 0)
        rc = READ(r, "liquidations.csv", liq_fields, liq_line);
    if (rc == 0 &&
        (rc = READ(r, "timeseries-counterfactual.csv", cf_fields, cf_line)) == CAS_ENOTFOUND)
        rc = 0;
    if (rc == 0) {
        rc = READ(r, "liqmap.csv", map_fields, map_line);
        r->have_liqmap = rc != CAS_ENOTFOUND;
        rc = rc == CAS_ENOTFOUND ? 0 : rc;
    }
    return rc;
}

/* What the page's instrument is chosen from: the cascades and every instrument. */
static int read_cascades_and_instruments(struct cas_report *r)
{
    int rc = READ(r, "cascades.csv", cascade_fields, cascade_line);
    if (rc == 0)
        rc = READ(r, "timeseries.csv", price_fields, price_line);
    return rc;
}

static int read_summary(struct cas_report *r)
{
    char *path = cas_path_join(r->rundir, "summary.json");
    if (!path)
        return cas__report_oom(r->err);
    char why[96], *text = NULL;
    int rc = cas_read_file(path, CAS_MAX_JSON_BYTES, &text, NULL, why, sizeof why);
    if (rc == CAS_EINVAL)
        cas__report_err(r->err, rc, path, 0, "cannot open: %s", why);
    else if (rc)
        cas__report_err(r->err, rc, path, 0, "cannot read: %s", why);
    else if (!cJSON_IsObject(r->sum = cJSON_Parse(text))) {
        const char *at = cJSON_GetErrorPtr();
        long line = 1;
        for (const char *q = text; q && at && q < at && *q; q++)
            line += *q == '\n';
        rc = cas__report_err(r->err, CAS_EINVAL, path, line, "not a JSON object");
    }
    free(text);
    free(path);
    return rc;
}

/* The book's opening from summary.json: its steps, and each instrument's price at its end
 * and extremes after it in place of those of timeseries.csv's rows (which sample the
 * opening with the steps after it). Runs that ended in the opening keep the rows'. */
static void after_opening(struct cas_report *r)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(r->sum, "opening");
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(o, "steps");
    r->opening = cJSON_IsNumber(steps) && steps->valuedouble > 0 ? steps->valuedouble : 0;
    const cJSON *e, *all = cJSON_GetObjectItemCaseSensitive(r->sum, "instruments");
    if (!cJSON_IsArray(all))
        return;
    cJSON_ArrayForEach(e, all)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "after_opening");
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(e, "min");
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(e, "max");
        if (!cJSON_IsString(name) || !cJSON_IsNumber(at) || !cJSON_IsNumber(lo) ||
            !cJSON_IsNumber(hi))
            continue;
        for (size_t k = 0; k < r->n_insts; k++)
            if (strcmp(r->insts[k].name, name->valuestring) == 0) {
                r->insts[k].first = at->valuedouble;
                r->insts[k].low = lo->valuedouble;
                r->insts[k].high = hi->valuedouble;
            }
    }
}

/* A key of summary.json (under `section` unless NULL) as text: a number
 * with 10 significant digits, a string as it is, null, true or false; ""
 * when absent. */
const char *cas__summary_value(const struct cas_report *r, const char *section, const char *key,
                               char *out, size_t n)
{
    out[0] = 0;
    const cJSON *o = section ? cJSON_GetObjectItemCaseSensitive(r->sum, section) : r->sum;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v))
        snprintf(out, n, "%.10g", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(out, n, "%s", v->valuestring);
    else if (cJSON_IsNull(v))
        snprintf(out, n, "null");
    else if (cJSON_IsBool(v))
        snprintf(out, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
    return out;
}

double cas__to_time(const struct cas_report *r, double step)
{
    return (step + 1) * r->step_seconds / r->unit_seconds;
}

double cas__row_price(const struct ts_row *t)
{
    return isfinite(t->mid) ? t->mid : t->last;
}

bool cas__any_finite(const struct cas_report *r, size_t offset)
{
    for (size_t i = 0; i < r->n_ts; i++)
        if (isfinite(*(const double *)((const char *)&r->ts[i] + offset)))
            return true;
    return false;
}

bool cas__any_nonzero(const struct cas_report *r, size_t offset)
{
    for (size_t i = 0; i < r->n_ts; i++) {
        double v = *(const double *)((const char *)&r->ts[i] + offset);
        if (isfinite(v) && v != 0)
            return true;
    }
    return false;
}

const struct inst_row *cas__page_instrument(const struct cas_report *r)
{
    for (size_t k = 0; k < r->n_insts; k++)
        if (strcmp(r->insts[k].name, r->instrument) == 0)
            return &r->insts[k];
    return NULL;
}

/* The time axis' unit: seconds for runs up to 3 minutes, minutes up to 3 hours, else hours. */
static void choose_unit(struct cas_report *r)
{
    double total = r->n_ts ? r->ts[r->n_ts - 1].step * r->step_seconds : 0;
    r->unit_seconds = total > 3 * 3600 ? 3600 : total > 180 ? 60 : 1;
    r->unit = total > 3 * 3600 ? "h" : total > 180 ? "min" : "s";
}

static int read_run(struct cas_report *r)
{
    struct stat st;
    if (stat(r->rundir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cas__report_err(r->err, CAS_EINVAL, NULL, 0, "'%s' is not a run directory (%s)",
                               r->rundir,
                               stat(r->rundir, &st) != 0 ? strerror(errno) : "not a directory");
    static const char *const required[] = {"timeseries.csv", "liquidations.csv", "cascades.csv",
                                           "summary.json"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        char *p = cas_path_join(r->rundir, required[i]);
        if (!p)
            return cas__report_oom(r->err);
        int e = stat(p, &st) == 0 ? 0 : errno;
        if (e == ENOENT) /* absent: not a run directory; else (a symlink loop...) say why */
            cas__report_err(r->err, CAS_EINVAL, NULL, 0,
                            "'%s' is not a run directory (no %s); 'cascade run' writes one",
                            r->rundir, required[i]);
        else if (e)
            cas__report_err(r->err, CAS_EINVAL, p, 0, "cannot open: %s", strerror(e));
        free(p);
        if (e)
            return CAS_EINVAL;
    }
    int rc;
    if ((rc = read_cascades_and_instruments(r)))
        return rc;
    if (r->want) {
        bool found = false;
        for (size_t k = 0; k < r->n_insts && !found; k++)
            found = strcmp(r->insts[k].name, r->want) == 0;
        if (!found) {
            char have[sizeof r->err->msg] = "";
            for (size_t k = 0, len = 0; k < r->n_insts && len < sizeof have; k++)
                len += (size_t)snprintf(have + len, sizeof have - len, "%s %s", k ? "," : "",
                                        r->insts[k].name);
            return cas__report_err(r->err, CAS_EINVAL, NULL, 0,
                                   "%s/timeseries.csv has no instrument '%s' (it has:%s)",
                                   r->rundir, r->want, have);
        }
        snprintf(r->instrument, sizeof r->instrument, "%s", r->want);
    } else if (r->n_cas) {
        /* the instrument of the largest cascade (most liquidations, then notional) */
        const struct cascade_row *best = &r->cas[0];
        for (size_t k = 1; k < r->n_cas; k++)
            if (r->cas[k].liquidations > best->liquidations ||
                (r->cas[k].liquidations == best->liquidations &&
                 r->cas[k].notional > best->notional))
                best = &r->cas[k];
        snprintf(r->instrument, sizeof r->instrument, "%s", best->instrument);
    }
    if ((rc = read_tables(r)) || (rc = read_summary(r)))
        return rc;
    after_opening(r);
    for (size_t k = 0; k < r->n_insts; k++)
        for (size_t c = 0; c < r->n_cas; c++)
            if (strcmp(r->cas[c].instrument, r->insts[k].name) == 0) {
                r->insts[k].cascades++;
                r->insts[k].largest_move = isnan(r->insts[k].largest_move)
                                               ? r->cas[c].move_bps
                                               : fmax(r->insts[k].largest_move, r->cas[c].move_bps);
            }
    choose_unit(r);
    return 0;
}

static void report_release(struct cas_report *r)
{
    free(r->ts);
    free(r->liq);
    free(r->cas);
    free(r->map);
    free(r->cf);
    free(r->insts);
    cJSON_Delete(r->sum);
}

/* ---- the module's entry points (include/cascade/report.h) ---- */

int cas_report_read(struct cas_report **out, const char *rundir, const char *instrument,
                    struct cas_err *err)
{
    struct cas_report *r = calloc(1, sizeof *r);
    if (!r)
        return cas__report_oom(err);
    r->rundir = rundir;
    r->want = instrument;
    r->err = err;
    int rc = read_run(r);
    r->err = NULL; /* the caller's, for this call only */
    if (rc) {
        report_release(r);
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void cas_report_free(struct cas_report *r)
{
    if (!r)
        return;
    report_release(r);
    free(r);
}

const char *cas_report_instrument(const struct cas_report *r)
{
    return r->instrument;
}

size_t cas_report_n_instruments(const struct cas_report *r)
{
    return r->n_insts;
}
