/* report: `cascade report` — a run directory in, one self-contained HTML page out.
 *
 * The page is for looking at a cascade: headline figures, eight figures drawn
 * by gnuplot (run as a child process, one script per figure, in a private
 * temporary directory) and inlined as SVG, and a table of the largest
 * cascades. It opens offline from the file: no script, no external file, no
 * network address. Everything is read from the run's CSVs; the few figures
 * taken from summary.json are found by scanning for known keys (cJSON stays
 * inside src/config). Bad input is found before anything is written; the page
 * is written to a temporary name beside its destination and renamed into place,
 * so it appears whole or not at all.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cascade/stats.h"
#include "cli/cli.h"

static const char report_usage[] =
    "usage: cascade report RUNDIR [-o FILE]\n"
    "\n"
    "Writes one self-contained HTML page about the run in RUNDIR (a directory\n"
    "written by 'cascade run'): headline figures, the first instrument's prices\n"
    "with its liquidations and cascades, liquidated notional, the liquidation\n"
    "map, depth, open interest and funding, the insurance fund, the distribution\n"
    "and autocorrelations of returns, and the largest cascades. The figures are\n"
    "inline SVG drawn by gnuplot (Debian package gnuplot-nox); the page needs no\n"
    "network and no other file. Prints the page's path on stdout.\n"
    "\n"
    "  -o, --output FILE    where to write the page (default RUNDIR/report.html)\n";

#define MAX_FIELDS 64
#define MAX_LAG 50
#define TOP_CASCADES 10
#define HEAT_COLS 150
#define HEAT_ROWS 160

/* ---- the run's data (first instrument only, but for the cascade table) ---- */

struct ts_row {
    double step, last, mark, index, mid, liq_notional, depth1, depth5, oi_long, funding,
        insurance;
};

struct liq_row {
    double step, mark;
    bool is_long;
};

struct cascade_row {
    long long id, start, end, generations, liquidations;
    char root_cause[48], instrument[64], side[8];
    double notional, price_start, price_extreme, price_end, move_bps, recovery;
};

struct map_row {
    double step, lo, hi, notional;
};

struct report {
    const char *rundir;
    char instrument[128];
    struct ts_row *ts;
    size_t n_ts, cap_ts;
    struct liq_row *liq;
    size_t n_liq, cap_liq;
    struct cascade_row *cas;
    size_t n_cas, cap_cas;
    struct map_row *map;
    size_t n_map, cap_map;
    bool have_liqmap;
    char *summary;          /* summary.json's text */
    double step_seconds;    /* from timeseries.csv: time_s / step */
    double unit_seconds;    /* the time axis' unit, in seconds */
    const char *unit;       /* its name: "s", "min" or "h" */
    char tmpdir[4096];      /* gnuplot's working directory */
};

/* Grow *p (an array of *cap elements of `size`) to hold n + 1; false when out of memory. */
static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 256;
    void *q = realloc(*p, want * size);
    if (!q)
        return false;
    *p = q;
    *cap = want;
    return true;
}

/* ---- CSV reading: one line at a time, fields split in place ---- */

struct csv {
    char *path; /* as shown in messages: RUNDIR/FILE */
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
    char *field[MAX_FIELDS];
    int nf, ncol;
};

__attribute__((format(printf, 2, 3))) static int csv_bad(const struct csv *c, const char *fmt,
                                                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cascade: %s:%ld: ", c->path, c->lineno);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static void csv_close(struct csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->line);
    free(c->path);
    memset(c, 0, sizeof *c);
}

/* Read the next line and split it into c->field: 1 when there was one; 0 at
 * the end of the file, or on an error, when *status is set to 1 or 2 (said). */
