/* report: `cascade report` — a run directory in, one self-contained HTML page out.
 *
 * The page is for looking at a cascade: headline figures, eight figures drawn
 * by gnuplot (run as a child process, one script per figure, in a private
 * temporary directory) and inlined as SVG, a table of the largest cascades,
 * what each agent type did, the largest cascades as trees and a replay player
 * (cascade_page.c). It opens offline from the file: its one script is
 * inline, with its data; no external file, no network address. Figures come
 * from the run's CSVs and summary.json (parsed with cJSON). Bad input is found
 * before anything is written; the page is written to a temporary name beside
 * its destination and renamed into place, so it appears whole or not at all.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cascade/core.h"
#include "cascade/report.h"
#include "cascade/stats.h"
#include "core/coreInt.h"
#include "report/cascade_page.h"
#include "report/csv.h"
#include "report/reportInt.h"

#define MAX_LAG 50
#define TOP_CASCADES 10
#define HEAT_COLS 150
#define HEAT_ROWS 160

/* ---- the run's data (first instrument only, but for the cascade table) ---- */

struct ts_row {
    double step, last, low, mark, index, mid, liq_notional, depth1, depth5, oi_long, funding,
        insurance;
};

struct liq_row {
    double step, mark;
    bool is_long;
};

struct cascade_row {
    long long id, start, end, generations, liquidations;
    double finish; /* NaN while unfinished */
    char root_cause[48], instrument[64], side[8];
    double notional, price_start, price_extreme, price_end, move_bps, recovery;
    long long extreme_step;
};

#define FACTS_MAX 512

/* One instrument over the run, from timeseries.csv (prices in quote currency). */
struct inst_row {
    char name[64];
    double first, last, low, high; /* the price at the first and last rows; trade extremes */
    long long liquidations, cascades;
    double largest_move; /* bp, NaN without cascades */
    bool perpetual;      /* it has an index */
};

struct map_row {
    double step, lo, hi, notional;
};

struct cas_report {
    const char *rundir;
    char instrument[128];
    struct ts_row *ts;
    size_t n_ts;
    uint32_t cap_ts;
    struct liq_row *liq;
    size_t n_liq;
    uint32_t cap_liq;
    struct cascade_row *cas;
    size_t n_cas;
    uint32_t cap_cas;
    struct map_row *map;
    size_t n_map;
    uint32_t cap_map;
    struct ts_row *cf; /* timeseries-counterfactual.csv: step, mid, last, low */
    size_t n_cf;
    uint32_t cap_cf;
    bool have_liqmap;
    cJSON *sum;       /* summary.json */
    const char *want; /* --instrument, or NULL */
    char *facts;      /* the next caption's facts (data-facts), a buffer of FACTS_MAX */
    double *returns;  /* log returns between rows, while the figures are drawn */
    size_t n_returns;
    struct inst_row *insts; /* every instrument of timeseries.csv, in order */
    size_t n_insts;
    double step_seconds;  /* from timeseries.csv: time_s / step */
    double unit_seconds;  /* the time axis' unit, in seconds */
    const char *unit;     /* its name: "s", "min" or "h" */
    char tmpdir[4096];    /* gnuplot's working directory */
    int (*stopped)(void); /* cas_report_write's: a signal number when to stop, else 0 */
};

/* clang-format off */
static int out_of_memory(void)
{
    fputs("cascade: out of memory\n", stderr);
    return 1;
}

/* ---- the four tables ---- */

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
        return out_of_memory();
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
        return out_of_memory();
    r->liq[r->n_liq++] = (struct liq_row){(double)l.step, l.mark, side[0] == 'l'};
    return 0;
}

#define CR(name, kind, member) FIELD(struct cascade_row, name, kind, member)
/* clang-format off */
static const struct cas_csv_field cascade_fields[] = {
    CR("id", INT, id), TEXT("root_cause"), TEXT("instrument"), TEXT("side"),
    CR("start_step", INT, start), CR("end_step", INT, end),
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
        return out_of_memory();
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
        return out_of_memory();
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
            return out_of_memory();
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
        return out_of_memory();
    l.t.step = (double)l.step;
    r->cf[r->n_cf++] = l.t;
    return 0;
}

/* Read one file of the run directory through its table and line function;
 * an optional file (liqmap.csv, timeseries-counterfactual.csv) may be absent. */
#define READ(r, file, fields, line) \
    cas__csv_each((r)->rundir, file, fields, (int)N_OF(fields), line, r)

static int read_tables(struct cas_report *r)
{
    r->step_seconds = 1;
    int rc = READ(r, "timeseries.csv", ts_fields, ts_line);
    if (rc == 0)
        rc = READ(r, "liquidations.csv", liq_fields, liq_line);
    if (rc == 0 && (rc = READ(r, "timeseries-counterfactual.csv", cf_fields, cf_line)) == -1)
        rc = 0;
    if (rc == 0) {
        rc = READ(r, "liqmap.csv", map_fields, map_line);
        r->have_liqmap = rc != -1;
        rc = rc == -1 ? 0 : rc;
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
        return out_of_memory();
    char why[96], *text = NULL;
    int rc = cas_read_file(path, CAS_MAX_JSON_BYTES, &text, NULL, why, sizeof why);
    if (rc == CAS_EINVAL) {
        fprintf(stderr, "cascade: %s: cannot open: %s\n", path, why);
        rc = 2;
    } else if (rc) {
        fprintf(stderr, "cascade: %s: cannot read: %s\n", path, why);
        rc = 1;
    } else if (!cJSON_IsObject(r->sum = cJSON_Parse(text))) {
        const char *at = cJSON_GetErrorPtr();
        long line = 1;
        for (const char *q = text; q && at && q < at && *q; q++)
            line += *q == '\n';
        fprintf(stderr, "cascade: %s:%ld: not a JSON object\n", path, line);
        rc = 2;
    }
    free(text);
    free(path);
    return rc;
}

/* A key of summary.json (under `section` unless NULL) as text: a number
 * with 10 significant digits, a string as it is, null, true or false; ""
 * when absent. */
static const char *summary_value(const struct cas_report *r, const char *section, const char *key,
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

void cas__html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

void cas__script_json(FILE *f, const char *json)
{
    for (; *json; json++) {
        switch (*json) {
        case '<': fputs("\\u003c", f); break;
        case '>': fputs("\\u003e", f); break;
        case '&': fputs("\\u0026", f); break;
        default: fputc(*json, f);
        }
    }
}

/* A double-quoted gnuplot string holding s. */
static void gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A number for a data file: "NaN" (gnuplot leaves such a point out) when not finite. */
static void dat_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.10g", v);
    else
        fputs(" NaN", f);
}

/* v as an index below n (n > 0): floor(v), clamped to [0, n - 1]; NaN gives 0.
 * A double from the input converts to an integer only through here or after a
 * range check: out of range, the conversion's behaviour is undefined. */
static size_t index_below(double v, size_t n)
{
    if (!(v >= 0))
        return 0;
    return v >= (double)(n - 1) ? n - 1 : (size_t)v;
}

/* Events of step S and the row labelled S are drawn at the end of step S. */
static double to_time(const struct cas_report *r, double step)
{
    return (step + 1) * r->step_seconds / r->unit_seconds;
}

/* The price of a row: mid when both sides are quoted, else the last trade. */
static double row_price(const struct ts_row *t)
{
    return isfinite(t->mid) ? t->mid : t->last;
}

static bool any_finite(const struct cas_report *r, size_t offset)
{
    for (size_t i = 0; i < r->n_ts; i++)
        if (isfinite(*(const double *)((const char *)&r->ts[i] + offset)))
            return true;
    return false;
}

static bool any_nonzero(const struct cas_report *r, size_t offset)
{
    for (size_t i = 0; i < r->n_ts; i++) {
        double v = *(const double *)((const char *)&r->ts[i] + offset);
        if (isfinite(v) && v != 0)
            return true;
    }
    return false;
}

/* ---- gnuplot ---- */

static bool gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        char buf[4096];
        if (len > 0 && len < sizeof buf - 10) {
            snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len, path);
            struct stat st;
            if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
                return true;
        }
        path += len + (path[len] == ':');
    }
    return false;
}

static FILE *tmp_open(const struct cas_report *r, const char *name, const char *mode)
{
    char *p = cas_path_join(r->tmpdir, name);
    FILE *f = p ? fopen(p, mode) : NULL;
    free(p);
    return f;
}

/* Remove the temporary directory and every file in it (all ours). */
static void tmp_remove(struct cas_report *r)
{
    if (!r->tmpdir[0])
        return;
    cas__remove_flat(r->tmpdir);
    r->tmpdir[0] = 0;
}

/* Run `gnuplot NAME.gp` in the temporary directory, its output to NAME.log.
 * 0 ok; 1 failed (said, with gnuplot's first complaint). */
/* 1 after saying so when the caller asked the page to stop (a signal), else 0. */
static int stop_now(const struct cas_report *r)
{
    int signo = r->stopped ? r->stopped() : 0;
    if (signo)
        fprintf(stderr, "cascade: stopped by signal %d (%s); no page written\n", signo,
                strsignal(signo));
    return signo ? 1 : 0;
}

