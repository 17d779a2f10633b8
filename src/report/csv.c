/* csv: reading the CSV files of a run directory, for the commands that read
 * one (report, narrate): one line at a time, fields split in place, every
 * error a CAS_E* code with the caller's struct cas_err filled (the path
 * FILE:LINE, the message what is wrong); nothing is printed. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cascade/core.h"
#include "core/coreInt.h"
#include "report/csv.h"

/* The error's path: FILE:LINE (line > 0), FILE, or nothing (file NULL). */
__attribute__((format(printf, 5, 0))) static void fill_err(struct cas_err *err, int code,
                                                           const char *file, long line,
                                                           const char *fmt, va_list ap)
{
    err->code = code;
    err->path[0] = 0;
    if (file && line > 0)
        cas__file_line(err->path, sizeof err->path, file, line);
    else if (file)
        snprintf(err->path, sizeof err->path, "%s", file);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int cas__report_err(struct cas_err *err, int code, const char *file, long line, const char *fmt,
                    ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    fill_err(err, code, file, line, fmt, ap);
    va_end(ap);
    return code;
}

int cas__report_oom(struct cas_err *err)
{
    return cas__report_err(err, CAS_ENOMEM, NULL, 0, "out of memory");
}

int cas__csv_bad(const struct csv *c, const char *fmt, ...)
{
    if (!c->err)
        return CAS_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    fill_err(c->err, CAS_EINVAL, c->path, c->lineno, fmt, ap);
    va_end(ap);
    return CAS_EINVAL;
}

void cas__csv_close(struct csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->line);
    free(c->path);
    memset(c, 0, sizeof *c);
}

int cas__csv_next(struct csv *c, int *status)
{
    errno = 0;
    ssize_t len = getline(&c->line, &c->cap, c->f);
    if (len < 0) {
        if (ferror(c->f) || errno == ENOMEM)
            *status = cas__report_err(c->err, errno == ENOMEM ? CAS_ENOMEM : CAS_EIO, c->path, 0,
                                      "cannot read: %s", strerror(errno));
        return 0;
    }
    c->lineno++;
    while (len > 0 && (c->line[len - 1] == '\n' || c->line[len - 1] == '\r'))
        c->line[--len] = 0;
    if ((size_t)len != strlen(c->line)) {
        *status = cas__csv_bad(c, "contains a NUL byte");
        return 0;
    }
    c->nf = 0;
    for (char *p = c->line;; p++) {
        if (c->nf == CAS_CSV_MAX_FIELDS) {
            *status = cas__csv_bad(c, "more than %d fields", CAS_CSV_MAX_FIELDS);
            return 0;
        }
        c->field[c->nf++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p = 0;
    }
    if (c->ncol && c->nf != c->ncol) {
        *status =
            cas__csv_bad(c, "%d field%s, the header has %d", c->nf, c->nf == 1 ? "" : "s", c->ncol);
        return 0;
    }
    return 1;
}

int cas__csv_open(struct csv *c, const char *rundir, const char *file, const char *const *names,
                  int n, int *idx, struct cas_err *err)
{
    memset(c, 0, sizeof *c);
    c->err = err;
    if (!(c->path = cas_path_join(rundir, file)))
        return cas__report_oom(err);
    char why[96];
    if (!(c->f = cas_open_input(c->path, CAS_MAX_CSV_BYTES, why, sizeof why))) {
        if (errno == ENOENT)
            return CAS_ENOTFOUND;
        return cas__report_err(err, CAS_EINVAL, c->path, 0, "cannot open: %s", why);
    }
    int status = 0;
    if (!cas__csv_next(c, &status)) {
        c->lineno = 1;
        return status ? status : cas__csv_bad(c, "empty file, expected a header line");
    }
    c->ncol = c->nf;
    for (int k = 0; k < n; k++) {
        idx[k] = -1;
        for (int j = 0; j < c->nf; j++)
            if (strcmp(c->field[j], names[k]) == 0)
                idx[k] = j;
        if (idx[k] < 0)
            return cas__csv_bad(c, "no column '%s' in the header", names[k]);
    }
    return 0;
}

int cas__csv_open_fields(struct csv *c, const char *rundir, const char *file,
                         const struct cas_csv_field *f, int n, int *idx, struct cas_err *err)
{
    const char *names[CAS_CSV_MAX_FIELDS];
    for (int k = 0; k < n; k++)
        names[k] = f[k].name;
    return cas__csv_open(c, rundir, file, names, n, idx, err);
}

int cas__csv_read_fields(const struct csv *c, const struct cas_csv_field *f, int n, const int *idx,
                         void *row)
{
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        char *at = (char *)row + f[k].offset;
        if (f[k].kind == CAS_CSV_INT_OR_EMPTY && !c->field[idx[k]][0])
            *(long long *)(void *)at = -1;
        else if (f[k].kind == CAS_CSV_INT || f[k].kind == CAS_CSV_INT_OR_EMPTY)
            rc = cas__csv_int(c, idx[k], f[k].name, (long long *)(void *)at);
        else if (f[k].kind != CAS_CSV_TEXT)
            rc = cas__csv_num(c, idx[k], f[k].name, f[k].kind == CAS_CSV_NUM_OR_EMPTY,
                              (double *)(void *)at);
    }
    return rc;
}