static int csv_next(struct csv *c, int *status)
{
    errno = 0;
    ssize_t len = getline(&c->line, &c->cap, c->f);
    if (len < 0) {
        if (ferror(c->f) || errno == ENOMEM) {
            fprintf(stderr, "cascade: %s: cannot read: %s\n", c->path, strerror(errno));
            *status = 1;
        }
        return 0;
    }
    c->lineno++;
    while (len > 0 && (c->line[len - 1] == '\n' || c->line[len - 1] == '\r'))
        c->line[--len] = 0;
    if ((size_t)len != strlen(c->line)) {
        *status = csv_bad(c, "contains a NUL byte");
        return 0;
    }
    c->nf = 0;
    for (char *p = c->line;; p++) {
        if (c->nf == MAX_FIELDS) {
            *status = csv_bad(c, "more than %d fields", MAX_FIELDS);
            return 0;
        }
        c->field[c->nf++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p = 0;
    }
    if (c->ncol && c->nf != c->ncol) {
        *status = csv_bad(c, "%d field%s, the header has %d", c->nf, c->nf == 1 ? "" : "s",
                          c->ncol);
        return 0;
    }
    return 1;
}

/* Open RUNDIR/file and read its header, mapping the n wanted columns to
 * idx[]. 0 ok, -1 absent (nothing said), 1 or 2 failed (said). */
static int csv_open(struct csv *c, const char *rundir, const char *file,
                    const char *const *names, int n, int *idx)
{
    memset(c, 0, sizeof *c);
    if (!(c->path = cas__path_join(rundir, file)))
        return 1;
    char why[96];
    if (!(c->f = cas_open_input(c->path, CAS_MAX_CSV_BYTES, why, sizeof why))) {
        if (errno == ENOENT)
            return -1;
        fprintf(stderr, "cascade: %s: cannot open: %s\n", c->path, why);
        return 2;
    }
    int status = 0;
    if (!csv_next(c, &status)) {
        c->lineno = 1;
        return status ? status : csv_bad(c, "empty file, expected a header line");
    }
    c->ncol = c->nf;
    for (int k = 0; k < n; k++) {
        idx[k] = -1;
        for (int j = 0; j < c->nf; j++)
            if (strcmp(c->field[j], names[k]) == 0)
                idx[k] = j;
        if (idx[k] < 0)
            return csv_bad(c, "no column '%s' in the header", names[k]);
    }
    return 0;
}

/* Field `col` (named `name`) as a number; empty gives NaN when allowed. 0 or 2 (said). */
static int csv_num(const struct csv *c, int col, const char *name, bool may_be_empty,
                   double *out)
{
    const char *s = c->field[col];
    *out = NAN;
    if (!*s) {
        if (may_be_empty) {
            *out = NAN;
            return 0;
        }
        return csv_bad(c, "'%s' is empty", name);
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return csv_bad(c, "'%s' is not a number: '%.40s'", name, s);
    *out = v;
    return 0;
}

/* The same for a count or a step: a non-negative integer. */
static int csv_int(const struct csv *c, int col, const char *name, long long *out)
{
    double v = 0;
    *out = 0;
    int rc = csv_num(c, col, name, false, &v);
    if (rc)
        return rc;
    if (v < 0 || v != floor(v) || v > 9e15)
        return csv_bad(c, "'%s' is not a non-negative integer: '%.40s'", name, c->field[col]);
    *out = (long long)v;
    return 0;
}

static int out_of_memory(void)
{
    fputs("cascade: out of memory\n", stderr);
    return 1;
}

/* ---- the four tables ---- */

enum { T_STEP, T_TIME, T_INSTR, T_MID, T_LAST, T_MARK, T_INDEX, T_D1, T_D5, T_OI, T_FUND,
       T_LIQN, T_INS, T_N };

static int read_timeseries(struct report *r)
{
    static const char *const names[T_N] = {
        "step", "time_s", "instrument", "mid", "last", "mark", "index", "depth_1pct",
        "depth_5pct", "oi_long", "funding_rate", "liquidated_notional", "insurance_fund"};
    int idx[T_N], rc, status = 0;
    struct csv c;
    if ((rc = csv_open(&c, r->rundir, "timeseries.csv", names, T_N, idx)) != 0)
        goto done;
    r->step_seconds = 1;
    while (csv_next(&c, &status)) {
        const char *instr = c.field[idx[T_INSTR]];
        if (!r->instrument[0])
            snprintf(r->instrument, sizeof r->instrument, "%s", instr);
        long long step = 0;
        double time_s = 0;
        if ((rc = csv_int(&c, idx[T_STEP], "step", &step)) ||
            (rc = csv_num(&c, idx[T_TIME], "time_s", false, &time_s)))
            goto done;
        if (strcmp(instr, r->instrument) != 0)
            continue;
        if (r->n_ts == 0 && step > 0 && time_s > 0)
            r->step_seconds = time_s / (double)step;
        if (r->n_ts && (double)step <= r->ts[r->n_ts - 1].step) {
            rc = csv_bad(&c, "'step' %lld does not follow %.0f", step, r->ts[r->n_ts - 1].step);
            goto done;
        }
        if (!grow((void **)&r->ts, &r->cap_ts, r->n_ts, sizeof *r->ts)) {
            rc = out_of_memory();
            goto done;
        }
        struct ts_row *t = &r->ts[r->n_ts];
        t->step = (double)step;
        if ((rc = csv_num(&c, idx[T_MID], "mid", true, &t->mid)) ||
            (rc = csv_num(&c, idx[T_LAST], "last", false, &t->last)) ||
            (rc = csv_num(&c, idx[T_MARK], "mark", false, &t->mark)) ||
            (rc = csv_num(&c, idx[T_INDEX], "index", true, &t->index)) ||
            (rc = csv_num(&c, idx[T_D1], "depth_1pct", true, &t->depth1)) ||
            (rc = csv_num(&c, idx[T_D5], "depth_5pct", true, &t->depth5)) ||
            (rc = csv_num(&c, idx[T_OI], "oi_long", false, &t->oi_long)) ||
            (rc = csv_num(&c, idx[T_FUND], "funding_rate", true, &t->funding)) ||
            (rc = csv_num(&c, idx[T_LIQN], "liquidated_notional", false, &t->liq_notional)) ||
            (rc = csv_num(&c, idx[T_INS], "insurance_fund", false, &t->insurance)))
            goto done;
        r->n_ts++;
    }
    rc = status;
done:
    csv_close(&c);
    return rc;
}

static int read_liquidations(struct report *r)
{
    static const char *const names[] = {"step", "instrument", "side", "mark"};
    int idx[4], rc, status = 0;
    struct csv c;
    if ((rc = csv_open(&c, r->rundir, "liquidations.csv", names, 4, idx)) != 0)
        goto done;
    while (csv_next(&c, &status)) {
        long long step = 0;
        double mark = 0;
        const char *side = c.field[idx[2]];
        if ((rc = csv_int(&c, idx[0], "step", &step)) ||
            (rc = csv_num(&c, idx[3], "mark", false, &mark)))
            goto done;
        if (strcmp(side, "long") != 0 && strcmp(side, "short") != 0) {
            rc = csv_bad(&c, "'side' must be long or short, not '%.20s'", side);
            goto done;
        }
        if (strcmp(c.field[idx[1]], r->instrument) != 0)
            continue;
        if (!grow((void **)&r->liq, &r->cap_liq, r->n_liq, sizeof *r->liq)) {
            rc = out_of_memory();
            goto done;
        }
        r->liq[r->n_liq++] = (struct liq_row){(double)step, mark, side[0] == 'l'};
    }
    rc = status;
done:
    csv_close(&c);
    return rc;
}

enum { C_ID, C_CAUSE, C_INSTR, C_SIDE, C_START, C_END, C_GEN, C_LIQS, C_NOTIONAL, C_PSTART,
       C_PEXT, C_PEND, C_MOVE, C_RECOV, C_N };

static int read_cascades(struct report *r)
{
    static const char *const names[C_N] = {
        "id", "root_cause", "instrument", "side", "start_step", "end_step", "generations",
        "liquidations", "notional", "price_start", "price_extreme", "price_end", "move_bps",
        "recovery_half_steps"};
    int idx[C_N], rc, status = 0;
    struct csv c;
    if ((rc = csv_open(&c, r->rundir, "cascades.csv", names, C_N, idx)) != 0)
        goto done;
    while (csv_next(&c, &status)) {
        if (!grow((void **)&r->cas, &r->cap_cas, r->n_cas, sizeof *r->cas)) {
            rc = out_of_memory();
            goto done;
        }
        struct cascade_row *k = &r->cas[r->n_cas];
        if ((rc = csv_int(&c, idx[C_ID], "id", &k->id)) ||
            (rc = csv_int(&c, idx[C_START], "start_step", &k->start)) ||
            (rc = csv_int(&c, idx[C_END], "end_step", &k->end)) ||
            (rc = csv_int(&c, idx[C_GEN], "generations", &k->generations)) ||
            (rc = csv_int(&c, idx[C_LIQS], "liquidations", &k->liquidations)) ||
            (rc = csv_num(&c, idx[C_NOTIONAL], "notional", false, &k->notional)) ||
            (rc = csv_num(&c, idx[C_PSTART], "price_start", false, &k->price_start)) ||
            (rc = csv_num(&c, idx[C_PEXT], "price_extreme", false, &k->price_extreme)) ||
            (rc = csv_num(&c, idx[C_PEND], "price_end", false, &k->price_end)) ||
            (rc = csv_num(&c, idx[C_MOVE], "move_bps", false, &k->move_bps)) ||
            (rc = csv_num(&c, idx[C_RECOV], "recovery_half_steps", true, &k->recovery)))
            goto done;
        if (k->end < k->start) {
            rc = csv_bad(&c, "'end_step' %lld is before 'start_step' %lld", k->end, k->start);
            goto done;
        }
        snprintf(k->root_cause, sizeof k->root_cause, "%s", c.field[idx[C_CAUSE]]);
        snprintf(k->instrument, sizeof k->instrument, "%s", c.field[idx[C_INSTR]]);
        snprintf(k->side, sizeof k->side, "%s", c.field[idx[C_SIDE]]);
        r->n_cas++;
    }
    rc = status;
done:
    csv_close(&c);
    return rc;
}

/* liqmap.csv is optional (record.liqmap may be off): absent is not an error. */
static int read_liqmap(struct report *r)
{
    static const char *const names[] = {"step", "instrument", "price_lo", "price_hi",
                                        "long_notional", "short_notional"};
    int idx[6], rc, status = 0;
    struct csv c;
    rc = csv_open(&c, r->rundir, "liqmap.csv", names, 6, idx);
    if (rc == -1) {
        csv_close(&c);
        return 0;
    }
    if (rc)
        goto done;
    r->have_liqmap = true;
    while (csv_next(&c, &status)) {
        long long step = 0;
        double lo = 0, hi = 0, l = 0, s = 0;
        if ((rc = csv_int(&c, idx[0], "step", &step)) ||
            (rc = csv_num(&c, idx[2], "price_lo", false, &lo)) ||
            (rc = csv_num(&c, idx[3], "price_hi", false, &hi)) ||
            (rc = csv_num(&c, idx[4], "long_notional", false, &l)) ||
            (rc = csv_num(&c, idx[5], "short_notional", false, &s)))
            goto done;
        if (hi <= lo) {
            rc = csv_bad(&c, "'price_hi' is not above 'price_lo'");
            goto done;
        }
        if (strcmp(c.field[idx[1]], r->instrument) != 0 || l + s <= 0)
            continue;
        if (!grow((void **)&r->map, &r->cap_map, r->n_map, sizeof *r->map)) {
            rc = out_of_memory();
            goto done;
        }
        r->map[r->n_map++] = (struct map_row){(double)step, lo, hi, l + s};
    }
    rc = status;
done:
    csv_close(&c);
    return rc;
}

static int read_summary(struct report *r)
{
    char *path = cas__path_join(r->rundir, "summary.json");
    if (!path)
        return out_of_memory();
    char why[96];
    FILE *f = cas_open_input(path, CAS_MAX_JSON_BYTES, why, sizeof why);
    int rc = 0;
    if (!f) {
        fprintf(stderr, "cascade: %s: cannot open: %s\n", path, why);
        rc = 2;
        goto done;
    }
    size_t cap = 4096, n = 0;
    r->summary = malloc(cap);
    for (size_t got; r->summary && (got = fread(r->summary + n, 1, cap - 1 - n, f)) > 0;) {
        n += got;
        if (n == cap - 1) {
            char *p = realloc(r->summary, cap * 2);
            if (!p) {
                free(r->summary);
                r->summary = NULL;
            }
            r->summary = p;
            cap *= 2;
        }
    }
    if (!r->summary)
        rc = out_of_memory();
    else if (ferror(f)) {
        fprintf(stderr, "cascade: %s: cannot read: %s\n", path, strerror(errno));
        rc = 1;
    } else
        r->summary[n] = 0;
    fclose(f);
done:
    free(path);
    return rc;
}

/* The raw value of "key" inside the object "section" of summary.json (top
 * level when section is NULL), found by scanning the text for the known
 * keys as cascade writes them, not by parsing JSON: a number, true, false,
 * null or a string (without its quotes). "" when not found. */
static const char *summary_value(const struct report *r, const char *section, const char *key,
                                 char *out, size_t n)
{
    char pat[80];
    out[0] = 0;
    const char *p = r->summary, *end = NULL;
    if (!p)
        return out;
    if (section) {
        snprintf(pat, sizeof pat, "\"%s\": {", section);
        if (!(p = strstr(p, pat)))
            return out;
        p += strlen(pat);
        end = strchr(p, '}');
    }
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    p = strstr(p, pat);
    if (!p || (end && p > end))
        return out;
    p += strlen(pat);
    bool quoted = *p == '"';
    p += quoted;
    size_t len = quoted ? strcspn(p, "\"") : strcspn(p, ",}\n");
    if (len >= n)
        len = n - 1;
    memcpy(out, p, len);
    out[len] = 0;
    return out;
}

/* ---- page output helpers ---- */

static void html_text(FILE *f, const char *s)
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

static double to_time(const struct report *r, double step)
{
    return step * r->step_seconds / r->unit_seconds;
}

/* The price of a row: mid when both sides are quoted, else the last trade. */
static double row_price(const struct ts_row *t)
{
    return isfinite(t->mid) ? t->mid : t->last;
}

static bool any_finite(const struct report *r, size_t offset)
{
    for (size_t i = 0; i < r->n_ts; i++)
        if (isfinite(*(const double *)((const char *)&r->ts[i] + offset)))
            return true;
    return false;
}

static bool any_nonzero(const struct report *r, size_t offset)
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

static FILE *tmp_open(const struct report *r, const char *name, const char *mode)
{
    char *p = cas__path_join(r->tmpdir, name);
    FILE *f = p ? fopen(p, mode) : NULL;
    free(p);
    return f;
}

/* Remove the temporary directory and every file in it (all ours). */
static void tmp_remove(struct report *r)
{
    if (!r->tmpdir[0])
        return;
    DIR *d = opendir(r->tmpdir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = cas__path_join(r->tmpdir, e->d_name);
            if (p)
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(r->tmpdir);
    r->tmpdir[0] = 0;
}

/* Run `gnuplot NAME.gp` in the temporary directory, its output to NAME.log.
 * 0 ok; 1 failed (said, with gnuplot's first complaint). */
static int gnuplot_run(const struct report *r, const char *name, const char *title)
{
    char script[64], log[64];
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
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "cascade: waiting for gnuplot: %s\n", strerror(errno));
            return 1;
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
        fprintf(stderr, "cascade: gnuplot failed on the figure '%s' (exit status %d)%s%s\n",
                title, WEXITSTATUS(status), first[0] ? ": " : "", first);
    else
        fprintf(stderr, "cascade: gnuplot failed on the figure '%s' (killed by signal %d)\n",
                title, WTERMSIG(status));
    return 1;
}

/* Copy gnuplot's SVG into the page: without its XML declaration, with the
 * figure's title as its <title>, and every id (and reference to one) prefixed
 * with "figN-" so that eight inlined SVGs do not share ids. */
static int inline_svg(const struct report *r, FILE *html, int num, const char *name,
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
    html_text(html, title);
    fputc('"', html);
    p += 4;
    while (*p) {
        if (strncmp(p, "<title>Gnuplot</title>", 22) == 0) {
            fputs("<title>", html);
            html_text(html, title);
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
static FILE *script_begin(const struct report *r, const char *name, const char *title)
{
    char file[64];
    snprintf(file, sizeof file, "%s.gp", name);
    FILE *gp = tmp_open(r, file, "w");
    if (!gp)
        return NULL;
    fprintf(gp, "set terminal svg size 900,360 dynamic enhanced font 'Arial,12'\n"
                "set output '%s.svg'\n"
                "set datafile missing 'NaN'\n"
                "set border lc rgb '#444444'\n"
                "set grid lc rgb '#dddddd' lt 1\n"
                "set key below horizontal\n"
                "set title ", name);
    gp_string(gp, title);
    fputs(" noenhanced font 'Arial,14'\n", gp);
    return gp;
}

/* Finish the script, run gnuplot and put the figure in the page with its caption. */
static int figure_end(const struct report *r, FILE *gp, FILE *html, int num, const char *name,
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
    fprintf(html, "<figcaption><b>Figure %d.</b> ", num);
    html_text(html, caption);
    if (note) {
        fputs(" <span class=\"note\">", html);
        html_text(html, note);
        fputs("</span>", html);
    }
    fputs("</figcaption>\n</figure>\n", html);
    return 0;
}

static void figure_skipped(FILE *html, int num, const char *title, const char *why)
{
    fprintf(html, "<figure id=\"fig%d\" class=\"skipped\"><p><b>Figure %d, ", num, num);
    html_text(html, title);
    fputs(": skipped.</b> ", html);
    html_text(html, why);
    fputs("</p></figure>\n", html);
}

static void time_axis(const struct report *r, FILE *gp)
{
    fprintf(gp, "set xlabel 'time (%s)'\n", r->unit);
    if (r->n_ts)
        fprintf(gp, "set xrange [0:%.10g]\n", to_time(r, r->ts[r->n_ts - 1].step));
}

/* The price series used by figures 1 and 3: ts.dat, columns
 * time last mark index price liq_notional depth1 depth5 oi funding% insurance. */
static int write_ts_dat(const struct report *r)
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
        fputc('\n', f);
    }
    return fclose(f) != 0;
}

/* ---- the figures ---- */

static int fig_prices(const struct report *r, FILE *html)
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
            a = to_time(r, (double)k->start);
            b = to_time(r, (double)k->end + 1);
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
            fprintf(gp, "set object rect from %.10g, graph 0 to %.10g, graph 1 behind "
                        "fc rgb '#f4b6b6' fs solid 0.45 noborder\n", lo, hi);
        lo = a;
        hi = b;
    }
    bool index = any_finite(r, offsetof(struct ts_row, index));
    fputs("plot 'ts.dat' using 1:2 with lines lw 1 lc rgb '#999999' title 'last trade', \\\n"
          "     '' using 1:3 with lines lw 2 lc rgb '#1f5fa8' title 'mark', \\\n", gp);
    if (index)
        fputs("     '' using 1:4 with lines lw 2 lc rgb '#2ca02c' dt 2 title 'index', \\\n", gp);
    if (n_cas)
        fputs("     NaN with boxes fs solid 0.45 lc rgb '#f4b6b6' title 'cascade', \\\n", gp);
    if (r->n_liq)
        fputs("     'liq.dat' using 1:($3 == 1 ? $2 : NaN) with points pt 7 ps 0.7 "
              "lc rgb '#d62728' title 'long liquidated (at mark)', \\\n"
              "     'liq.dat' using 1:($3 == 0 ? $2 : NaN) with points pt 9 ps 0.8 "
              "lc rgb '#ff7f0e' title 'short liquidated (at mark)', \\\n", gp);
    fputs("     NaN notitle\n", gp);
    char note[200] = "";
    if (!index)
        snprintf(note, sizeof note, "No index line: the instrument has no index (spot).");
    if (!r->n_liq)
        snprintf(note + strlen(note), sizeof note - strlen(note), "%sNobody was liquidated.",
                 note[0] ? " " : "");
    return figure_end(r, gp, html, 1, "fig1", title,
                      "What to look at: liquidations (dots, at the mark when triggered) bunch "
                      "where the price falls fastest, inside the shaded cascades; the mark "
                      "leaves the index while forced orders hit the book, and returns after.",
                      note[0] ? note : NULL);
}

static int fig_liquidated(const struct report *r, FILE *html)
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
    fprintf(gp, "set ylabel 'notional per %.10g s (quote currency)'\n"
                "set yrange [0:*]\n"
                "plot 'ts.dat' using 1:6 with impulses lw 2 lc rgb '#d62728' "
                "title 'liquidated notional, at the mark when triggered'\n", every);
    return figure_end(r, gp, html, 2, "fig2", title,
                      "What to look at: forced selling (or buying) comes in bursts, not as a "
                      "steady flow: one move liquidates many positions within seconds.",
                      any_nonzero(r, offsetof(struct ts_row, liq_notional))
                          ? NULL : "Nobody was liquidated in this run.");
}

