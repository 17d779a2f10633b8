/* csv: the CSV reader of run directories (csv.c), for the report and `cascade narrate`, and
 * the report module's errors. Functions return 0 or a negative CAS_E* code: CAS_EINVAL for bad
 * input, CAS_ENOMEM and CAS_EIO for failures outside it, each with the caller's struct cas_err
 * (which may be NULL) filled; CAS_ENOTFOUND, with nothing filled, for an absent file where one
 * may be absent. Nothing here prints. */
#ifndef CASCADE_REPORT_CSV_H
#define CASCADE_REPORT_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include "cascade/core.h"

/* Fill err (which may be NULL): the code, the path "FILE:LINE" (line > 0; a name too long
 * for the path loses its head, as cas__file_line says), "FILE" (line 0) or "" (file NULL),
 * and the message; returns code. */
__attribute__((format(printf, 5, 6))) int cas__report_err(struct cas_err *err, int code,
                                                          const char *file, long line,
                                                          const char *fmt, ...);
/* cas__report_err(err, CAS_ENOMEM, NULL, 0, "out of memory"). */
int cas__report_oom(struct cas_err *err);

#define CAS_CSV_MAX_FIELDS 64

struct csv {
    char *path; /* as shown in messages: RUNDIR/FILE */
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
    char *field[CAS_CSV_MAX_FIELDS];
    int nf, ncol;
    struct cas_err *err; /* the open's, for every error of the file; may be NULL */
};

/* The error at PATH:LINE (c->err); returns CAS_EINVAL. */
__attribute__((format(printf, 2, 3))) int cas__csv_bad(const struct csv *c, const char *fmt, ...);
void cas__csv_close(struct csv *c);
/* Read the next line and split it into c->field: 1 when there was one; 0 at
 * the end of the file, or on an error, when *status is set to its code. */
int cas__csv_next(struct csv *c, int *status);
/* Open RUNDIR/file and read its header, mapping the n wanted columns to
 * idx[]. 0, CAS_ENOTFOUND when absent, or the error's code. */
int cas__csv_open(struct csv *c, const char *rundir, const char *file, const char *const *names,
                  int n, int *idx, struct cas_err *err);
/* Field `col` (named `name`) as a number; empty gives NaN when allowed. 0 or CAS_EINVAL. */
int cas__csv_num(const struct csv *c, int col, const char *name, bool may_be_empty, double *out);
/* The same for a count or a step: a non-negative integer. */
int cas__csv_int(const struct csv *c, int col, const char *name, long long *out);

/* One column a reader needs and, for a number, where it goes in the reader's
 * row struct: a long long (INT), a double (NUM; NUM_OR_EMPTY gives NaN for
 * an empty field). TEXT columns are only required; the reader takes them from
 * c->field. */
enum cas_csv_kind {
    CAS_CSV_TEXT,
    CAS_CSV_INT,
    CAS_CSV_INT_OR_EMPTY, /* -1 when empty */
    CAS_CSV_NUM,
    CAS_CSV_NUM_OR_EMPTY
};
struct cas_csv_field {
    const char *name;
    enum cas_csv_kind kind;
    size_t offset;
};
/* cas__csv_open for the n (at most CAS_CSV_MAX_FIELDS) columns of a table. */
int cas__csv_open_fields(struct csv *c, const char *rundir, const char *file,
                         const struct cas_csv_field *f, int n, int *idx, struct cas_err *err);
/* Parse the line's number fields into row, in the table's order: 0, or CAS_EINVAL at
 * the first bad one. */
int cas__csv_read_fields(const struct csv *c, const struct cas_csv_field *f, int n, const int *idx,
                         void *row);

/* Open RUNDIR/file with the columns of a field table and call line(ctx, c,
 * idx) for every line, which returns 0 to go on or an error's code (c->err filled).
 * 0 at the end, CAS_ENOTFOUND when the file is absent, else the code. */
int cas__csv_each(const char *rundir, const char *file, const struct cas_csv_field *f, int n,
                  int (*line)(void *ctx, const struct csv *c, const int *idx), void *ctx,
                  struct cas_err *err);

/* A CSV held in memory: its header and every row's fields, as text. */
struct cas_rows {
    int ncol;
    char **head;
    char ***row;
    size_t n, cap;
};

/* Read RUNDIR/file, which must have the n columns of the table `need`, each
 * field checked as its kind says (a non-negative integer, a finite number,
 * either perhaps empty; TEXT as it is): what is held was validated, so that
 * cas__rows_int and cas__rows_num read it back exactly. 0; CAS_ENOTFOUND when
 * absent and not required (CAS_EINVAL, "not a run directory", when required); or
 * the error's code. */
int cas__rows_read(struct cas_rows *t, const char *dir, const char *file,
                   const struct cas_csv_field *need, int n, bool required, struct cas_err *err);
void cas__rows_free(struct cas_rows *t);
/* Row r's field `name` ("" when there is no such column), as text, integer
 * (-1 when empty) or number (NaN when empty). */
const char *cas__rows_get(const struct cas_rows *t, size_t r, const char *name);
long long cas__rows_int(const struct cas_rows *t, size_t r, const char *name);
double cas__rows_num(const struct cas_rows *t, size_t r, const char *name);
/* Column `col` of the first row whose column `key_col` is `key`; NULL if none. */
const char *cas__rows_lookup(const struct cas_rows *t, const char *key_col, const char *key,
                             const char *col);

/* The tables of a run directory that the page's trees and player and
 * `cascade narrate` share, read with every column either needs and checked
 * within the file: liquidations.csv (ids 1, 2, ... in order, steps in order,
 * side long or short, mode engine or keeper, finished 0 or 1, a finish no
 * earlier than the trigger, generation and cascade at least 1), cascades.csv
 * (ids 1, 2, ... in order, start <= end <= finish, side long or short, at
 * least one liquidation and one generation), accounts.csv, trades.csv (steps
 * in order, taker_side buy or sell, order ids unsigned integers). 0,
 * CAS_ENOTFOUND when an optional one is absent, or the error's code. */
int cas__read_liquidations(struct cas_rows *t, const char *dir, struct cas_err *err);
int cas__read_cascades(struct cas_rows *t, const char *dir, struct cas_err *err);
int cas__read_accounts(struct cas_rows *t, const char *dir, bool required, struct cas_err *err);
int cas__read_trades(struct cas_rows *t, const char *dir, struct cas_err *err);
/* The row of cascades.csv whose id is `id`; false when there is none. */
bool cas__cascade_row(const struct cas_rows *cas, long long id, size_t *row);

/* The order of cascades everywhere (the report's table, its trees, narrate):
 * more liquidations first, then more notional, then the lower id. Whether
 * row a of cascades.csv comes before row b; the first row in that order. */
bool cas__cascade_before(const struct cas_rows *cas, size_t a, size_t b);
size_t cas__largest_cascade(const struct cas_rows *cas);
/* The largest episode of cascades.csv's rows (most liquidations, then notional, then the
 * lower id); 0 without rows. */
long long cas__largest_episode(const struct cas_rows *cas);
/* Episode `id` of cascades.csv's rows: its cascades and liquidations, its span (from the
 * first start to the last finish; `open` when one was unfinished) and its instruments
 * ("A, B", in the order of their first cascade). */
struct cas__episode {
    long long id, cascades, liquidations, from, to;
    bool open;
    char instruments[256];
};
void cas__episode_of(const struct cas_rows *cas, long long id, struct cas__episode *e);

#endif