int cas__csv_each(const char *rundir, const char *file, const struct cas_csv_field *f, int n,
                  int (*line)(void *ctx, const struct csv *c, const int *idx), void *ctx,
                  struct cas_err *err)
{
    int idx[CAS_CSV_MAX_FIELDS], status = 0;
    struct csv c;
    int rc = cas__csv_open_fields(&c, rundir, file, f, n, idx, err);
    while (rc == 0 && cas__csv_next(&c, &status))
        rc = line(ctx, &c, idx);
    cas__csv_close(&c);
    return rc ? rc : status;
}

int cas__csv_num(const struct csv *c, int col, const char *name, bool may_be_empty, double *out)
{
    const char *s = c->field[col];
    *out = NAN;
    if (!*s) {
        if (may_be_empty) {
            *out = NAN;
            return 0;
        }
        return cas__csv_bad(c, "'%s' is empty", name);
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return cas__csv_bad(c, "'%s' is not a number: '%.40s'", name, s);
    *out = v;
    return 0;
}

int cas__csv_int(const struct csv *c, int col, const char *name, long long *out)
{
    double v = 0;
    *out = 0;
    int rc = cas__csv_num(c, col, name, false, &v);
    if (rc)
        return rc;
    if (v < 0 || v != floor(v) || v > 9e15)
        return cas__csv_bad(c, "'%s' is not a non-negative integer: '%.40s'", name, c->field[col]);
    *out = (long long)v;
    return 0;
}

/* A CSV held in memory: its header and every row's fields, as text. */

void cas__rows_free(struct cas_rows *t)
{
    for (size_t r = 0; r < t->n; r++) {
        for (int c = 0; c < t->ncol; c++)
            free(t->row[r][c]);
        free(t->row[r]);
    }
    for (int c = 0; c < t->ncol; c++)
        free(t->head[c]);
    free(t->head);
    free(t->row);
    memset(t, 0, sizeof *t);
}

int cas__rows_read(struct cas_rows *t, const char *dir, const char *file,
                   const struct cas_csv_field *need, int n, bool required, struct cas_err *err)
{
    struct csv c;
    int idx[CAS_CSV_MAX_FIELDS], status = 0;
    memset(t, 0, sizeof *t);
    int rc = cas__csv_open_fields(&c, dir, file, need, n, idx, err);
    if (rc == CAS_ENOTFOUND && required)
        rc = cas__report_err(err, CAS_EINVAL, NULL, 0, "'%s' is not a run directory (no %s)", dir,
                             file);
    if (rc) {
        cas__csv_close(&c);
        return rc;
    }
    t->ncol = c.ncol;
    if (!(t->head = calloc((size_t)c.ncol, sizeof *t->head))) {
        status = cas__report_oom(err);
        goto done;
    }
    for (int k = 0; k < c.ncol; k++)
        if (!(t->head[k] = strdup(c.field[k]))) {
            status = cas__report_oom(err);
            goto done;
        }
    while (cas__csv_next(&c, &status)) {
        for (int k = 0; k < n; k++) {
            const char *s = c.field[idx[k]];
            long long v;
            double x;
            enum cas_csv_kind kind = need[k].kind;
            if (kind == CAS_CSV_TEXT ||
                (!*s && (kind == CAS_CSV_INT_OR_EMPTY || kind == CAS_CSV_NUM_OR_EMPTY)))
                continue;
            if ((kind == CAS_CSV_INT || kind == CAS_CSV_INT_OR_EMPTY
                     ? cas__csv_int(&c, idx[k], need[k].name, &v)
                     : cas__csv_num(&c, idx[k], need[k].name, false, &x)) != 0) {
                status = CAS_EINVAL;
                goto done;
            }
        }
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 256;
            char ***v = realloc(t->row, cap * sizeof *v);
            if (!v) {
                status = cas__report_oom(err);
                goto done;
            }
            t->row = v;
            t->cap = cap;
        }
        char **r = calloc((size_t)c.nf, sizeof *r);
        if (!r) {
            status = cas__report_oom(err);
            goto done;
        }
        t->row[t->n++] = r;
        for (int j = 0; j < c.nf; j++)
            if (!(r[j] = strdup(c.field[j]))) {
                status = cas__report_oom(err);
                goto done;
            }
    }
done:
    cas__csv_close(&c);
    return status;
}