/* The liquidation map, averaged into a grid of at most HEAT_COLS publication
 * columns by HEAT_ROWS price rows so that the SVG stays small for long runs. */
static int fig_heatmap(const struct report *r, FILE *html)
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
    size_t rows = (size_t)ceil((phi - plo) / width);
    rows = rows < 16 ? 16 : rows > HEAT_ROWS ? HEAT_ROWS : rows;
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
        size_t c = (size_t)((m->step - t0) / col_w);
        size_t k = (size_t)(((m->lo + m->hi) / 2 - plo) / row_h);
        c = c < cols ? c : cols - 1;
        k = k < rows ? k : rows - 1;
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
    fprintf(gp, "set ylabel 'liquidation price (quote currency)'\n"
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
    snprintf(note, sizeof note, "Each column averages %s of the venue's publications "
                                "(one every %.10g steps).",
             n_pub > cols ? "several" : "one", interval);
    rc = figure_end(r, gp, html, 3, "fig3", title,
                    "What to look at: dark bands are prices where many positions would be "
                    "liquidated; when the price line reaches a band the band empties, and the "
                    "forced orders push the price on toward the next one.", note);
out:
    free(cell);
    free(pubs);
    return rc;
}

static int fig_depth(const struct report *r, FILE *html)
{
    const char *title = "Figure 4: depth of the book near the mid";
    if (!any_finite(r, offsetof(struct ts_row, depth1)) &&
        !any_finite(r, offsetof(struct ts_row, depth5))) {
        figure_skipped(html, 4, "depth", "depth_1pct and depth_5pct are empty in every row "
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
    return figure_end(r, gp, html, 4, "fig4", title,
                      "What to look at: the book thins out as the cascade runs; fewer lots near "
                      "the mid means each forced order moves the price further.", NULL);
}

static int fig_oi_funding(const struct report *r, FILE *html)
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
          "set yrange [0:*]\n", gp);
    if (funding)
        fputs("set y2label 'funding rate (% per interval)'\n"
              "set y2tics\nset ytics nomirror\n"
              "plot 'ts.dat' using 1:9 with lines lw 2 lc rgb '#1f5fa8' "
              "title 'open interest (left)', \\\n"
              "     '' using 1:10 axes x1y2 with lines lw 1.5 lc rgb '#e6550d' "
              "title 'predicted funding rate (right)'\n", gp);
    else
        fputs("plot 'ts.dat' using 1:9 with lines lw 2 lc rgb '#1f5fa8' "
              "title 'open interest'\n", gp);
    return figure_end(r, gp, html, 5, "fig5", title,
                      "What to look at: open interest falls in steps when positions are closed "
                      "by force (a market-order shock may open some too); the funding rate swings "
                      "when the perpetual's price leaves its index.",
                      funding ? NULL : "No funding line: funding_rate is empty in every row.");
}

