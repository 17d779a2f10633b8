/* csv: reading the CSV files of a run directory, for the commands that read
 * one (report, narrate): one line at a time, fields split in place, every
 * error one line "cascade: FILE:LINE: what is wrong" on stderr. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cascade/core.h"
#include "report/csv.h"

int cas__csv_bad(const struct csv *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cascade: %s:%ld: ", c->path, c->lineno);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

void cas__csv_close(struct csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->line);
    free(c->path);
    memset(c, 0, sizeof *c);
}

/* Read the next line and split it into c->field: 1 when there was one; 0 at
 * the end of the file, or on an error, when *status is set to 1 or 2 (said). */
int cas__csv_next(struct csv *c, int *status)
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

/* Open RUNDIR/file and read its header, mapping the n wanted columns to
 * idx[]. 0 ok, -1 absent (nothing said), 1 or 2 failed (said). */
int cas__csv_open(struct csv *c, const char *rundir, const char *file, const char *const *names,
                  int n, int *idx)
{
    memset(c, 0, sizeof *c);
    if (!(c->path = cas_path_join(rundir, file)))
        return 1;
    char why[96];
    if (!(c->f = cas_open_input(c->path, CAS_MAX_CSV_BYTES, why, sizeof why))) {
        if (errno == ENOENT)
            return -1;
        fprintf(stderr, "cascade: %s: cannot open: %s\n", c->path, why);
        return 2;
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
                         const struct cas_csv_field *f, int n, int *idx)
{
    const char *names[CAS_CSV_MAX_FIELDS];
    for (int k = 0; k < n; k++)
        names[k] = f[k].name;
    return cas__csv_open(c, rundir, file, names, n, idx);
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
                  int (*line)(void *ctx, const struct csv *c, const int *idx), void *ctx)
{
    int idx[CAS_CSV_MAX_FIELDS], status = 0;
    struct csv c;
    int rc = cas__csv_open_fields(&c, rundir, file, f, n, idx);
    while (rc == 0 && cas__csv_next(&c, &status))
        rc = line(ctx, &c, idx);
    cas__csv_close(&c);
    return rc ? rc : status;
}

/* Field `col` (named `name`) as a number; empty gives NaN when allowed. 0 or 2 (said). */
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

/* The same for a count or a step: a non-negative integer. */
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

int cas__out_of_memory(void)
{
    fputs("cascade: out of memory\n", stderr);
    return 1;
}

/* Read RUNDIR/file, which must have the n columns of `need`, each field
 * checked as its kind says. 0, -1 when absent (said only if required), 1 or 2
 * (said). */
int cas__rows_read(struct cas_rows *t, const char *dir, const char *file,
                   const struct cas_csv_field *need, int n, bool required)
{
    struct csv c;
    int idx[CAS_CSV_MAX_FIELDS], status = 0;
    memset(t, 0, sizeof *t);
    int rc = cas__csv_open_fields(&c, dir, file, need, n, idx);
    if (rc == -1 && required) {
        fprintf(stderr, "cascade: '%s' is not a run directory (no %s)\n", dir, file);
        rc = 2;
    }
    if (rc) {
        cas__csv_close(&c);
        return rc;
    }
    t->ncol = c.ncol;
    if (!(t->head = calloc((size_t)c.ncol, sizeof *t->head))) {
        status = cas__out_of_memory();
        goto done;
    }
    for (int k = 0; k < c.ncol; k++)
        if (!(t->head[k] = strdup(c.field[k]))) {
            status = cas__out_of_memory();
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
                status = 2;
                goto done;
            }
        }
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 256;
            char ***v = realloc(t->row, cap * sizeof *v);
            if (!v) {
                status = cas__out_of_memory();
                goto done;
            }
            t->row = v;
            t->cap = cap;
        }
        char **r = calloc((size_t)c.nf, sizeof *r);
        if (!r) {
            status = cas__out_of_memory();
            goto done;
        }
        t->row[t->n++] = r;
        for (int j = 0; j < c.nf; j++)
            if (!(r[j] = strdup(c.field[j]))) {
                status = cas__out_of_memory();
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

/* "cascade: DIR/FILE:LINE: ..." for data row k (the header is line 1); returns 2. */
__attribute__((format(printf, 4, 5))) static int row_bad(const char *dir, const char *file,
                                                         size_t k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cascade: %s/%s:%zu: ", dir, file, k + 2);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
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
    COL("id", INT), COL("root_cause", TEXT), COL("instrument", TEXT), COL("side", TEXT),
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

int cas__read_liquidations(struct cas_rows *t, const char *dir)
{
    static const char file[] = "liquidations.csv";
    int rc = cas__rows_read(t, dir, file, liq_cols, N_COLS(liq_cols), true);
    for (size_t k = 0; rc == 0 && k < t->n; k++) {
        long long step = cas__rows_int(t, k, "step"), finish = cas__rows_int(t, k, "finish_step");
        if (cas__rows_int(t, k, "id") != (long long)k + 1)
            rc = row_bad(dir, file, k, "'id' must be %zu: ids are 1, 2, ... in order", k + 1);
        else if (k && step < cas__rows_int(t, k - 1, "step"))
            rc = row_bad(dir, file, k, "'step' %lld is before the previous row's", step);
        else if (!one_of(cas__rows_get(t, k, "side"), "long", "short"))
            rc = row_bad(dir, file, k, "'side' must be long or short");
        else if (!one_of(cas__rows_get(t, k, "mode"), "engine", "keeper"))
            rc = row_bad(dir, file, k, "'mode' must be engine or keeper");
        else if (cas__rows_int(t, k, "finished") > 1)
            rc = row_bad(dir, file, k, "'finished' must be 0 or 1");
        else if (finish >= 0 && finish < step)
            rc = row_bad(dir, file, k, "'finish_step' %lld is before 'step' %lld", finish, step);
        else if (cas__rows_int(t, k, "cascade") < 1 || cas__rows_int(t, k, "generation") < 1 ||
                 cas__rows_int(t, k, "generation") > (long long)k + 1)
            rc = row_bad(dir, file, k,
                         "'cascade' must be at least 1 and 'generation' from 1 to "
                         "the row's id");
    }
    return rc;
}

int cas__read_cascades(struct cas_rows *t, const char *dir)
{
    static const char file[] = "cascades.csv";
    int rc = cas__rows_read(t, dir, file, cas_cols, N_COLS(cas_cols), true);
    for (size_t k = 0; rc == 0 && k < t->n; k++) {
        long long start = cas__rows_int(t, k, "start_step"), end = cas__rows_int(t, k, "end_step"),
                  finish = cas__rows_int(t, k, "finish_step");
        if (cas__rows_int(t, k, "id") != (long long)k + 1)
            rc = row_bad(dir, file, k, "'id' must be %zu: ids are 1, 2, ... in order", k + 1);
        else if (end < start)
            rc = row_bad(dir, file, k, "'end_step' %lld is before 'start_step' %lld", end, start);
        else if (finish >= 0 && finish < end)
            rc = row_bad(dir, file, k, "'finish_step' %lld is before 'end_step' %lld", finish, end);
        else if (!one_of(cas__rows_get(t, k, "side"), "long", "short"))
            rc = row_bad(dir, file, k, "'side' must be long or short");
        else if (cas__rows_int(t, k, "generations") < 1 ||
                 cas__rows_int(t, k, "liquidations") < cas__rows_int(t, k, "generations"))
            rc = row_bad(dir, file, k, "'generations' must be from 1 to 'liquidations'");
    }
    return rc;
}

int cas__read_accounts(struct cas_rows *t, const char *dir, bool required)
{
    return cas__rows_read(t, dir, "accounts.csv", acc_cols, N_COLS(acc_cols), required);
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

int cas__read_trades(struct cas_rows *t, const char *dir)
{
    static const char file[] = "trades.csv";
    int rc = cas__rows_read(t, dir, file, tr_cols, N_COLS(tr_cols), false);
    for (size_t k = 0; rc == 0 && k < t->n; k++) {
        long long step = cas__rows_int(t, k, "step");
        if (k && step < cas__rows_int(t, k - 1, "step"))
            rc = row_bad(dir, file, k, "'step' %lld is before the previous row's", step);
        else if (!one_of(cas__rows_get(t, k, "taker_side"), "buy", "sell"))
            rc = row_bad(dir, file, k, "'taker_side' must be buy or sell");
        else if (!is_order_id(cas__rows_get(t, k, "taker_order")) ||
                 !is_order_id(cas__rows_get(t, k, "maker_order")))
            rc = row_bad(dir, file, k, "an order id is not an unsigned integer");
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