const char *cas__rows_get(const struct cas_rows *t, size_t r, const char *name)
{
    for (int c = 0; c < t->ncol; c++)
        if (strcmp(t->head[c], name) == 0)
            return t->row[r][c];
    return "";
}

long long cas__rows_int(const struct cas_rows *t, size_t r, const char *name)
{
    const char *s = cas__rows_get(t, r, name);
    return *s ? (long long)strtod(s, NULL) : -1; /* checked: an integer of at most 9e15 */
}

double cas__rows_num(const struct cas_rows *t, size_t r, const char *name)
{
    const char *s = cas__rows_get(t, r, name);
    return *s ? strtod(s, NULL) : NAN;
}

const char *cas__rows_lookup(const struct cas_rows *t, const char *key_col, const char *key,
                             const char *col)
{
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(cas__rows_get(t, k, key_col), key) == 0)
            return cas__rows_get(t, k, col);
    return NULL;
}

bool cas__cascade_before(const struct cas_rows *cas, size_t a, size_t b)
{
    long long la = cas__rows_int(cas, a, "liquidations"),
              lb = cas__rows_int(cas, b, "liquidations");
    if (la != lb)
        return la > lb;
    double na = cas__rows_num(cas, a, "notional"), nb = cas__rows_num(cas, b, "notional");
    if (na != nb)
        return na > nb;
    return a < b; /* rows are in id order */
}

long long cas__largest_episode(const struct cas_rows *cas)
{
    long long best = 0, e = 0;
    double best_n = -1, best_v = -1, n = 0, v = 0;
    for (size_t k = 0; k <= cas->n; k++) {
        long long at = k < cas->n ? cas__rows_int(cas, k, "episode") : -1;
        if (at != e) {
            if (e && (n > best_n || (n == best_n && v > best_v)))
                best = e, best_n = n, best_v = v;
            e = at, n = v = 0;
        }
        if (k < cas->n) {
            n += (double)cas__rows_int(cas, k, "liquidations");
            v += cas__rows_num(cas, k, "notional");
        }
    }
    return best;
}

void cas__episode_of(const struct cas_rows *cas, long long id, struct cas__episode *e)
{
    *e = (struct cas__episode){.id = id, .from = LLONG_MAX};
    for (size_t k = 0; k < cas->n; k++) {
        if (cas__rows_int(cas, k, "episode") != id)
            continue;
        e->cascades++;
        e->liquidations += cas__rows_int(cas, k, "liquidations");
        long long start = cas__rows_int(cas, k, "start_step");
        e->from = start < e->from ? start : e->from;
        if (*cas__rows_get(cas, k, "finish_step")) {
            long long fin = cas__rows_int(cas, k, "finish_step");
            e->to = fin > e->to ? fin : e->to;
        } else {
            e->open = true;
        }
        const char *ins = cas__rows_get(cas, k, "instrument");
        size_t len = strlen(e->instruments), il = strlen(ins);
        bool seen = false;
        for (const char *p = e->instruments; !seen && (p = strstr(p, ins)); p += il)
            seen = (p == e->instruments || p[-1] == ' ') && (p[il] == 0 || p[il] == ',');
        if (!seen && len + il + 8 < sizeof e->instruments)
            snprintf(e->instruments + len, sizeof e->instruments - len, "%s%s", len ? ", " : "",
                     ins);
    }
}