static int gnuplot_run(const struct cas_report *r, const char *name, const char *title)
{
    char script[64], log[64];
    if (stop_now(r))
        return 1;
    snprintf(script, sizeof script, "%s.gp", name);
    snprintf(log, sizeof log, "%s.log", name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "cascade: cannot start gnuplot: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        int fd;
        if (chdir(r->tmpdir) != 0 || (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "cascade: waiting for gnuplot: %s\n", strerror(errno));
            return 1;
        }
        if (r->stopped && r->stopped()) { /* end gnuplot, then say so */
            kill(pid, SIGTERM);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return stop_now(r);
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        fputs("cascade: report needs gnuplot (apt-get install gnuplot-nox)\n", stderr);
        return 1;
    }
    /* gnuplot's first non-blank line of complaint, for the one-line message. */
    char first[200] = "";
    FILE *f = tmp_open(r, log, "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            char *s = line + strspn(line, " \t^");
            if (*s) {
                snprintf(first, sizeof first, "%s", s);
                break;
            }
        }
        fclose(f);
    }
    if (WIFEXITED(status))
        fprintf(stderr, "cascade: gnuplot failed on the figure '%s' (exit status %d)%s%s\n", title,
                WEXITSTATUS(status), first[0] ? ": " : "", first);
    else
        fprintf(stderr, "cascade: gnuplot failed on the figure '%s' (killed by signal %d)\n", title,
                WTERMSIG(status));
    return 1;
}

/* Copy gnuplot's SVG into the page: without its XML declaration, with the
 * figure's title as its <title>, and every id (and reference to one) prefixed
 * with "figN-" so that eight inlined SVGs do not share ids. */
static int inline_svg(const struct cas_report *r, FILE *html, int num, const char *name,
                      const char *title)
{
    char file[64];
    snprintf(file, sizeof file, "%s.svg", name);
    FILE *f = tmp_open(r, file, "r");
    if (!f) {
        fprintf(stderr, "cascade: gnuplot wrote no figure '%s'\n", title);
        return 1;
    }
    char *svg = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&svg, &cap, 0, f);
    fclose(f);
    const char *p = len > 0 ? strstr(svg, "<svg") : NULL;
    if (!p) {
        free(svg);
        fprintf(stderr, "cascade: gnuplot wrote no SVG for the figure '%s'\n", title);
        return 1;
    }
    static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    char prefix[16];
    snprintf(prefix, sizeof prefix, "fig%d-", num);
    fputs("<svg class=\"fig\" role=\"img\" aria-label=\"", html);
    cas__html_text(html, title);
    fputc('"', html);
    p += 4;
    while (*p) {
        if (strncmp(p, "<title>Gnuplot</title>", 22) == 0) {
            fputs("<title>", html);
            cas__html_text(html, title);
            fputs("</title>", html);
            p += 22;
            continue;
        }
        bool matched = false;
        for (size_t k = 0; k < sizeof refs / sizeof *refs && !matched; k++) {
            size_t n = strlen(refs[k]);
            /* "id=" only as a whole attribute name; the references anywhere. */
            if (strncmp(p, refs[k], n) == 0 && (k > 1 || !isalnum((unsigned char)p[-1]))) {
                fwrite(p, 1, n, html);
                fputs(prefix, html);
                p += n;
                matched = true;
            }
        }
        if (!matched)
            fputc(*p++, html);
    }
    free(svg);
    return 0;
}

/* The common start of every figure's script. */
static FILE *script_begin(const struct cas_report *r, const char *name, const char *title)
{
    char file[64];
    snprintf(file, sizeof file, "%s.gp", name);
    FILE *gp = tmp_open(r, file, "w");
    if (!gp)
        return NULL;
    fprintf(gp,
            "set terminal svg size 900,360 dynamic enhanced font 'Arial,12'\n"
            "set output '%s.svg'\n"
            "set datafile missing 'NaN'\n"
            "set border lc rgb '#444444'\n"
            "set grid lc rgb '#dddddd' lt 1\n"
            "set key below horizontal\n"
            "set title ",
            name);
    gp_string(gp, title);
    fputs(" noenhanced font 'Arial,14'\n", gp);
    return gp;
}

/* Finish the script, run gnuplot and put the figure in the page with its caption. */
static int figure_end(const struct cas_report *r, FILE *gp, FILE *html, int num, const char *name,
                      const char *title, const char *caption, const char *note)
{
    if (fclose(gp) != 0) {
        fprintf(stderr, "cascade: cannot write gnuplot's script: %s\n", strerror(errno));
        return 1;
    }
    int rc = gnuplot_run(r, name, title);
    if (rc)
        return rc;
    fprintf(html, "<figure id=\"fig%d\">\n", num);
    if ((rc = inline_svg(r, html, num, name, title)))
        return rc;
    fputs("<figcaption", html);
    if (r->facts && r->facts[0]) {
        fputs(" data-facts=\"", html);
        cas__html_text(html, r->facts);
        fputc('"', html);
        r->facts[0] = 0;
    }
    fprintf(html, "><b>Figure %d.</b> ", num);
    cas__html_text(html, caption);
    if (note) {
        fputs(" <span class=\"note\">", html);
        cas__html_text(html, note);
        fputs("</span>", html);
    }
    fputs("</figcaption>\n</figure>\n", html);
    return 0;
}

/* figure_end with the caption that `caption` writes for the report. */
static int figure_done(const struct cas_report *r, FILE *gp, FILE *html, int num, const char *name,
                       const char *title,
                       void (*caption)(const struct cas_report *r, char *out, size_t n),
                       const char *note)
{
    char text[1024];
    caption(r, text, sizeof text);
    return figure_end(r, gp, html, num, name, title, text, note);
}

static void figure_skipped(FILE *html, int num, const char *title, const char *why)
{
    fprintf(html, "<figure id=\"fig%d\" class=\"skipped\"><p><b>Figure %d, ", num, num);
    cas__html_text(html, title);
    fputs(": skipped.</b> ", html);
    cas__html_text(html, why);
    fputs("</p></figure>\n", html);
}

static void time_axis(const struct cas_report *r, FILE *gp)
{
    fprintf(gp, "set xlabel 'time (%s)'\n", r->unit);
    if (r->n_ts)
        fprintf(gp, "set xrange [0:%.10g]\n", to_time(r, r->ts[r->n_ts - 1].step));
}

/* The price series used by figures 1 and 3: ts.dat, columns
 * time last mark index price liq_notional depth1 depth5 oi funding% insurance. */
static int write_ts_dat(const struct cas_report *r)
{
    FILE *f = tmp_open(r, "ts.dat", "w");
    if (!f)
        return 1;
    for (size_t i = 0; i < r->n_ts; i++) {
        const struct ts_row *t = &r->ts[i];
        dat_num(f, to_time(r, t->step));
        dat_num(f, t->last);
        dat_num(f, t->mark);
        dat_num(f, t->index);
        dat_num(f, row_price(t));
        dat_num(f, t->liq_notional);
        dat_num(f, t->depth1);
        dat_num(f, t->depth5);
        dat_num(f, t->oi_long);
        dat_num(f, t->funding * 100);
        dat_num(f, t->insurance);
        dat_num(f, t->low);
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        return 1;
    if (!r->n_cf)
        return 0;
    if (!(f = tmp_open(r, "cf.dat", "w")))
        return 1;
    for (size_t i = 0; i < r->n_cf; i++) {
        dat_num(f, to_time(r, r->cf[i].step));
        dat_num(f, row_price(&r->cf[i]));
        fputc('\n', f);
    }
    return fclose(f) != 0;
}

/* ---- the figures ---- */

static const struct inst_row *page_instrument(const struct cas_report *r)
{
    for (size_t k = 0; k < r->n_insts; k++)
        if (strcmp(r->insts[k].name, r->instrument) == 0)
            return &r->insts[k];
    return NULL;
}

/* ---- captions: every sentence computed from the run ---- */

__attribute__((format(printf, 2, 3))) static void fact(const struct cas_report *r, const char *fmt,
                                                       ...)
{
    if (!r->facts)
        return;
    size_t len = strlen(r->facts);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->facts + len, FACTS_MAX - len, fmt, ap);
    va_end(ap);
}

/* The first row at or after `step` (the last row if none). */
static const struct ts_row *row_at(const struct cas_report *r, double step)
{
    for (size_t i = 0; i < r->n_ts; i++)
        if (r->ts[i].step >= step)
            return &r->ts[i];
    return r->n_ts ? &r->ts[r->n_ts - 1] : NULL;
}

/* The page instrument's largest cascade (most liquidations, then notional). */
static const struct cascade_row *largest_here(const struct cas_report *r)
{
    const struct cascade_row *best = NULL;
    for (size_t k = 0; k < r->n_cas; k++) {
        const struct cascade_row *c = &r->cas[k];
        if (strcmp(c->instrument, r->instrument) != 0)
            continue;
        if (!best || c->liquidations > best->liquidations ||
            (c->liquidations == best->liquidations && c->notional > best->notional))
            best = c;
    }
    return best;
}

#define CAPTION_AFTER_S 1200.0 /* recovery is told this long after a cascade's extreme */

