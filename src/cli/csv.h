/* csv: the CSV reader the commands share (csv.c). Status codes follow the
 * commands': 0 ok, 1 a failure outside the input (said), 2 bad input (said). */
#ifndef CASCADE_CLI_CSV_H
#define CASCADE_CLI_CSV_H

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

/* Say "cascade: PATH:LINE: ..." on stderr; returns 2. */
__attribute__((format(printf, 2, 3))) int cas__csv_bad(const struct csv *c, const char *fmt,
                                                       ...);
void cas__csv_close(struct csv *c);
/* Read the next line and split it into c->field: 1 when there was one; 0 at
 * the end of the file, or on an error, when *status is set to 1 or 2 (said). */
int cas__csv_next(struct csv *c, int *status);
/* Open RUNDIR/file and read its header, mapping the n wanted columns to
 * idx[]. 0 ok, -1 absent (nothing said), 1 or 2 failed (said). */
int cas__csv_open(struct csv *c, const char *rundir, const char *file,
                  const char *const *names, int n, int *idx);
/* Field `col` (named `name`) as a number; empty gives NaN when allowed. 0 or 2 (said). */
int cas__csv_num(const struct csv *c, int col, const char *name, bool may_be_empty,
                 double *out);
/* The same for a count or a step: a non-negative integer. */
int cas__csv_int(const struct csv *c, int col, const char *name, long long *out);

#endif