size_t cas__largest_cascade(const struct cas_rows *cas)
{
    size_t best = 0;
    for (size_t k = 1; k < cas->n; k++)
        if (cas__cascade_before(cas, k, best))
            best = k;
    return best;
}

/* ---- the tables report's page and narrate share ---- */

#define COL(name, kind)         \
    {                           \
        name, CAS_CSV_##kind, 0 \
    }
#define N_COLS(table) ((int)(sizeof table / sizeof *table))

/* The error at DIR/FILE:LINE for data row k (the header is line 1): CAS_EINVAL. */
__attribute__((format(printf, 5, 6))) static int row_bad(struct cas_err *err, const char *dir,
                                                         const char *file, size_t k,
                                                         const char *fmt, ...)
{
    if (!err)
        return CAS_EINVAL;
    char *path = malloc(strlen(dir) + strlen(file) + 2);
    if (!path)
        return cas__report_oom(err);
    sprintf(path, "%s/%s", dir, file);
    va_list ap;
    va_start(ap, fmt);
    fill_err(err, CAS_EINVAL, path, (long)k + 2, fmt, ap);
    va_end(ap);
    free(path);
    return CAS_EINVAL;
}

static bool one_of(const char *s, const char *a, const char *b)
{
    return strcmp(s, a) == 0 || strcmp(s, b) == 0;
}

/* clang-format off */
static const struct cas_csv_field liq_cols[] = {
    COL("id", INT), COL("step", INT), COL("account", INT), COL("instrument", TEXT),
    COL("side", TEXT), COL("lots", INT), COL("mark", NUM), COL("fill_vwap", NUM_OR_EMPTY),
    COL("worst_fill", NUM_OR_EMPTY), COL("bankruptcy", NUM_OR_EMPTY),
    COL("liquidation_price", NUM_OR_EMPTY), COL("leverage", NUM), COL("mode", TEXT),
    COL("filled_lots", INT), COL("adl_lots", INT), COL("insurance_change", NUM),
    COL("finished", INT), COL("finish_step", INT_OR_EMPTY), COL("trigger", TEXT),
    COL("cascade", INT), COL("generation", INT)};
static const struct cas_csv_field cas_cols[] = {
    COL("id", INT), COL("episode", INT), COL("root_cause", TEXT), COL("instrument", TEXT),
    COL("side", TEXT),
    COL("start_step", INT), COL("end_step", INT), COL("finish_step", INT_OR_EMPTY),
    COL("generations", INT), COL("liquidations", INT), COL("notional", NUM),
    COL("price_start", NUM), COL("price_extreme", NUM), COL("extreme_step", INT),
    COL("gap_to_index_bps", NUM_OR_EMPTY), COL("price_end", NUM), COL("move_bps", NUM),
    COL("recovery_half_steps", INT_OR_EMPTY)};
static const struct cas_csv_field acc_cols[] = {COL("account", INT), COL("type", TEXT)};
static const struct cas_csv_field tr_cols[] = {
    COL("step", INT), COL("instrument", TEXT), COL("price", NUM), COL("qty", INT),
    COL("taker_side", TEXT), COL("taker_order", TEXT), COL("maker_order", TEXT),
    COL("cause", TEXT)};
/* clang-format on */

int cas__read_liquidations(struct cas_rows *t, const char *dir, struct cas_err *err)
{
    static const char file[] = "liquidations.csv";
    int rc = cas__rows_read(t, dir, file, liq_cols, N_COLS(liq_cols), true, err);
    for (size_t k = 0; rc == 0 && k < t->n; k++) {
        long long step = cas__rows_int(t, k, "step"), finish = cas__rows_int(t, k, "finish_step");
        if (cas__rows_int(t, k, "id") != (long long)k + 1)
            rc = row_bad(err, dir, file, k, "'id' must be %zu: ids are 1, 2, ... in order", k + 1);
        else if (k && step < cas__rows_int(t, k - 1, "step"))
            rc = row_bad(err, dir, file, k, "'step' %lld is before the previous row's", step);
        else if (!one_of(cas__rows_get(t, k, "side"), "long", "short"))
            rc = row_bad(err, dir, file, k, "'side' must be long or short");
        else if (!one_of(cas__rows_get(t, k, "mode"), "engine", "keeper"))
            rc = row_bad(err, dir, file, k, "'mode' must be engine or keeper");
        else if (cas__rows_int(t, k, "finished") > 1)
            rc = row_bad(err, dir, file, k, "'finished' must be 0 or 1");
        else if (finish >= 0 && finish < step)
            rc = row_bad(err, dir, file, k, "'finish_step' %lld is before 'step' %lld", finish,
                         step);
        else if (cas__rows_int(t, k, "cascade") < 1 || cas__rows_int(t, k, "generation") < 1 ||
                 cas__rows_int(t, k, "generation") > (long long)k + 1)
            rc = row_bad(err, dir, file, k,
                         "'cascade' must be at least 1 and 'generation' from 1 to "
                         "the row's id");
    }
    return rc;
}