static void caption_prices(const struct cas_report *r, char *out, size_t n)
{
    const struct inst_row *in = page_instrument(r);
    const struct cascade_row *c = largest_here(r);
    if (!c) {
        snprintf(out, n,
                 "Nobody was liquidated on %s. Its price went from %.10g at the first "
                 "row to %.10g at the end, between %.10g and %.10g with trades inside "
                 "a step included.",
                 r->instrument, in ? in->first : NAN, in ? in->last : NAN, in ? in->low : NAN,
                 in ? in->high : NAN);
        fact(r, "liquidations=0;");
        return;
    }
    bool down = strcmp(c->side, "long") == 0;
    int len = snprintf(out, n,
                       "%zu liquidations on %s (dots, at the mark when triggered), in "
                       "cascades shaded from their first trigger to their last fill. "
                       "The largest, cascade %lld (%lld liquidations), took the price "
                       "from %.10g to %.10g (%.0f bp %s) in steps %lld to %.0f.",
                       r->n_liq, r->instrument, c->id, c->liquidations, c->price_start,
                       c->price_extreme, c->move_bps, down ? "down" : "up", c->start,
                       isfinite(c->finish) ? c->finish : r->ts[r->n_ts - 1].step);
    fact(r, "liquidations=%zu;cascade=%lld;move_bps=%.2f;", r->n_liq, c->id, c->move_bps);
    /* the extreme's step, from cascades.csv via the ts rows: the row of the extreme */
    double ext_step = (double)c->extreme_step;
    const struct ts_row *at = row_at(r, ext_step),
                        *later = row_at(r, ext_step + CAPTION_AFTER_S / r->step_seconds);
    if (!at || !later || later->step <= ext_step || c->move_bps <= 0 ||
        c->price_start == c->price_extreme)
        return;
    double p = row_price(later);
    double regained = (p - c->price_extreme) / (c->price_start - c->price_extreme) * 100;
    double minutes = (later->step - ext_step) * r->step_seconds / 60;
    len += snprintf(out + len, n - (size_t)len,
                    " %.0f minutes after the extreme the price "
                    "(%.10g) had regained %.0f%% of that move",
                    minutes, p, regained);
    fact(r, "after_step=%.0f;regained_pct=%.10g;", later->step, regained);
    if (isfinite(at->index) && isfinite(later->index)) {
        double moved = (later->index / at->index - 1) * 1e4;
        len += snprintf(out + len, n - (size_t)len, "; the index had moved %+.0f bp", moved);
        fact(r, "index_bps=%.10g;", moved);
    }
    snprintf(out + len, n - (size_t)len, ".");
}

static void caption_liquidated(const struct cas_report *r, char *out, size_t n)
{
    double total = 0, peak = 0, peak_step = 0;
    for (size_t i = 0; i < r->n_ts; i++) {
        total += r->ts[i].liq_notional;
        if (r->ts[i].liq_notional > peak) {
            peak = r->ts[i].liq_notional;
            peak_step = r->ts[i].step;
        }
    }
    if (total <= 0) {
        snprintf(out, n, "Nobody was liquidated on %s.", r->instrument);
        fact(r, "total=0;");
        return;
    }
    snprintf(out, n,
             "%.10g of notional was liquidated on %s in all; the busiest row (step "
             "%.0f) holds %.0f%% of it.",
             total, r->instrument, peak_step, peak / total * 100);
    fact(r, "total=%.2f;peak_step=%.0f;peak_pct=%.1f;", total, peak_step, peak / total * 100);
}