static int fig_insurance(const struct report *r, FILE *html)
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
          "title 'insurance fund'\n", gp);
    return figure_end(r, gp, html, 6, "fig6", title,
                      "What to look at: the fund pays when a liquidation fills beyond the "
                      "bankruptcy price and gains when it fills better; a falling fund is the "
                      "cascade's cost to the venue.", NULL);
}

/* Log returns of the price between consecutive rows, in bp; *n of them. */
static double *log_returns(const struct report *r, size_t *n)
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

static int fig_returns(const struct report *r, FILE *html, const double *x, size_t n)
{
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
        size_t b = (size_t)((x[i] - lo) / w);
        count[b < bins ? b : bins - 1]++;
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
    fprintf(gp, "set xlabel 'log return over %.10g s (bp)'\n"
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
    return figure_end(r, gp, html, 7, "fig7", title,
                      "What to look at: fat tails. On the log scale the normal curve is a "
                      "parabola that falls away fast, while the returns keep coming far out: "
                      "large moves are much likelier than a normal distribution says.", NULL);
}

static int fig_acf(const struct report *r, FILE *html, const double *x, size_t n)
{
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
    fprintf(gp, "set xlabel 'lag (returns of %.10g s)'\n"
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
    return figure_end(r, gp, html, 8, "fig8", title,
                      "What to look at: returns barely correlate with their own past (no easy "
                      "prediction), while absolute returns stay positive for many lags: calm "
                      "follows calm and turmoil follows turmoil (volatility clustering).", NULL);
}

/* ---- the tables ---- */

/* A number with `decimals` decimals (significant digits when negative) and
 * its integer part grouped by commas; anything else as it is. */
static void format_value(char *out, size_t n, const char *value, int decimals)
{
    char *end;
    double v = strtod(value, &end);
    if (!value[0] || *end || !isfinite(v)) {
        snprintf(out, n, "%s", value[0] ? value : "–");
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

static void headline_row(FILE *html, const char *what, const char *value, int decimals,
                         const char *unit)
{
    char shown[96];
    format_value(shown, sizeof shown, value, decimals);
    fputs("<tr><th>", html);
    html_text(html, what);
    fputs("</th><td>", html);
    html_text(html, shown);
    if (unit && value[0] && strcmp(value, "null") != 0) {
        fputc(' ', html);
        html_text(html, unit);
    }
    fputs("</td></tr>\n", html);
}

static void headlines(const struct report *r, FILE *html)
{
    static const struct {
        const char *section, *key, *what;
        int decimals;
        const char *unit;
    } rows[] = {
        {"prices", "initial", "price at the start", 2, "quote currency"},
        {"prices", "final", "price at the end", 2, "quote currency"},
        {"prices", "min", "lowest price", 2, "quote currency"},
        {"prices", "max", "highest price", 2, "quote currency"},
        {"dislocation", "max_drawdown_bps", "largest fall from a peak", 0, "bp"},
        {"dislocation", "max_basis_bps", "largest gap between price and index", 0, "bp"},
        {"liquidations", "count", "liquidations", 0, NULL},
        {"liquidations", "notional", "liquidated notional", 0, "quote currency"},
        {"cascades", "count", "cascades", 0, NULL},
        {"cascades", "largest_size", "liquidations in the largest cascade", 0, NULL},
        {"cascades", "max_generations", "generations in the deepest cascade", 0, NULL},
        {"cascades", "largest_drop_bps", "largest price move of a cascade", 0, "bp"},
        {"insurance_fund", "initial", "insurance fund at the start", 0, "quote currency"},
        {"insurance_fund", "final", "insurance fund at the end", 0, "quote currency"},
        {"stylized", "excess_kurtosis", "excess kurtosis of returns (0 if normal)", -3, NULL},
        {"stylized", "hill_index", "tail index, Hill (about 3 in real markets)", -3, NULL},
    };
    char v[96];
    fputs("<section><h2>Headline figures</h2>\n<table class=\"headline\">\n", html);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        headline_row(html, rows[i].what,
                     summary_value(r, rows[i].section, rows[i].key, v, sizeof v),
                     rows[i].decimals, rows[i].unit);
    fputs("</table>\n<p class=\"small\">From summary.json (read by scanning for these keys); "
          "every figure is documented in docs/outputs.md.</p></section>\n", html);
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

static int cascade_table(const struct report *r, FILE *html)
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
        html_text(html, k[i].root_cause);
        fputs("</td><td>", html);
        html_text(html, k[i].instrument);
        fputs("</td><td>", html);
        html_text(html, k[i].side);
        char notional[64], num[64];
        snprintf(num, sizeof num, "%.2f", k[i].notional);
        format_value(notional, sizeof notional, num, 0);
        if (k[i].start == k[i].end)
            fprintf(html, "</td><td>%lld", k[i].start);
        else
            fprintf(html, "</td><td>%lld–%lld", k[i].start, k[i].end);
        fprintf(html, "</td><td>%lld</td><td>%lld</td><td>%s</td><td>%.10g → %.10g</td>"
                      "<td>%.2f</td><td>",
                k[i].generations, k[i].liquidations, notional, k[i].price_start,
                k[i].price_extreme, k[i].move_bps);
        if (isfinite(k[i].recovery))
            fprintf(html, "%.0f", k[i].recovery);
        else
            fputs("never", html);
        fputs("</td></tr>\n", html);
    }
    fprintf(html, "</tbody>\n</table>\n<p class=\"small\">By liquidations (then notional), from "
                  "cascades.csv: %zu cascade%s in all. A cascade is a causal tree of "
                  "liquidations: each member's trigger was the previous one's orders.</p>"
                  "</section>\n", r->n_cas, r->n_cas == 1 ? "" : "s");
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

static int write_page(struct report *r, FILE *html)
{
    char name[128], seed[32], steps[32], version[32];
    summary_value(r, NULL, "name", name, sizeof name);
    summary_value(r, NULL, "seed", seed, sizeof seed);
    summary_value(r, NULL, "steps", steps, sizeof steps);
    summary_value(r, NULL, "version", version, sizeof version);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>cascade report: ", html);
    html_text(html, name[0] ? name : r->rundir);
    fprintf(html, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", page_style);
    html_text(html, name[0] ? name : "a run");
    fputs(": what the cascade did</h1>\n<p>Run directory <code>", html);
    html_text(html, r->rundir);
    fputs("</code>, seed ", html);
    html_text(html, seed[0] ? seed : "?");
    fputs(", ", html);
    html_text(html, steps[0] ? steps : "?");
    fprintf(html, " steps of %.10g s. Figures describe the first instrument, <b>", r->step_seconds);
    html_text(html, r->instrument[0] ? r->instrument : "?");
    fputs("</b>.</p>\n</header>\n", html);
    headlines(r, html);
    fputs("<section><h2>Figures</h2>\n", html);
    int rc;
    size_t n = 0;
    double *x = log_returns(r, &n);
    if (!x)
        return out_of_memory();
    if ((rc = write_ts_dat(r)) || (rc = fig_prices(r, html)) || (rc = fig_liquidated(r, html)) ||
        (rc = fig_heatmap(r, html)) || (rc = fig_depth(r, html)) ||
        (rc = fig_oi_funding(r, html)) || (rc = fig_insurance(r, html)) ||
        (rc = fig_returns(r, html, x, n)) || (rc = fig_acf(r, html, x, n))) {
        free(x);
        return rc;
    }
    free(x);
    fputs("</section>\n", html);
    if ((rc = cascade_table(r, html)))
        return rc;
    fputs("<footer class=\"small\"><p>Written by <code>cascade report</code> ", html);
    html_text(html, version[0] ? version : CAS_VERSION);
    fputs(" from the run directory's CSV files; figures drawn by gnuplot. Columns and keys: "
          "docs/outputs.md.</p></footer>\n</body>\n</html>\n", html);
    return 0;
}

/* The time axis' unit: seconds for runs up to 3 minutes, minutes up to 3 hours, else hours. */
static void choose_unit(struct report *r)
{
    double total = r->n_ts ? r->ts[r->n_ts - 1].step * r->step_seconds : 0;
    r->unit_seconds = total > 3 * 3600 ? 3600 : total > 180 ? 60 : 1;
    r->unit = total > 3 * 3600 ? "h" : total > 180 ? "min" : "s";
}

static int read_run(struct report *r)
{
    struct stat st;
    if (stat(r->rundir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "cascade: '%s' is not a run directory (%s)\n", r->rundir,
                stat(r->rundir, &st) != 0 ? strerror(errno) : "not a directory");
        return 2;
    }
    static const char *const required[] = {"timeseries.csv", "liquidations.csv",
                                           "cascades.csv", "summary.json"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        char *p = cas__path_join(r->rundir, required[i]);
        if (!p)
            return out_of_memory();
        bool ok = stat(p, &st) == 0;
        free(p);
        if (!ok) {
            fprintf(stderr, "cascade: '%s' is not a run directory (no %s); "
                            "'cascade run' writes one\n", r->rundir, required[i]);
            return 2;
        }
    }
    int rc;
    if ((rc = read_timeseries(r)) || (rc = read_liquidations(r)) || (rc = read_cascades(r)) ||
        (rc = read_liqmap(r)) || (rc = read_summary(r)))
        return rc;
    choose_unit(r);
    return 0;
}

static void report_release(struct report *r)
{
    tmp_remove(r);
    free(r->ts);
    free(r->liq);
    free(r->cas);
    free(r->map);
    free(r->summary);
}

int cas__report_check(const char *rundir, FILE *html)
{
    struct report r = {.rundir = rundir};
    int rc = read_run(&r);
    if (!rc) {
        size_t n = 0;
        double *x = log_returns(&r, &n);
        headlines(&r, html);
        rc = x ? cascade_table(&r, html) : out_of_memory();
        free(x);
    }
    report_release(&r);
    return rc;
}

/* Write the page to a temporary beside `out`, then rename it into place. */
static int write_report(struct report *r, const char *out)
{
    const char *tmpbase = getenv("TMPDIR");
    snprintf(r->tmpdir, sizeof r->tmpdir, "%s/cascade-report-XXXXXX",
             tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(r->tmpdir)) {
        fprintf(stderr, "cascade: cannot create '%s': %s\n", r->tmpdir, strerror(errno));
        r->tmpdir[0] = 0;
        return 1;
    }
    size_t n = strlen(out) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return out_of_memory();
    snprintf(tmp, n, "%s.tmp-XXXXXX", out);
    int fd = mkstemp(tmp);
    FILE *html = fd >= 0 ? fdopen(fd, "w") : NULL;
    int rc = 1;
    if (!html) {
        fprintf(stderr, "cascade: cannot write '%s': %s\n", out, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        goto done;
    }
    rc = write_page(r, html);
    if (fchmod(fileno(html), 0644) != 0 || fclose(html) != 0) {
        if (!rc)
            fprintf(stderr, "cascade: cannot write '%s': %s\n", out, strerror(errno));
        rc = rc ? rc : 1;
    }
    if (!rc && rename(tmp, out) != 0) {
        fprintf(stderr, "cascade: cannot rename '%s' to '%s': %s\n", tmp, out, strerror(errno));
        rc = 1;
    }
    if (rc)
        unlink(tmp);
done:
    free(tmp);
    return rc;
}

int cas_cli_report(int argc, char **argv)
{
    const char *rundir = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(report_usage, stdout);
            return 0;
        } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cascade: '%s' needs a file (see 'cascade report --help')\n",
                        arg);
                return 2;
            }
            output = argv[++i];
        } else if (strncmp(arg, "--output=", 9) == 0) {
            output = arg + 9;
        } else if (arg[0] == '-' && arg[1] != 0) {
            fprintf(stderr, "cascade: unknown option '%s' (see 'cascade report --help')\n", arg);
            return 2;
        } else if (!rundir) {
            rundir = arg;
        } else {
            fprintf(stderr, "cascade: unexpected argument '%s' (see 'cascade report --help')\n",
                    arg);
            return 2;
        }
    }
    if (!rundir) {
        fputs("cascade: report needs a run directory (see 'cascade report --help')\n", stderr);
        return 2;
    }
    if (output && !*output) {
        fputs("cascade: '-o' needs a file (see 'cascade report --help')\n", stderr);
        return 2;
    }
    struct report r = {.rundir = rundir};
    char *out = output ? NULL : cas__path_join(rundir, "report.html");
    int rc;
    if (!output && !out)
        return out_of_memory();
    if ((rc = read_run(&r)))
        goto done;
    if (!gnuplot_on_path()) {
        fputs("cascade: report needs gnuplot (apt-get install gnuplot-nox)\n", stderr);
        rc = 1;
        goto done;
    }
    if ((rc = write_report(&r, output ? output : out)))
        goto done;
    printf("%s\n", output ? output : out);
done:
    report_release(&r);
    free(out);
    return rc;
}