int cas__read_cascades(struct cas_rows *t, const char *dir, struct cas_err *err)
{
    static const char file[] = "cascades.csv";
    int rc = cas__rows_read(t, dir, file, cas_cols, N_COLS(cas_cols), true, err);
    for (size_t k = 0; rc == 0 && k < t->n; k++) {
        long long start = cas__rows_int(t, k, "start_step"), end = cas__rows_int(t, k, "end_step"),
                  finish = cas__rows_int(t, k, "finish_step");
        long long episode = cas__rows_int(t, k, "episode"),
                  before = k ? cas__rows_int(t, k - 1, "episode") : 0;
        if (cas__rows_int(t, k, "id") != (long long)k + 1)
            rc = row_bad(err, dir, file, k, "'id' must be %zu: ids are 1, 2, ... in order", k + 1);
        else if (episode != before && episode != before + 1)
            rc = row_bad(err, dir, file, k,
                         "'episode' must be %lld or %lld: episodes are 1, 2, ... in order",
                         before ? before : 1, before + 1);
        else if (end < start)
            rc = row_bad(err, dir, file, k, "'end_step' %lld is before 'start_step' %lld", end,
                         start);
        else if (finish >= 0 && finish < end)
            rc = row_bad(err, dir, file, k, "'finish_step' %lld is before 'end_step' %lld", finish,
                         end);
        else if (!one_of(cas__rows_get(t, k, "side"), "long", "short"))
            rc = row_bad(err, dir, file, k, "'side' must be long or short");
        else if (cas__rows_int(t, k, "generations") < 1 ||
                 cas__rows_int(t, k, "liquidations") < cas__rows_int(t, k, "generations"))
            rc = row_bad(err, dir, file, k, "'generations' must be from 1 to 'liquidations'");
    }
    return rc;
}

int cas__read_accounts(struct cas_rows *t, const char *dir, bool required, struct cas_err *err)
{
    return cas__rows_read(t, dir, "accounts.csv", acc_cols, N_COLS(acc_cols), required, err);
}

/* An order id: an unsigned 64-bit integer in decimal. */
static bool is_order_id(const char *s)
{
    if (!*s || strlen(s) > 20 || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    strtoull(s, NULL, 10);
    return errno == 0;
}

int cas__read_trades(struct cas_rows *t, const char *dir, struct cas_err *err)
{
    static const char file[] = "trades.csv";
    int rc = cas__rows_read(t, dir, file, tr_cols, N_COLS(tr_cols), false, err);
    for (size_t k = 0; rc == 0 && k < t->n; k++) {
        long long step = cas__rows_int(t, k, "step");
        if (k && step < cas__rows_int(t, k - 1, "step"))
            rc = row_bad(err, dir, file, k, "'step' %lld is before the previous row's", step);
        else if (!one_of(cas__rows_get(t, k, "taker_side"), "buy", "sell"))
            rc = row_bad(err, dir, file, k, "'taker_side' must be buy or sell");
        else if (!is_order_id(cas__rows_get(t, k, "taker_order")) ||
                 !is_order_id(cas__rows_get(t, k, "maker_order")))
            rc = row_bad(err, dir, file, k, "an order id is not an unsigned integer");
    }
    return rc;
}

bool cas__cascade_row(const struct cas_rows *cas, long long id, size_t *row)
{
    for (size_t k = 0; k < cas->n; k++)
        if (cas__rows_int(cas, k, "id") == id) {
            *row = k;
            return true;
        }
    return false;
}