static double median_of(const struct cas_report *r, size_t offset)
{
    double *v = malloc((r->n_ts ? r->n_ts : 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < r->n_ts; i++) {
        double x = *(const double *)((const char *)&r->ts[i] + offset);
        if (isfinite(x)) {
            size_t j = n++;
            for (; j > 0 && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
    double m = n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : NAN;
    free(v);
    return m;
}

static void caption_depth(const struct cas_report *r, char *out, size_t n)
{
    double lo = INFINITY, lo_step = 0;
    for (size_t i = 0; i < r->n_ts; i++)
        if (isfinite(r->ts[i].depth1) && r->ts[i].depth1 < lo) {
            lo = r->ts[i].depth1;
            lo_step = r->ts[i].step;
        }
    double m1 = median_of(r, offsetof(struct ts_row, depth1)),
           m5 = median_of(r, offsetof(struct ts_row, depth5));
    snprintf(out, n,
             "Lots resting within ±1%% of the mid: %.10g at the median row, %.10g at "
             "the lowest (step %.0f); within ±5%%: %.10g at the median row. The "
             "thinner the book near the mid, the further each forced order moves the "
             "price.",
             m1, lo, lo_step, m5);
    fact(r, "depth1_median=%.10g;depth1_min=%.10g;depth1_min_step=%.0f;", m1, lo, lo_step);
}

/* clang-format off */
static void caption_oi(const struct cas_report *r, char *out, size_t n)
{
    bool funding = any_finite(r, offsetof(struct ts_row, funding));
    double first = r->ts[0].oi_long, last = r->ts[r->n_ts - 1].oi_long, lo = INFINITY,
           hi = -INFINITY, flo = INFINITY, fhi = -INFINITY;
    for (size_t i = 0; i < r->n_ts; i++) {
        lo = fmin(lo, r->ts[i].oi_long);
        hi = fmax(hi, r->ts[i].oi_long);
        if (isfinite(r->ts[i].funding)) {
            flo = fmin(flo, r->ts[i].funding);
            fhi = fmax(fhi, r->ts[i].funding);
        }
    }
    int len = snprintf(out, n, "Open interest went from %.10g lots at the first row to %.10g "
                               "at the end (%s), between %.10g and %.10g.",
                       first, last, last > first ? "up" : last < first ? "down" : "unchanged",
                       lo, hi);
    fact(r, "oi_first=%.10g;oi_last=%.10g;", first, last);
    if (funding)
        snprintf(out + len, n - (size_t)len, " The predicted funding rate ranged from %.4f%% "
                                             "to %.4f%% per interval.",
                 flo * 100, fhi * 100);
}
/* clang-format on */

static void caption_fund(const struct cas_report *r, char *out, size_t n)
{
    double first = r->ts[0].insurance, last = r->ts[r->n_ts - 1].insurance, lo = INFINITY,
           lo_step = 0;
    for (size_t i = 0; i < r->n_ts; i++)
        if (r->ts[i].insurance < lo) {
            lo = r->ts[i].insurance;
            lo_step = r->ts[i].step;
        }
    snprintf(out, n,
             "The venue's insurance fund went from %.10g at the first row to %.10g at "
             "the end, its lowest %.10g (step %.0f). It pays when a liquidation fills "
             "beyond the bankruptcy price and gains when one fills better.",
             first, last, lo, lo_step);
    fact(r, "fund_first=%.10g;fund_last=%.10g;", first, last);
}

static int fig_prices(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 1: prices, liquidations and cascades";
    if (!r->n_ts) {
        figure_skipped(html, 1, "prices", "timeseries.csv has no rows for the first instrument.");
        return 0;
    }
    FILE *f = tmp_open(r, "liq.dat", "w");
    if (!f)
        return 1;
    for (size_t i = 0; i < r->n_liq; i++) {
        dat_num(f, to_time(r, r->liq[i].step));
        dat_num(f, r->liq[i].mark);
        fprintf(f, " %d\n", r->liq[i].is_long);
    }
    if (fclose(f) != 0)
        return 1;
    FILE *gp = script_begin(r, "fig1", title);
    if (!gp)
        return 1;
    time_axis(r, gp);
    fputs("set ylabel 'price (quote currency)'\n", gp);
    /* Cascades on this instrument, shaded: at least 0.4% of the axis wide to be
     * seen, overlapping ones merged. They are in order of their roots. */
    double span = to_time(r, r->ts[r->n_ts - 1].step), min_w = span * 0.004;
    double lo = NAN, hi = NAN;
    size_t n_cas = 0;
    for (size_t i = 0; i <= r->n_cas; i++) {
        double a = NAN, b = NAN;
        if (i < r->n_cas) {
            const struct cascade_row *k = &r->cas[i];
            if (strcmp(k->instrument, r->instrument) != 0)
                continue;
            n_cas++;
            a = to_time(r, (double)k->start - 1);
            b = to_time(r, isfinite(k->finish) ? k->finish : r->ts[r->n_ts - 1].step);
            if (b - a < min_w) {
                a = (a + b - min_w) / 2;
                b = a + min_w;
            }
            if (isfinite(lo) && a <= hi) {
                hi = fmax(hi, b);
                continue;
            }
        }
        if (isfinite(lo))
            fprintf(gp,
                    "set object rect from %.10g, graph 0 to %.10g, graph 1 behind "
                    "fc rgb '#f4b6b6' fs solid 0.45 noborder\n",
                    lo, hi);
        lo = a;
        hi = b;
    }
    bool index = any_finite(r, offsetof(struct ts_row, index));
    fputs("plot 'ts.dat' using 1:2 with lines lw 1 lc rgb '#999999' title 'last trade', \\\n"
          "     '' using 1:3 with lines lw 2 lc rgb '#1f5fa8' title 'mark', \\\n",
          gp);
    fputs("     '' using 1:12 with lines lw 1 lc rgb '#b0b0b0' dt 3 "
          "title 'lowest trade since the previous row', \\\n",
          gp);
    if (index)
        fputs("     '' using 1:4 with lines lw 2 lc rgb '#2ca02c' dt 2 title 'index', \\\n", gp);
    if (r->n_cf)
        fputs("     'cf.dat' using 1:2 with lines lw 2 lc rgb '#9467bd' "
              "title 'price without liquidations (counterfactual)', \\\n",
              gp);
    if (n_cas)
        fputs("     NaN with boxes fs solid 0.45 lc rgb '#f4b6b6' title 'cascade', \\\n", gp);
    if (r->n_liq)
        fputs("     'liq.dat' using 1:($3 == 1 ? $2 : NaN) with points pt 7 ps 0.7 "
              "lc rgb '#d62728' title 'long liquidated (at mark)', \\\n"
              "     'liq.dat' using 1:($3 == 0 ? $2 : NaN) with points pt 9 ps 0.8 "
              "lc rgb '#ff7f0e' title 'short liquidated (at mark)', \\\n",
              gp);
    fputs("     NaN notitle\n", gp);
    return figure_done(r, gp, html, 1, "fig1", title, caption_prices,
                       index ? NULL : "No index line: the instrument has no index (spot).");
}

static int fig_liquidated(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 2: liquidated notional";
    bool spot = !any_finite(r, offsetof(struct ts_row, index));
    if (!r->n_ts || (spot && !any_nonzero(r, offsetof(struct ts_row, liq_notional)))) {
        figure_skipped(html, 2, "liquidated notional",
                       r->n_ts ? "A spot instrument: nothing is leveraged, nobody liquidated."
                               : "timeseries.csv has no rows.");
        return 0;
    }
    FILE *gp = script_begin(r, "fig2", title);
    if (!gp)
        return 1;
    time_axis(r, gp);
    double every = r->n_ts > 1 ? (r->ts[1].step - r->ts[0].step) * r->step_seconds : 0;
    fprintf(gp,
            "set ylabel 'notional per %.10g s (quote currency)'\n"
            "set yrange [0:*]\n"
            "plot 'ts.dat' using 1:6 with impulses lw 2 lc rgb '#d62728' "
            "title 'liquidated notional, at the mark when triggered'\n",
            every);
    return figure_done(r, gp, html, 2, "fig2", title, caption_liquidated, NULL);
}

/* The liquidation map, averaged into a grid of at most HEAT_COLS publication
 * columns by HEAT_ROWS price rows so that the SVG stays small for long runs. */
static int fig_heatmap(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 3: liquidation levels (the venue's liquidation map)";
    if (!r->have_liqmap || !r->n_map || !r->n_ts) {
        figure_skipped(html, 3, "liquidation levels",
                       !r->have_liqmap ? "liqmap.csv is absent (record.liqmap was off)."
                                       : "liqmap.csv has no rows for the first instrument "
                                         "(it is published only for perpetuals).");
        return 0;
    }
    /* Publications: their steps in order, and the interval between them. */
    double interval = 0, plo = INFINITY, phi = -INFINITY, width = INFINITY;
    size_t n_pub = 0;
    for (size_t i = 0; i < r->n_map; i++) {
        const struct map_row *m = &r->map[i];
        if (i == 0 || m->step != r->map[i - 1].step) {
            n_pub++;
            if (i > 0 && (interval == 0 || m->step - r->map[i - 1].step < interval))
                interval = m->step - r->map[i - 1].step;
        }
        plo = fmin(plo, m->lo);
        phi = fmax(phi, m->hi);
        width = fmin(width, m->hi - m->lo);
    }
    if (interval <= 0)
        interval = 60;
    double ylo = plo, yhi = phi; /* the price must show too */
    for (size_t i = 0; i < r->n_ts; i++) {
        ylo = fmin(ylo, row_price(&r->ts[i]));
        yhi = fmax(yhi, row_price(&r->ts[i]));
    }
    size_t cols = n_pub < HEAT_COLS ? n_pub : HEAT_COLS;
    size_t rows = index_below(ceil((phi - plo) / width), HEAT_ROWS + 1);
    rows = rows < 16 ? 16 : rows;
    double *cell = calloc(cols * rows, sizeof *cell);
    size_t *pubs = calloc(cols, sizeof *pubs);
    if (!cell || !pubs) {
        free(cell);
        free(pubs);
        return out_of_memory();
    }
    double t0 = r->map[0].step, t1 = r->map[r->n_map - 1].step + interval;
    double row_h = (phi - plo) / (double)rows, col_w = (t1 - t0) / (double)cols;
    for (size_t i = 0; i < r->n_map; i++) {
        const struct map_row *m = &r->map[i];
        size_t c = index_below((m->step - t0) / col_w, cols);
        size_t k = index_below(((m->lo + m->hi) / 2 - plo) / row_h, rows);
        cell[c * rows + k] += m->notional;
        if (i == 0 || m->step != r->map[i - 1].step)
            pubs[c]++;
    }
    FILE *f = tmp_open(r, "heat.dat", "w");
    int rc = 1;
    double vmin = INFINITY, vmax = 0;
    if (!f)
        goto out;
    for (size_t c = 0; c < cols; c++)
        for (size_t k = 0; k < rows; k++)
            if (cell[c * rows + k] > 0 && pubs[c]) {
                vmin = fmin(vmin, cell[c * rows + k] / (double)pubs[c]);
                vmax = fmax(vmax, cell[c * rows + k] / (double)pubs[c]);
            }
    for (size_t c = 0; c < cols; c++)
        for (size_t k = 0; k < rows; k++)
            if (cell[c * rows + k] > 0 && pubs[c])
                fprintf(f, "%.10g %.10g %.10g %.10g %.10g\n",
                        to_time(r, t0 + ((double)c + 0.5) * col_w), plo + ((double)k + 0.5) * row_h,
                        to_time(r, col_w / 2), row_h / 2, cell[c * rows + k] / (double)pubs[c]);
    if (fclose(f) != 0)
        goto out;
    FILE *gp = script_begin(r, "fig3", title);
    if (!gp)
        goto out;
    time_axis(r, gp);
    /* Colour ticks at 1, 2 and 5 times powers of ten: a log axis over less
     * than a decade would otherwise get one tick or none. */
    fputs("set cbtics (", gp);
    const char *sep = "";
    for (double dec = pow(10, floor(log10(vmin))); dec <= vmax; dec *= 10)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
            if (m * dec >= vmin && m * dec <= vmax) {
                fprintf(gp, "%s%.10g", sep, m * dec);
                sep = ", ";
            }
    if (!sep[0]) /* none of them in range: the ends */
        fprintf(gp, "%.3g, %.3g", vmin, vmax);
    fprintf(gp, ")\nset cbrange [%.10g:%.10g]\n", vmin, vmax * 1.0001);
    fprintf(gp,
            "set ylabel 'liquidation price (quote currency)'\n"
            "set cblabel 'notional liquidated there (quote currency)'\n"
            "set logscale cb\n"
            "set format cb '%%.0s%%c'\n"
            "set palette defined (0 '#fff7bc', 1 '#fec44f', 2 '#ec7014', 3 '#993404', "
            "4 '#3b0f02')\n"
            "set yrange [%.10g:%.10g]\n"
            "plot 'heat.dat' using 1:2:3:4:5 with boxxyerror fs solid 1.0 noborder "
            "fc palette notitle, \\\n"
            "     'ts.dat' using 1:5 with lines lw 2 lc rgb '#1f5fa8' title 'price'\n",
            ylo - (yhi - ylo) * 0.02, yhi + (yhi - ylo) * 0.02);
    char note[160];
    snprintf(note, sizeof note,
             "Each column averages %s of the venue's publications "
             "(one every %.10g steps).",
             n_pub > cols ? "several" : "one", interval);
    rc = figure_end(r, gp, html, 3, "fig3", title,
                    "Colour: the notional of open positions whose liquidation price lies in each "
                    "price bin, at each publication of the venue's liquidation map (log scale); "
                    "the line: the price. Dark bands are prices at which many positions would "
                    "be liquidated, were the mark to reach them.",
                    note);
out:
    free(cell);
    free(pubs);
    return rc;
}

static int fig_depth(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 4: depth of the book near the mid";
    if (!any_finite(r, offsetof(struct ts_row, depth1)) &&
        !any_finite(r, offsetof(struct ts_row, depth5))) {
        figure_skipped(html, 4, "depth",
                       "depth_1pct and depth_5pct are empty in every row "
                       "(the book never had both sides quoted).");
        return 0;
    }
    FILE *gp = script_begin(r, "fig4", title);
    if (!gp)
        return 1;
    time_axis(r, gp);
    fputs("set ylabel 'resting (lots, both sides)'\n"
          "set yrange [0:*]\n"
          "plot 'ts.dat' using 1:8 with lines lw 2 lc rgb '#9ecae1' "
          "title 'within ±5% of the mid', \\\n"
          "     '' using 1:7 with lines lw 2 lc rgb '#08519c' title 'within ±1% of the mid'\n",
          gp);
    return figure_done(r, gp, html, 4, "fig4", title, caption_depth, NULL);
}

static int fig_oi_funding(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 5: open interest and funding rate";
    bool funding = any_finite(r, offsetof(struct ts_row, funding));
    bool spot = !any_finite(r, offsetof(struct ts_row, index));
    if (!r->n_ts || (spot && !funding)) {
        figure_skipped(html, 5, "open interest and funding",
                       "A spot instrument: no perpetual, so no open interest and no funding.");
        return 0;
    }
    FILE *gp = script_begin(r, "fig5", title);
    if (!gp)
        return 1;
    time_axis(r, gp);
    fputs("set ylabel 'open interest (lots, long)'\n"
          "set yrange [0:*]\n",
          gp);
    if (funding)
        fputs("set y2label 'funding rate (% per interval)'\n"
              "set y2tics\nset ytics nomirror\n"
              "plot 'ts.dat' using 1:9 with lines lw 2 lc rgb '#1f5fa8' "
              "title 'open interest (left)', \\\n"
              "     '' using 1:10 axes x1y2 with lines lw 1.5 lc rgb '#e6550d' "
              "title 'predicted funding rate (right)'\n",
              gp);
    else
        fputs("plot 'ts.dat' using 1:9 with lines lw 2 lc rgb '#1f5fa8' "
              "title 'open interest'\n",
              gp);
    return figure_done(r, gp, html, 5, "fig5", title, caption_oi,
                       funding ? NULL : "No funding line: funding_rate is empty in every row.");
}

static int fig_insurance(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 6: the insurance fund";
    if (!r->n_ts || !any_nonzero(r, offsetof(struct ts_row, insurance))) {
        figure_skipped(html, 6, "the insurance fund",
                       "The insurance fund is zero throughout (a spot-only run, or a venue "
                       "without one).");
        return 0;
    }
    FILE *gp = script_begin(r, "fig6", title);
    if (!gp)
        return 1;
    time_axis(r, gp);
    fputs("set ylabel 'balance (quote currency)'\n"
          "set format y '%.0f'\n"
          "set offsets 0, 0, graph 0.08, graph 0.08\n"
          "plot 'ts.dat' using 1:11 with steps lw 2 lc rgb '#756bb1' "
          "title 'insurance fund'\n",
          gp);
    return figure_done(r, gp, html, 6, "fig6", title, caption_fund, NULL);
}

/* Log returns of the price between consecutive rows, in bp; *n of them. */
static double *log_returns(const struct cas_report *r, size_t *n)
{
    double *x = malloc((r->n_ts ? r->n_ts : 1) * sizeof *x);
    *n = 0;
    if (!x)
        return NULL;
    for (size_t i = 1; i < r->n_ts; i++) {
        double a = row_price(&r->ts[i - 1]), b = row_price(&r->ts[i]);
        if (a > 0 && b > 0)
            x[(*n)++] = 1e4 * log(b / a);
    }
    return x;
}

static int fig_returns(const struct cas_report *r, FILE *html)
{
    const double *x = r->returns;
    size_t n = r->n_returns;
    const char *title = "Figure 7: distribution of returns against a normal";
    double mean = cas_stats_mean(x, n), var = cas_stats_variance(x, n);
    if (n < 10 || !(var > 0)) {
        figure_skipped(html, 7, "distribution of returns",
                       "Too few returns, or none varied, to draw their distribution.");
        return 0;
    }
    double sd = sqrt(var), lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    size_t bins = (size_t)sqrt((double)n) * 2;
    bins = bins < 20 ? 20 : bins > 120 ? 120 : bins;
    double w = (hi - lo) / (double)bins;
    size_t *count = calloc(bins, sizeof *count);
    if (!count)
        return out_of_memory();
    for (size_t i = 0; i < n; i++) {
        count[index_below((x[i] - lo) / w, bins)]++;
    }
    FILE *f = tmp_open(r, "hist.dat", "w");
    if (!f) {
        free(count);
        return 1;
    }
    for (size_t b = 0; b < bins; b++)
        if (count[b])
            fprintf(f, "%.10g %.10g\n", lo + ((double)b + 0.5) * w,
                    (double)count[b] / ((double)n * w));
    free(count);
    if (fclose(f) != 0)
        return 1;
    double floor_density = 0.5 / ((double)n * w);
    double every = r->n_ts > 1 ? (r->ts[1].step - r->ts[0].step) * r->step_seconds : 0;
    FILE *gp = script_begin(r, "fig7", title);
    if (!gp)
        return 1;
    fprintf(gp,
            "set xlabel 'log return over %.10g s (bp)'\n"
            "set ylabel 'density (per bp, log scale)'\n"
            "set logscale y\n"
            "set format y '10^{%%L}'\n"
            "set xrange [%.10g:%.10g]\n"
            "set yrange [%.10g:*]\n"
            "set samples 1000\n"
            "m = %.10g\ns = %.10g\n"
            "normal(x) = exp(-0.5 * ((x - m) / s)**2) / (s * sqrt(2 * pi))\n"
            "plot 'hist.dat' using 1:2:(%.10g) with boxes fs solid 0.5 lc rgb '#1f5fa8' "
            "title 'returns (%zu)', \\\n"
            "     normal(x) with lines lw 2 lc rgb '#d62728' "
            "title sprintf('normal, same mean and sd (%%.3g bp)', s)\n",
            every, lo - w, hi + w, floor_density, mean, sd, w, n);
    double k = cas_stats_excess_kurtosis(x, n);
    char caption[600];
    snprintf(caption, sizeof caption,
             "%zu log returns of the price between rows; excess kurtosis %.3g, %s On the log "
             "scale the normal density is a parabola: returns beyond it are moves a normal "
             "distribution makes rare.",
             n, k,
             k > 1    ? "heavier tails than a normal distribution's (0 for a normal)."
             : k < -1 ? "thinner tails than a normal distribution's (0 for a normal)."
                      : "tails close to a normal distribution's (0 for a normal).");
    fact(r, "returns=%zu;excess_kurtosis=%.6g;tails=%s;", n, k,
         k > 1    ? "heavy"
         : k < -1 ? "thin"
                  : "normal");
    return figure_end(r, gp, html, 7, "fig7", title, caption, NULL);
}

static int fig_acf(const struct cas_report *r, FILE *html)
{
    const double *x = r->returns;
    size_t n = r->n_returns;
    const char *title = "Figure 8: autocorrelation of returns and of absolute returns";
    size_t max_lag = n > MAX_LAG + 2 ? MAX_LAG : n > 3 ? n - 2 : 0;
    FILE *f = max_lag ? tmp_open(r, "acf.dat", "w") : NULL;
    bool any = false;
    if (f) {
        for (size_t lag = 1; lag <= max_lag; lag++) {
            double a = cas_stats_acf(x, n, lag), b = cas_stats_acf_abs(x, n, lag);
            any = any || isfinite(a) || isfinite(b);
            fprintf(f, "%zu", lag);
            dat_num(f, a);
            dat_num(f, b);
            fputc('\n', f);
        }
        if (fclose(f) != 0)
            return 1;
    } else if (max_lag) {
        return 1;
    }
    if (!any) {
        figure_skipped(html, 8, "autocorrelations",
                       "Too few returns, or none varied, for their autocorrelations.");
        return 0;
    }
    double every = r->n_ts > 1 ? (r->ts[1].step - r->ts[0].step) * r->step_seconds : 0;
    FILE *gp = script_begin(r, "fig8", title);
    if (!gp)
        return 1;
    fprintf(gp,
            "set xlabel 'lag (returns of %.10g s)'\n"
            "set ylabel 'autocorrelation'\n"
            "set xrange [0:%zu]\n"
            "band = %.10g\n"
            "set arrow from 0, band to %zu, band nohead dt 2 lc rgb '#888888'\n"
            "set arrow from 0, -band to %zu, -band nohead dt 2 lc rgb '#888888'\n"
            "set arrow from 0, 0 to %zu, 0 nohead lc rgb '#444444'\n"
            "plot 'acf.dat' using ($1 - 0.15):2 with impulses lw 3 lc rgb '#1f5fa8' "
            "title 'returns', \\\n"
            "     '' using ($1 + 0.15):3 with impulses lw 3 lc rgb '#e6550d' "
            "title '|returns|', \\\n"
            "     NaN with lines dt 2 lc rgb '#888888' title '±1.96/√n (no correlation)'\n",
            every, max_lag + 1, 1.96 / sqrt((double)n), max_lag + 1, max_lag + 1, max_lag + 1);
    double band = 1.96 / sqrt((double)n);
    size_t out_r = 0, out_a = 0;
    for (size_t lag = 1; lag <= max_lag; lag++) {
        out_r += fabs(cas_stats_acf(x, n, lag)) > band;
        out_a += cas_stats_acf_abs(x, n, lag) > band;
    }
    char caption[600];
    snprintf(caption, sizeof caption,
             "Of lags 1 to %zu, %zu autocorrelations of returns and %zu of absolute returns lie "
             "outside the ±1.96/√n band (by chance about 1 in 20 would). %s",
             max_lag, out_r, out_a,
             out_a >= max_lag / 4
                 ? "Absolute returns stay correlated over many lags: calm follows calm and "
                   "turmoil follows turmoil (volatility clustering)."
                 : "Absolute returns do not stay correlated over many lags: no clear volatility "
                   "clustering at this sampling interval.");
    fact(r, "lags=%zu;outside_r=%zu;outside_abs=%zu;clustering=%s;", max_lag, out_r, out_a,
         out_a >= max_lag / 4 ? "yes" : "no");
    return figure_end(r, gp, html, 8, "fig8", title, caption, NULL);
}

/* ---- the tables ---- */

/* A number with `decimals` decimals (significant digits when negative) and
 * its integer part grouped by commas; anything else as it is. */
static void format_value(char *out, size_t n, const char *value, int decimals)
{
    char *end;
    double v = strtod(value, &end);
    if (!value[0] || strcmp(value, "null") == 0) {
        snprintf(out, n, "none");
        return;
    }
    if (*end || !isfinite(v)) {
        snprintf(out, n, "%s", value);
        return;
    }
    char num[64];
    if (decimals < 0) {
        snprintf(out, n, "%.*g", -decimals, v);
        return;
    }
    snprintf(num, sizeof num, "%.*f", decimals, v);
    const char *digits = num + (num[0] == '-');
    size_t int_len = strcspn(digits, "."), o = 0;
    if (num[0] == '-' && o + 1 < n)
        out[o++] = '-';
    for (size_t i = 0; digits[i] && o + 1 < n; i++) {
        if (i > 0 && i < int_len && (int_len - i) % 3 == 0 && o + 2 < n)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = 0;
}

static int by_size(const void *a, const void *b)
{
    const struct cascade_row *x = a, *y = b;
    if (x->liquidations != y->liquidations)
        return x->liquidations > y->liquidations ? -1 : 1;
    if (x->notional != y->notional)
        return x->notional > y->notional ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cascade_table(const struct cas_report *r, FILE *html)
{
    fprintf(html, "<section><h2>The %d largest cascades</h2>\n", TOP_CASCADES);
    if (!r->n_cas) {
        fputs("<p class=\"note\">No cascades: nobody was liquidated in this run.</p></section>\n",
              html);
        return 0;
    }
    struct cascade_row *k = malloc(r->n_cas * sizeof *k);
    if (!k)
        return out_of_memory();
    memcpy(k, r->cas, r->n_cas * sizeof *k);
    qsort(k, r->n_cas, sizeof *k, by_size);
    fputs("<table class=\"cascades\">\n<thead><tr><th>#</th><th>id</th><th>root cause</th>"
          "<th>instrument</th><th>side</th><th>steps</th><th>generations</th>"
          "<th>liquidations</th><th>notional</th><th>price: start → extreme</th>"
          "<th>move (bp)</th><th>½ recovered (steps)</th></tr></thead>\n<tbody>\n",
          html);
    size_t n = r->n_cas < TOP_CASCADES ? r->n_cas : TOP_CASCADES;
    for (size_t i = 0; i < n; i++) {
        fprintf(html, "<tr><td>%zu</td><td>%lld</td><td>", i + 1, k[i].id);
        cas__html_text(html, k[i].root_cause);
        fputs("</td><td>", html);
        cas__html_text(html, k[i].instrument);
        fputs("</td><td>", html);
        cas__html_text(html, k[i].side);
        char notional[64], num[64];
        snprintf(num, sizeof num, "%.2f", k[i].notional);
        format_value(notional, sizeof notional, num, 0);
        if (!isfinite(k[i].finish))
            fprintf(html, "</td><td>%lld–end (unfinished)", k[i].start);
        else if ((double)k[i].start == k[i].finish)
            fprintf(html, "</td><td>%lld", k[i].start);
        else
            fprintf(html, "</td><td>%lld–%.0f", k[i].start, k[i].finish);
        fprintf(html,
                "</td><td>%lld</td><td>%lld</td><td>%s</td><td>%.10g → %.10g</td>"
                "<td>%.2f</td><td>",
                k[i].generations, k[i].liquidations, notional, k[i].price_start, k[i].price_extreme,
                k[i].move_bps);
        if (isfinite(k[i].recovery))
            fprintf(html, "%.0f", k[i].recovery);
        else
            fputs("never", html);
        fputs("</td></tr>\n", html);
    }
    fprintf(html,
            "</tbody>\n</table>\n<p class=\"small\">By liquidations (then notional), from "
            "cascades.csv: %zu cascade%s in all. A cascade is a causal tree of "
            "liquidations: each member's trigger was its parent's orders, or its parent's "
            "orders carried to the index's spot books by arbitrage.</p>"
            "</section>\n",
            r->n_cas, r->n_cas == 1 ? "" : "s");
    free(k);
    return 0;
}

/* ---- the page ---- */

static const char page_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "color:#222;background:#fff;max-width:960px;margin:0 auto;padding:1em 1.5em;"
    "line-height:1.4}\n"
    "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .5em;"
    "border-bottom:1px solid #ddd}\n"
    "figure{margin:1.2em 0}svg.fig{width:100%;height:auto;display:block}\n"
    "figcaption{font-size:.92em;color:#333;margin-top:.2em}\n"
    "figure.skipped{border:1px dashed #bbb;padding:.4em .8em;color:#555;background:#fafafa}\n"
    ".note{color:#8a4b00}.small{font-size:.85em;color:#555}\n"
    "table{border-collapse:collapse;font-size:.9em}td,th{padding:.2em .6em;"
    "border-bottom:1px solid #eee;text-align:left}\n"
    "table.cascades td,table.cascades th{text-align:right;font-variant-numeric:tabular-nums;"
    "padding:.2em .4em}table.cascades td{white-space:nowrap}\n"
    "table.headline{columns:2}table.headline td{font-variant-numeric:tabular-nums}\n"
    "table.headline th{font-weight:normal;color:#444}\n";

/* What each agent type did: summary.json's "agents". */
static void agents_table(const struct cas_report *r, FILE *html, const char *title)
{
    const cJSON *agents = cJSON_GetObjectItemCaseSensitive(r->sum, "agents"), *a;
    fprintf(html, "<h3>%s</h3>\n", title);
    if (!cJSON_IsObject(agents) || !agents->child) {
        fputs("<p class=\"note\">No agents.</p>\n", html);
        return;
    }
    static const char *const cols[] = {"count",     "orders",        "trades",    "liquidated",
                                       "pnl",       "bought_lots",   "sold_lots", "position_lots",
                                       "takeovers", "takeover_bonus"};
    fputs("<table class=\"agents\"><thead><tr><th>type</th><th>agents</th><th>orders</th>"
          "<th>fills</th><th>liquidated</th><th>PnL (quote)</th><th>PnL per agent</th>"
          "<th>lots bought</th><th>lots sold</th><th>position at the end (lots)</th>"
          "<th>take-overs</th><th>take-over discount (quote)</th><th>the type's own "
          "figures</th></tr></thead><tbody>\n",
          html);
    cJSON_ArrayForEach(a, agents)
    {
        double v[10];
        for (int k = 0; k < 10; k++)
            v[k] = cJSON_GetNumberValue(cJSON_GetObjectItem(a, cols[k]));
        fputs("<tr><td>", html);
        cas__html_text(html, a->string);
        fprintf(html,
                "</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.2f</td>"
                "<td>%.2f</td><td>%.0f</td><td>%.0f</td><td>%+.0f</td><td>%.0f</td>"
                "<td>%.2f</td><td>",
                v[0], v[1], v[2], v[3], v[4], v[0] > 0 ? v[4] / v[0] : 0, v[5], v[6], v[7], v[8],
                v[9]);
        const cJSON *m, *measures = cJSON_GetObjectItem(a, "measures");
        bool first = true;
        cJSON_ArrayForEach(m, measures)
        {
            fprintf(html, "%s", first ? "" : ", ");
            cas__html_text(html, m->string);
            fprintf(html, " %.10g", cJSON_GetNumberValue(m));
            first = false;
        }
        fputs("</td></tr>\n", html);
    }
    fputs("</tbody></table>\n<p class=\"small\">From summary.json <code>agents</code>: orders "
          "the venue accepted, fills of their orders, positions liquidated, equity at the end "
          "minus deposits, lots their orders bought and sold (an option dealer's hedges), the "
          "net position on their instrument at the end (a basis arbitrageur's perpetual leg), "
          "positions taken over as keepers and the discount to the mark they got, and the "
          "figures a type reports of itself (an option dealer's book gamma as the lots its "
          "hedge trades per 1% move; a front-runner's trades ahead of a cluster, and how many "
          "reached it): docs/agents/.</p>\n",
          html);
}

/* The headline figures of the page's instrument: from summary.json when it
 * is the run's first instrument (summary.json describes that one), else
 * from the run's CSVs; and the venue's insurance fund. */
#define N_HEAD 17

struct head {
    const char *what, *unit;
    int decimals;
    char value[64]; /* as text; "" when the run has none */
};

static size_t head_rows(const struct cas_report *r, struct head *h)
{
    char first[128];
    summary_value(r, NULL, "instrument", first, sizeof first);
    bool is_first = strcmp(first, r->instrument) == 0;
    const struct inst_row *in = page_instrument(r);
    size_t n = 0;
#define ROW(w, u, d) (h[n] = (struct head){(w), (u), (d), ""}, h[n++].value)
#define NUM(w, u, d, v) snprintf(ROW(w, u, d), 64, "%.10g", (double)(v))
#define SUM(w, u, d, sec, key) summary_value(r, sec, key, ROW(w, u, d), 64)
    if (in) {
        NUM("price at the first row", "quote currency", 2, in->first);
        NUM("price at the end", "quote currency", 2, in->last);
        NUM("lowest price, trades included", "quote currency", 2, in->low);
        NUM("highest price, trades included", "quote currency", 2, in->high);
    }
    if (is_first) {
        SUM("largest fall from a peak", "bp", 0, "dislocation", "max_drawdown_bps");
        SUM("largest gap between price and index", "bp", 0, "dislocation", "max_basis_bps");
    }
    long long size = 0, gens = 0, longest = 0, count = 0;
    double move = NAN;
    for (size_t k = 0; k < r->n_cas; k++) {
        const struct cascade_row *c = &r->cas[k];
        if (strcmp(c->instrument, r->instrument) != 0)
            continue;
        count++;
        size = c->liquidations > size ? c->liquidations : size;
        gens = c->generations > gens ? c->generations : gens;
        if (isfinite(c->finish) && (long long)c->finish - c->start + 1 > longest)
            longest = (long long)c->finish - c->start + 1;
        move = isnan(move) ? c->move_bps : fmax(move, c->move_bps);
    }
    NUM("liquidations", NULL, 0, r->n_liq);
    NUM("cascades", NULL, 0, count);
    NUM("liquidations in the largest cascade", NULL, 0, size);
    NUM("generations in the deepest cascade", NULL, 0, gens);
    if (isfinite(move))
        NUM("largest price move of a cascade (trades included)", "bp", 0, move);
    else
        ROW("largest price move of a cascade (trades included)", "bp", 0);
    NUM("longest cascade, first trigger to last fill", "steps", 0, longest);
    SUM("insurance fund at the start (the venue's)", "quote currency", 0, "insurance_fund",
        "initial");
    SUM("insurance fund at the end (the venue's)", "quote currency", 0, "insurance_fund", "final");
    if (is_first) {
        SUM("excess kurtosis of 1-minute returns after the warm-up (0 if normal)", NULL, -3,
            "stylized", "excess_kurtosis");
        SUM("tail index of 1-minute returns, Hill (about 3 in real markets)", NULL, -3, "stylized",
            "hill_index");
    }
#undef ROW
#undef NUM
#undef SUM
    return n;
}

/* The headline figures of one or two runs; with two, B − A (rows both have). */
static void headline_table(const struct cas_report *const *runs, size_t n, FILE *html)
{
    struct head h[2][N_HEAD];
    size_t m[2] = {0, 0};
    for (size_t k = 0; k < n; k++)
        m[k] = head_rows(runs[k], h[k]);
    fputs("<section><h2>Headline figures</h2>\n<table class=\"headline\">\n", html);
    fputs("<tr><th></th>", html);
    for (size_t k = 0; k < n; k++) {
        fputs(n == 2 ? (k ? "<th>B: " : "<th>A: ") : "<th>", html);
        cas__html_text(html, runs[k]->instrument);
        fputs("</th>", html);
    }
    fputs(n == 2 ? "<th>B − A</th></tr>\n" : "</tr>\n", html);
    for (size_t i = 0; i < m[0]; i++) {
        const struct head *a = &h[0][i], *b = NULL;
        for (size_t j = 0; n == 2 && j < m[1] && !b; j++)
            if (strcmp(h[1][j].what, a->what) == 0)
                b = &h[1][j];
        if (n == 2 && !b)
            continue;
        const struct head *cells[2] = {a, b};
        char shown[96];
        fputs("<tr><th>", html);
        cas__html_text(html, a->what);
        fputs("</th>", html);
        for (size_t k = 0; k < n; k++) {
            format_value(shown, sizeof shown, cells[k]->value, a->decimals);
            fputs("<td>", html);
            cas__html_text(html, shown);
            if (a->unit && strcmp(shown, "none") != 0) {
                fputc(' ', html);
                cas__html_text(html, a->unit);
            }
            fputs("</td>", html);
        }
        if (n == 2) {
            char *e0, *e1;
            double x = strtod(a->value, &e0), y = strtod(b->value, &e1);
            fputs("<td>", html);
            if (a->value[0] && b->value[0] && !*e0 && !*e1 && isfinite(x) && isfinite(y)) {
                char num[64];
                snprintf(num, sizeof num, "%.10g", y - x);
                format_value(shown, sizeof shown, num, a->decimals);
                fprintf(html, "%s%s", y - x > 0 ? "+" : "", shown);
            }
            fputs("</td>", html);
        }
        fputs("</tr>\n", html);
    }
    fputs("</table>\n<p class=\"small\">Figures of the instrument named at the top of each "
          "column (from its rows of timeseries.csv, liquidations.csv and cascades.csv; the "
          "fall, gap and stylized figures from summary.json, which describes the run's first "
          "instrument, and only for that one); the insurance fund is the venue's. Every figure "
          "is documented in docs/outputs.md.</p></section>\n",
          html);
}

/* Every instrument of the run, one row each. */
static void instruments_table(const struct cas_report *r, FILE *html)
{
    fputs("<section id=\"instruments\"><h2>The instruments</h2>\n<table class=\"agents\"><thead>"
          "<tr><th>instrument</th><th>kind</th><th>price: first row → end</th>"
          "<th>lowest / highest (trades included)</th><th>liquidations</th><th>cascades</th>"
          "<th>largest cascade move</th></tr></thead><tbody>\n",
          html);
    for (size_t k = 0; k < r->n_insts; k++) {
        const struct inst_row *in = &r->insts[k];
        fputs("<tr><td>", html);
        cas__html_text(html, in->name);
        fprintf(html,
                "%s</td><td>%s</td><td>%.10g → %.10g</td><td>%.10g / %.10g</td>"
                "<td>%lld</td><td>%lld</td><td>",
                strcmp(in->name, r->instrument) == 0 ? " (this page)" : "",
                in->perpetual ? "perpetual" : "spot", in->first, in->last, in->low, in->high,
                in->liquidations, in->cascades);
        if (isfinite(in->largest_move))
            fprintf(html, "%.0f bp", in->largest_move);
        else
            fputs("none", html);
        fputs("</td></tr>\n", html);
    }
    fputs("</tbody></table>\n<p class=\"small\">From timeseries.csv, liquidations.csv and "
          "cascades.csv. This page's figures describe one instrument; <code>cascade report "
          "RUNDIR --instrument NAME -o FILE</code> writes the page of another.</p></section>\n",
          html);
}

/* summary.json's largest fall from a peak, which it measures on the run's first
 * instrument: false when the page is about another one or the key is missing. */
static bool largest_fall(const struct cas_report *r, double *bps)
{
    char first[128], fall[32];
    summary_value(r, NULL, "instrument", first, sizeof first);
    summary_value(r, "dislocation", "max_drawdown_bps", fall, sizeof fall);
    if (strcmp(first, r->instrument) != 0 || !fall[0] || strcmp(fall, "null") == 0)
        return false;
    *bps = strtod(fall, NULL);
    return true;
}

/* Both runs' prices (mid, else last) and lowest trades, by step, on one
 * figure: the first instrument of each. */
static int fig_compare(const struct cas_report *a, const struct cas_report *b, FILE *html)
{
    const struct cas_report *runs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        FILE *f = tmp_open(a, k ? "b.dat" : "a.dat", "w");
        if (!f)
            return 1;
        for (size_t i = 0; i < runs[k]->n_ts; i++) {
            const struct ts_row *t = &runs[k]->ts[i];
            dat_num(f, t->step);
            dat_num(f, row_price(t));
            dat_num(f, t->low);
            fputc('\n', f);
        }
        if (fclose(f) != 0)
            return 1;
    }
    const char *title = "Figure 1: the price in both runs, by step";
    FILE *gp = script_begin(a, "cmp1", title);
    if (!gp)
        return 1;
    fputs(
        "set xlabel 'step'\nset ylabel 'price (quote currency)'\n"
        "plot 'a.dat' using 1:2 with lines lw 2 lc rgb '#1f5fa8' title 'A: price', \\\n"
        "     'a.dat' using 1:3 with lines lw 1 dt 3 lc rgb '#1f5fa8' title 'A: lowest trade', \\\n"
        "     'b.dat' using 1:2 with lines lw 2 lc rgb '#d62728' title 'B: price', \\\n"
        "     'b.dat' using 1:3 with lines lw 1 dt 3 lc rgb '#d62728' title 'B: lowest trade'\n",
        gp);
    char caption[400];
    double afall, bfall;
    int len = snprintf(caption, sizeof caption,
                       "The price (mid, else last) at each row of timeseries.csv, and the lowest "
                       "trade since the previous row, of A (blue) and B (red).");
    if (largest_fall(a, &afall) && largest_fall(b, &bfall))
        snprintf(caption + len, sizeof caption - (size_t)len,
                 " The largest fall from a peak: %.0f bp in A, %.0f bp in B.", afall, bfall);
    return figure_end(a, gp, html, 1, "cmp1", title, caption, NULL);
}

static void run_heading(FILE *html, const char *label, const struct cas_report *r)
{
    char name[128], seed[32];
    summary_value(r, NULL, "name", name, sizeof name);
    summary_value(r, NULL, "seed", seed, sizeof seed);
    fprintf(html, "<li><b>%s</b>: <code>", label);
    cas__html_text(html, r->rundir);
    fputs("</code> — ", html);
    cas__html_text(html, name);
    fputs(", seed ", html);
    cas__html_text(html, seed);
    fputs("</li>\n", html);
}

static int write_compare_page(struct cas_report *a, struct cas_report *b, FILE *html)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>cascade report: two runs</title>\n<style>\n",
          html);
    fprintf(html, "%s</style>\n</head>\n<body>\n<header>\n<h1>Two runs side by side</h1>\n<ul>\n",
            page_style);
    run_heading(html, "A", a);
    run_heading(html, "B", b);
    fputs("</ul>\n</header>\n", html);
    const struct cas_report *runs[2] = {a, b};
    headline_table(runs, 2, html);
    fputs("<section><h2>Figures</h2>\n", html);
    int rc = fig_compare(a, b, html);
    if (rc)
        return rc;
    fputs("</section>\n<section id=\"agents\"><h2>What each agent type did</h2>\n", html);
    agents_table(a, html, "A");
    agents_table(b, html, "B");
    fputs("</section>\n", html);
    for (int k = 0; k < 2; k++) {
        fprintf(html, "<div class=\"run\" id=\"run-%c\"><h2>Run %c: its largest cascades</h2>\n",
                k ? 'b' : 'a', k ? 'B' : 'A');
        if ((rc = cascade_table(runs[k], html)))
            return rc;
        fputs("</div>\n", html);
    }
    fputs("<footer class=\"small\"><p>Written by <code>cascade report A B</code> ", html);
    cas__html_text(html, CAS_VERSION);
    fputs(" from the two run directories; figures drawn by gnuplot.</p></footer>\n"
          "</body>\n</html>\n",
          html);
    return 0;
}

/* The figures of a page, in order: each draws itself (or says why it is
 * skipped) from the report. */
static const struct {
    const char *what;
    int (*draw)(const struct cas_report *r, FILE *html);
} figures[] = {
    {"prices, liquidations and cascades", fig_prices},
    {"liquidated notional", fig_liquidated},
    {"liquidation levels", fig_heatmap},
    {"depth near the mid", fig_depth},
    {"open interest and funding", fig_oi_funding},
    {"the insurance fund", fig_insurance},
    {"distribution of returns", fig_returns},
    {"autocorrelations", fig_acf},
};

size_t cas_report_n_figures(void)
{
    return sizeof figures / sizeof *figures;
}

const char *cas_report_figure(size_t k)
{
    return k < cas_report_n_figures() ? figures[k].what : NULL;
}

static int write_page(struct cas_report *r, FILE *html)
{
    char name[128], seed[32], steps[32], version[32];
    summary_value(r, NULL, "name", name, sizeof name);
    summary_value(r, NULL, "seed", seed, sizeof seed);
    summary_value(r, NULL, "steps", steps, sizeof steps);
    summary_value(r, NULL, "version", version, sizeof version);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>cascade report: ",
          html);
    cas__html_text(html, name[0] ? name : r->rundir);
    fprintf(html, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", page_style);
    cas__html_text(html, name[0] ? name : "a run");
    fputs(r->n_cas ? ": what the cascades did</h1>\n<p>Run directory <code>"
                   : ": a run without liquidations</h1>\n<p>Run directory <code>",
          html);
    cas__html_text(html, r->rundir);
    fputs("</code>, seed ", html);
    cas__html_text(html, seed[0] ? seed : "?");
    fputs(", ", html);
    cas__html_text(html, steps[0] ? steps : "?");
    fprintf(html, " steps of %.10g s. The headline and the figures describe <b>", r->step_seconds);
    cas__html_text(html, r->instrument[0] ? r->instrument : "?");
    fprintf(html, "</b>%s.</p>\n</header>\n",
            r->want          ? ""
            : r->n_insts > 1 ? " (the instrument of the largest cascade, or the "
                               "first)"
                             : "");
    const struct cas_report *runs[1] = {r};
    headline_table(runs, 1, html);
    instruments_table(r, html);
    char facts[FACTS_MAX] = "";
    r->facts = facts;
    fputs("<section><h2>Figures</h2>\n", html);
    if (!(r->returns = log_returns(r, &r->n_returns)))
        return out_of_memory();
    int rc = write_ts_dat(r);
    for (size_t k = 0; k < sizeof figures / sizeof *figures && rc == 0; k++)
        rc = figures[k].draw(r, html);
    free(r->returns);
    r->returns = NULL;
    if (rc)
        return rc;
    fputs("</section>\n", html);
    if ((rc = cascade_table(r, html)))
        return rc;
    fputs("<section id=\"agents\"><h2>What each agent type did</h2>\n", html);
    agents_table(r, html, "By type");
    fputs("</section>\n", html);
    if ((rc = cas__report_cascades(html, r->rundir)))
        return rc;
    fputs("<footer class=\"small\"><p>Written by <code>cascade report</code> ", html);
    cas__html_text(html, version[0] ? version : CAS_VERSION);
    fputs(" from the run directory's CSV files; figures drawn by gnuplot. Columns and keys: "
          "docs/outputs.md.</p></footer>\n</body>\n</html>\n",
          html);
    return 0;
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
    if (stat(r->rundir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "cascade: '%s' is not a run directory (%s)\n", r->rundir,
                stat(r->rundir, &st) != 0 ? strerror(errno) : "not a directory");
        return 2;
    }
    static const char *const required[] = {"timeseries.csv", "liquidations.csv", "cascades.csv",
                                           "summary.json"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        char *p = cas_path_join(r->rundir, required[i]);
        if (!p)
            return out_of_memory();
        int e = stat(p, &st) == 0 ? 0 : errno;
        if (e == ENOENT) /* absent: not a run directory; else (a symlink loop...) say why */
            fprintf(stderr,
                    "cascade: '%s' is not a run directory (no %s); "
                    "'cascade run' writes one\n",
                    r->rundir, required[i]);
        else if (e)
            fprintf(stderr, "cascade: %s: cannot open: %s\n", p, strerror(e));
        free(p);
        if (e)
            return 2;
    }
    int rc;
    if ((rc = read_cascades_and_instruments(r)))
        return rc;
    if (r->want) {
        bool found = false;
        for (size_t k = 0; k < r->n_insts && !found; k++)
            found = strcmp(r->insts[k].name, r->want) == 0;
        if (!found) {
            fprintf(stderr, "cascade: %s/timeseries.csv has no instrument '%s' (it has:", r->rundir,
                    r->want);
            for (size_t k = 0; k < r->n_insts; k++)
                fprintf(stderr, "%s %s", k ? "," : "", r->insts[k].name);
            fputs(")\n", stderr);
            return 2;
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
    tmp_remove(r);
    free(r->ts);
    free(r->liq);
    free(r->cas);
    free(r->map);
    free(r->cf);
    free(r->insts);
    cJSON_Delete(r->sum);
}

/* Write the page to a temporary beside `out`, then rename it into place. */
static int write_report(struct cas_report *r, struct cas_report *r2, const char *out)
{
    const char *tmpbase = getenv("TMPDIR");
    snprintf(r->tmpdir, sizeof r->tmpdir, "%s/cascade-report-XXXXXX",
             tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(r->tmpdir)) {
        fprintf(stderr, "cascade: cannot create '%s': %s\n", r->tmpdir, strerror(errno));
        r->tmpdir[0] = 0;
        return 1;
    }
    struct cas_atomic_file page;
    int rc = cas_atomic_open(&page, out);
    if (rc == CAS_ENOMEM)
        return out_of_memory();
    if (rc) {
        fprintf(stderr, "cascade: cannot write '%s': %s\n", out, strerror(errno));
        return 1;
    }
    FILE *html = page.f;
    rc = r2 ? write_compare_page(r, r2, html) : write_page(r, html);
    if (fchmod(page.fd, 0644) != 0 || fflush(html) != 0) {
        if (!rc)
            fprintf(stderr, "cascade: cannot write '%s': %s\n", out, strerror(errno));
        rc = rc ? rc : 1;
    }
    if (rc == 0)
        rc = stop_now(r);
    if (rc) {
        cas_atomic_discard(&page);
    } else if (cas_atomic_commit(&page)) {
        fprintf(stderr, "cascade: cannot write '%s': %s\n", out, strerror(errno));
        rc = 1;
    }
    return rc;
}

/* ---- the module's entry points (include/cascade/report.h) ---- */

int cas__report_check(const char *rundir, FILE *html)
{
    struct cas_report *r = NULL;
    int rc = cas_report_read(&r, rundir, NULL);
    if (!rc) {
        const struct cas_report *runs[1] = {r};
        headline_table(runs, 1, html);
        instruments_table(r, html);
        agents_table(r, html, "By type");
        rc = cascade_table(r, html);
        if (rc == 0)
            rc = cas__report_cascades(html, rundir);
    }
    cas_report_free(r);
    return rc;
}

char *cas_report_default_path(const char *rundir, const char *rundir2)
{
    /* one run: RUNDIR/report.html; two: RUN_A/compare-BASENAME_B.html */
    char name[300] = "report.html";
    if (rundir2) {
        size_t len = strlen(rundir2);
        while (len > 1 && rundir2[len - 1] == '/')
            len--;
        const char *base = rundir2;
        for (size_t k = 0; k + 1 < len; k++)
            if (rundir2[k] == '/')
                base = rundir2 + k + 1;
        snprintf(name, sizeof name, "compare-%.*s.html", (int)(rundir2 + len - base), base);
    }
    return cas_path_join(rundir, name);
}

int cas_report_read(struct cas_report **out, const char *rundir, const char *instrument)
{
    struct cas_report *r = calloc(1, sizeof *r);
    if (!r)
        return out_of_memory();
    r->rundir = rundir;
    r->want = instrument;
    int rc = read_run(r);
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

int cas_report_write(struct cas_report *r, struct cas_report *r2, const char *out,
                     int (*stopped)(void))
{
    r->stopped = stopped;
    if (!gnuplot_on_path()) {
        fputs("cascade: report needs gnuplot (apt-get install gnuplot-nox)\n", stderr);
        return 1;
    }
    return write_report(r, r2, out);
}
