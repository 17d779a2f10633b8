/* csv: the CSV reader of run directories (csv.c), for the report and `cascade narrate`. Status codes follow the
 * commands': 0 ok, 1 a failure outside the input (said), 2 bad input (said). */
#ifndef CASCADE_REPORT_CSV_H
#define CASCADE_REPORT_CSV_H

#include <stdbool.h>
#include <stdio.h>

#define CAS_CSV_MAX_FIELDS 64

struct csv {
    char *path; /* as shown in messages: RUNDIR/FILE */
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
    char *field[CAS_CSV_MAX_FIELDS];
    int nf, ncol;
};

/* Say "cascade: out of memory" on stderr; returns 1. */
int cas__out_of_memory(void);
/* Say "cascade: PATH:LINE: ..." on stderr; returns 2. */
__attribute__((format(printf, 2, 3))) int cas__csv_bad(const struct csv *c, const char *fmt, ...);
void cas__csv_close(struct csv *c);
/* Read the next line and split it into c->field: 1 when there was one; 0 at
 * the end of the file, or on an error, when *status is set to 1 or 2 (said). */
int cas__csv_next(struct csv *c, int *status);
/* Open RUNDIR/file and read its header, mapping the n wanted columns to
 * idx[]. 0 ok, -1 absent (nothing said), 1 or 2 failed (said). */
int cas__csv_open(struct csv *c, const char *rundir, const char *file, const char *const *names,
                  int n, int *idx);
/* Field `col` (named `name`) as a number; empty gives NaN when allowed. 0 or 2 (said). */
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
                         const struct cas_csv_field *f, int n, int *idx);
/* Parse the line's number fields into row, in the table's order: 0, or 2 at
 * the first bad one (said). */
int cas__csv_read_fields(const struct csv *c, const struct cas_csv_field *f, int n, const int *idx,
                         void *row);

/* Open RUNDIR/file with the columns of a field table and call line(ctx, c,
 * idx) for every line, which returns 0 to go on or a status (1 or 2, said).
 * 0 at the end, -1 when the file is absent (nothing said), else the status. */
int cas__csv_each(const char *rundir, const char *file, const struct cas_csv_field *f, int n,
                  int (*line)(void *ctx, const struct csv *c, const int *idx), void *ctx);

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
 * cas__rows_int and cas__rows_num read it back exactly. 0, -1 when absent
 * (said, as "not a run directory", only if required), 1 or 2 (said). */
int cas__rows_read(struct cas_rows *t, const char *dir, const char *file,
                   const struct cas_csv_field *need, int n, bool required);
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
 * in order, taker_side buy or sell, order ids unsigned integers). 0, -1 when
 * an optional one is absent, 1 or 2 (said). */
int cas__read_liquidations(struct cas_rows *t, const char *dir);
int cas__read_cascades(struct cas_rows *t, const char *dir);
int cas__read_accounts(struct cas_rows *t, const char *dir, bool required);
int cas__read_trades(struct cas_rows *t, const char *dir);
/* The row of cascades.csv whose id is `id`; false when there is none. */
bool cas__cascade_row(const struct cas_rows *cas, long long id, size_t *row);

/* The order of cascades everywhere (the report's table, its trees, narrate):
 * more liquidations first, then more notional, then the lower id. Whether
 * row a of cascades.csv comes before row b; the first row in that order. */
bool cas__cascade_before(const struct cas_rows *cas, size_t a, size_t b);
size_t cas__largest_cascade(const struct cas_rows *cas);

#endif
